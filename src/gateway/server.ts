/**
 * The gateway server: accepts TCP connections on the configured listeners, reads the ClientHello under one deadline
 * armed at accept, routes by SNI (no default route), dials the upstream (round robin, next endpoint on connect
 * failure) and hands both sockets to the relay. Reload swaps the route table and limits without touching open
 * connections; drain stops accepting and waits for open connections up to `drainMs`.
 */
import { EventEmitter } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AccessLog, AccessRecord, CloseReason } from './access-log.ts';
import { ClientHelloParser } from './client-hello.ts';
import { type GatewayConfig, routeSpecOf } from './config.ts';
import { nativeRelayAvailable } from './native-relay.ts';
import { type RelayHandle, relay } from './relay.ts';
import { type Endpoint, RoundRobin, type Route, RouteTable } from './route-table.ts';
import { Stats } from './stats.ts';

interface Conn {
  readonly socket: Socket;
  relay?: RelayHandle;
  routed: boolean;
}

/** The gateway's live state. */
export class Gateway extends EventEmitter {
  config: GatewayConfig;
  table: RouteTable;
  readonly stats = new Stats();
  private readonly rr = new RoundRobin();
  private readonly servers: Server[] = [];
  private readonly conns = new Set<Conn>();
  private pending = 0;
  private draining = false;
  private overrides = new Map<string, readonly Endpoint[]>();
  /** `native`: routed connections go to the native splice relay when it is loaded; `js`: always the JS relay. */
  relayMode: 'native' | 'js' = nativeRelayAvailable() ? 'native' : 'js';
  /** Bound addresses (after `start`), by listener name. */
  readonly bound = new Map<string, { address: string; port: number }>();

  constructor(
    config: GatewayConfig,
    private readonly log: AccessLog,
  ) {
    super();
    this.config = config;
    this.table = new RouteTable(routeSpecOf(config));
  }

  /** Binds every listener. */
  async start(): Promise<void> {
    for (const l of this.config.listeners) {
      const server = createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(s, l.name));
      server.maxConnections = this.config.limits.maxConnections;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: l.address, port: l.port, backlog: 4096 }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const a = server.address();
      if (a && typeof a === 'object') this.bound.set(l.name, { address: a.address, port: a.port });
      this.servers.push(server);
    }
  }

  /** True while listening and not draining. */
  get ready(): boolean {
    return this.servers.length > 0 && !this.draining;
  }

  get activeConnections(): number {
    return this.conns.size;
  }

  get pendingHandshakes(): number {
    return this.pending;
  }

  /** Applies a new config: routes, timeouts and limits change for new connections; open ones are untouched. */
  reload(config: GatewayConfig): void {
    this.config = config;
    this.table = new RouteTable(routeSpecOf(config)).withEndpoints(routeSpecOf(config), this.overrides);
    for (const s of this.servers) s.maxConnections = config.limits.maxConnections;
    this.stats.reloads++;
    this.emit('reload');
  }

  /** Replaces endpoint lists from live discovery (keys are route keys such as `local:web`, `remote:dc2`). */
  setEndpoints(overrides: ReadonlyMap<string, readonly Endpoint[]>): void {
    this.overrides = new Map(overrides);
    this.table = this.table.withEndpoints(routeSpecOf(this.config), this.overrides);
  }

  /** Stops accepting, waits for open connections to finish (at most `drainMs`), then closes the rest. */
  async drain(): Promise<void> {
    this.draining = true;
    for (const s of this.servers) s.close();
    const deadline = Date.now() + this.config.timeouts.drainMs;
    while (this.conns.size > 0 && Date.now() < deadline) await this.connClosed(deadline - Date.now());
    for (const c of this.conns) {
      if (c.relay) c.relay.abort('drain');
      else c.socket.destroy();
    }
    while (this.conns.size > 0) await this.connClosed(1000);
  }

  private connClosed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.off('conn-closed', done);
        resolve();
      };
      const t = setTimeout(done, Math.max(ms, 1));
      this.on('conn-closed', done);
    });
  }

  private forget(conn: Conn): void {
    if (this.conns.delete(conn)) this.emit('conn-closed');
  }

  private accept(socket: Socket, listener: string): void {
    const start = Date.now();
    const { limits, timeouts } = this.config;
    this.stats.accepted++;
    // The peer address is only needed for the access log (each getter is a getpeername(2) call).
    const client = this.log.enabled === false ? '' : `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.pending >= limits.maxPendingHandshakes) {
      socket.destroy();
      this.record({ start, listener, client, bytesIn: 0, bytesOut: 0, reason: 'limit-pending' });
      return;
    }
    // Natively relayed connections no longer count in the listener's `maxConnections`: cap them here too.
    if (this.conns.size >= limits.maxConnections) {
      socket.destroy();
      this.record({ start, listener, client, bytesIn: 0, bytesOut: 0, reason: 'limit-connections' });
      return;
    }
    const conn: Conn = { socket, routed: false };
    this.conns.add(conn);
    this.pending++;
    const chunks: Buffer[] = [];
    const parser = new ClientHelloParser({ maxHelloBytes: limits.maxClientHelloBytes });
    let sni: string | undefined;
    let done = false;
    const finishPending = () => {
      if (conn.routed) return;
      conn.routed = true;
      this.pending--;
      clearTimeout(timer);
      socket.off('data', onData);
    };
    const fail = (reason: CloseReason) => {
      if (done || conn.relay) return;
      done = true;
      finishPending();
      socket.destroy();
      this.forget(conn);
      this.record({ start, listener, client, sni, bytesIn: socket.bytesRead, bytesOut: 0, reason });
    };
    const timer = setTimeout(() => fail('hello-timeout'), timeouts.clientHelloMs);
    const onError = () => fail('client-error');
    const onEnd = () => fail('client-closed');
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', () => fail('client-closed'));
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      const r = parser.push(chunk);
      if (r.kind === 'need-more') return;
      if (r.kind === 'reject') return fail(`reject-${r.reason}`);
      sni = r.sni;
      socket.pause();
      finishPending();
      const route = this.table.lookup(sni);
      if (!route) return fail('no-route');
      const order = this.rr.order(route);
      if (order.length === 0) return fail('no-endpoints');
      socket.off('end', onEnd);
      this.dial(
        route,
        order,
        0,
        socket,
        (upstream, ep) => {
          if (done) {
            upstream.destroy();
            return;
          }
          socket.off('error', onError);
          const upstreamName = `${ep.address}:${ep.port}`;
          this.stats.routed(route.key);
          conn.relay = relay(socket, upstream, chunks, {
            idleMs: this.config.timeouts.idleMs,
            native: this.relayMode === 'native',
            onClose: (reason, bytesIn, bytesOut) => {
              done = true;
              this.forget(conn);
              this.record({
                start,
                listener,
                client,
                sni,
                route: route.key,
                upstream: upstreamName,
                bytesIn,
                bytesOut,
                reason,
              });
            },
          });
        },
        () => fail('connect-failed'),
      );
    };
    socket.on('data', onData);
  }

  private dial(
    route: Route,
    order: readonly Endpoint[],
    i: number,
    client: Socket,
    ok: (s: Socket, ep: Endpoint) => void,
    failed: () => void,
  ): void {
    const ep = order[i];
    if (ep === undefined || client.destroyed) {
      failed();
      return;
    }
    const upstream = connect({ host: ep.address, port: ep.port, allowHalfOpen: true, noDelay: true });
    // Not reading until the relay starts (the native relay takes the descriptor; `pipe` resumes).
    upstream.pause();
    const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), this.config.timeouts.connectMs);
    const onError = () => {
      clearTimeout(timer);
      this.stats.connectFailures++;
      upstream.destroy();
      this.dial(route, order, i + 1, client, ok, failed);
    };
    upstream.once('error', onError);
    upstream.once('connect', () => {
      clearTimeout(timer);
      upstream.off('error', onError);
      ok(upstream, ep);
    });
  }

  private record(r: {
    start: number;
    listener: string;
    client: string;
    sni?: string;
    route?: string;
    upstream?: string;
    bytesIn: number;
    bytesOut: number;
    reason: CloseReason;
  }): void {
    this.stats.closed(r.reason, r.bytesIn, r.bytesOut);
    if (this.log.enabled === false) return;
    (r as { durationMs?: number }).durationMs = Date.now() - r.start;
    this.log.write(r as AccessRecord);
  }
}
