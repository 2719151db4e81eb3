/**
 * The gateway server: accepts TCP connections on the configured listeners, reads the ClientHello under one deadline
 * armed at accept, routes by SNI (no default route), dials the upstream (round robin, next endpoint on connect
 * failure) and hands both sockets to the relay. Reload swaps the route table and limits without touching open
 * connections; drain stops accepting and waits for open connections up to `drainMs`.
 *
 * Three data paths with the same behaviour (`relayMode`):
 * * `native` (the addon is loaded): the addon's epoll thread accepts, enforces the limits and the hello deadline and
 *   reads the first bytes; the common hello (whole in its first record, SNI with a route to IP endpoints) it parses
 *   and routes itself from the table pushed here (`pushNativeRoutes`); anything else this class gets as bytes in
 *   batches (`onNativeEvents`), parses and routes exactly as below and answers connect/close commands in one call per
 *   batch; the thread dials, relays and reports connects and closes in batches;
 * * `handover`: Node accepts, this class parses, routes and dials, then the native relay takes both descriptors;
 * * `js`: Node accepts and relays (`stream.pipe`).
 */
import cluster from 'node:cluster';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { connect, createServer, isIP, type Server, type Socket } from 'node:net';
import type { AccessLog, AccessRecord, CloseReason } from './access-log.ts';
import { ClientHelloParser, type HelloResult, parseWholeHello } from './client-hello.ts';
import { type GatewayConfig, routeSpecOf } from './config.ts';
import { type DataPath, defaultDataPath, NATIVE_CLOSE, type NativeAccept, nativeAccept } from './native-relay.ts';
import { type RelayHandle, relay } from './relay.ts';
import { type Endpoint, RoundRobin, type Route, RouteTable } from './route-table.ts';
import { type ExternalCounts, Stats } from './stats.ts';

/** What a closed connection reports, before its duration is known. */
type ClosedConnection = Omit<AccessRecord, 'durationMs'>;

interface Conn {
  readonly socket: Socket;
  relay?: RelayHandle;
  routed: boolean;
}

/** A natively accepted connection, from its first reported bytes to its close report. */
interface NativeConn {
  readonly listener: string;
  readonly client: string;
  readonly start: number;
  /** Created when the first bytes do not hold a whole hello (see `parseWholeHello`). */
  parser?: ClientHelloParser;
  sni?: string;
  route?: Route;
  routeKey?: string;
  order?: readonly Endpoint[];
  upstream?: string;
  /** Routed or refused: later bytes are the relay's. */
  decided: boolean;
  /** Closed by this side's decision (the close report then carries this reason). */
  failed?: CloseReason;
}

const EV_DATA = 1;
const CMD_CLOSE = 1;
const CMD_CONNECT = 2;

/** The index of a counter name, given the next free one on first use. */
function counterIndex(index: Map<string, number>, names: string[], name: string): number {
  let i = index.get(name);
  if (i === undefined) {
    i = names.push(name) - 1;
    index.set(name, i);
  }
  return i;
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
  /** The data path (set before `start`): `native` accept + relay, `handover` (JS accept, native relay) or `js`. */
  relayMode: DataPath = defaultDataPath();
  private native?: { readonly a: NativeAccept; readonly h: object };
  private readonly nconns = new Map<number, NativeConn>();
  private nativeFinished = 0;
  /**
   * Native accept: who writes the access log — 0 nobody (disabled), 1 this class (close events for every connection:
   * a log object without a `target`, e.g. in tests), 2 the thread itself (no per-connection events at all).
   */
  private nativeLogMode = 0;
  /** Native accept: counter indices the thread counts by (routes; close reasons, 0-9 the thread's close codes). */
  private readonly routeIndex = new Map<string, number>();
  private readonly routeNames: string[] = [];
  private readonly reasonIndex = new Map<string, number>();
  private readonly reasonNames: string[] = [...NATIVE_CLOSE];
  private readonly listenerNames: string[] = [];
  /** Ports to use instead of a listener's port 0, by listener name (set by `--workers`; see `workers.ts`). */
  portOverrides: ReadonlyMap<string, number> = new Map();
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
    const a = this.relayMode === 'native' ? nativeAccept() : undefined;
    if (this.relayMode === 'native' && !a) this.relayMode = defaultDataPath() === 'js' ? 'js' : 'handover';
    if (a) return this.startNative(a);
    for (const l of this.config.listeners) {
      const server = createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(s, l.name));
      server.maxConnections = this.config.limits.maxConnections;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: l.address, port: this.listenPort(l), backlog: 4096 }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const a = server.address();
      if (a && typeof a === 'object') this.bound.set(l.name, { address: a.address, port: a.port });
      this.servers.push(server);
    }
  }

  private async startNative(a: NativeAccept): Promise<void> {
    const target = this.log.enabled === false ? undefined : this.log.target;
    this.nativeLogMode = this.log.enabled === false ? 0 : target ? 2 : 1;
    const h = a.gwCreate((nums, peers, bytes) => this.onNativeEvents(nums, peers, bytes), this.nativeLogMode);
    this.native = { a, h };
    if (target) {
      a.gwLog(
        h,
        target.path ?? null,
        this.config.listeners.map((l) => JSON.stringify(l.name)),
      );
    }
    this.stats.external = () => this.nativeCounts(a, h);
    this.configureNative();
    for (const [i, l] of this.config.listeners.entries()) {
      const ip = isIP(l.address) !== 0 ? l.address : (await lookup(l.address)).address;
      // Workers (`--workers N`) each bind their own socket; the kernel spreads connections over them.
      const port = a.gwListen(h, ip, this.listenPort(l), i, cluster.isWorker);
      this.listenerNames[i] = l.name;
      this.bound.set(l.name, { address: ip, port });
    }
    a.gwRef(h, true);
  }

  /** The thread's counters (see `gwStats`), by name. */
  private nativeCounts(a: NativeAccept, h: object): ExternalCounts {
    const v = a.gwStats(h);
    let k = 6;
    const byName = (names: readonly string[]) => {
      const m = new Map<string, number>();
      const n = v[k++] as number;
      for (let i = 0; i < n; i++, k++) {
        const name = names[i];
        const x = v[k] as number;
        if (x > 0 && name !== undefined) m.set(name, (m.get(name) ?? 0) + x);
      }
      return m;
    };
    const routes = byName(this.routeNames);
    const reasons = byName(this.reasonNames);
    return {
      accepted: v[0] as number,
      bytesIn: v[3] as number,
      bytesOut: v[4] as number,
      connectFailures: v[5] as number,
      routes,
      reasons,
    };
  }

  private routeCounter(key: string): number {
    return counterIndex(this.routeIndex, this.routeNames, key);
  }

  private reasonCounter(reason: string): number {
    return counterIndex(this.reasonIndex, this.reasonNames, reason);
  }

  private listenPort(l: { readonly name: string; readonly port: number }): number {
    return l.port === 0 ? (this.portOverrides.get(l.name) ?? 0) : l.port;
  }

  private configureNative(): void {
    if (!this.native) return;
    const { timeouts, limits } = this.config;
    this.native.a.gwConfigure(
      this.native.h,
      timeouts.clientHelloMs,
      limits.maxPendingHandshakes,
      limits.maxConnections,
      limits.maxClientHelloBytes,
      timeouts.connectMs,
      timeouts.idleMs,
    );
    this.pushNativeRoutes();
  }

  /**
   * The route table for the native decision: the thread parses the common ClientHello and routes it itself when the
   * SNI has a route whose endpoints are IP addresses; anything else comes here as bytes (`onNativeEvents`).
   */
  private pushNativeRoutes(): void {
    if (!this.native) return;
    const routes: (string | number)[] = [];
    const index = new Map<Route, number>();
    const add = (r: Route) => {
      let i = index.get(r);
      if (i === undefined) {
        i = index.size;
        index.set(r, i);
        routes.push(JSON.stringify(r.key), this.routeCounter(r.key), r.endpoints.length);
        for (const ep of r.endpoints) routes.push(ep.address, ep.port, JSON.stringify(`${ep.address}:${ep.port}`));
      }
      return i;
    };
    const local: (string | number)[] = [];
    for (const [sni, r] of this.table.localEntries()) local.push(sni, add(r));
    const remote: (string | number)[] = [];
    for (const [dc, r] of this.table.remoteEntries()) remote.push(dc, add(r));
    const wild: (string | number)[] = [];
    for (const [suffix, r] of this.table.wildcardEntries()) wild.push(suffix, add(r));
    this.native.a.gwRoutes(this.native.h, this.table.trustDomain, this.table.datacenter, routes, local, remote, wild);
  }

  /** True while listening and not draining. */
  get ready(): boolean {
    return (this.servers.length > 0 || this.native !== undefined) && !this.draining;
  }

  get activeConnections(): number {
    if (this.native) {
      const [accepted, live] = this.native.a.gwCounts(this.native.h);
      // When this class logs, a connection counts until its close report has been logged.
      return this.nativeLogMode === 1 ? accepted - this.nativeFinished : live;
    }
    return this.conns.size;
  }

  get pendingHandshakes(): number {
    if (this.native) return this.native.a.gwCounts(this.native.h)[2];
    return this.pending;
  }

  /** Applies a new config: routes, timeouts and limits change for new connections; open ones are untouched. */
  reload(config: GatewayConfig): void {
    this.config = config;
    this.table = new RouteTable(routeSpecOf(config)).withEndpoints(routeSpecOf(config), this.overrides);
    for (const s of this.servers) s.maxConnections = config.limits.maxConnections;
    this.configureNative();
    this.stats.reloads++;
    this.emit('reload');
  }

  /** Replaces endpoint lists from live discovery (keys are route keys such as `local:web`, `remote:dc2`). */
  setEndpoints(overrides: ReadonlyMap<string, readonly Endpoint[]>): void {
    this.overrides = new Map(overrides);
    this.table = this.table.withEndpoints(routeSpecOf(this.config), this.overrides);
    this.pushNativeRoutes();
  }

  /** Stops accepting, waits for open connections to finish (at most `drainMs`), then closes the rest. */
  async drain(): Promise<void> {
    this.draining = true;
    if (this.native) return this.drainNative(this.native);
    for (const s of this.servers) s.close();
    const deadline = Date.now() + this.config.timeouts.drainMs;
    while (this.conns.size > 0 && Date.now() < deadline) await this.connClosed(deadline - Date.now());
    for (const c of this.conns) {
      if (c.relay) c.relay.abort('drain');
      else c.socket.destroy();
    }
    while (this.conns.size > 0) await this.connClosed(1000);
  }

  private async drainNative({ a, h }: { readonly a: NativeAccept; readonly h: object }): Promise<void> {
    a.gwStop(h);
    const deadline = Date.now() + this.config.timeouts.drainMs;
    // Closes reach this class only as events when it logs them: otherwise the thread's gauge is polled.
    while (this.activeConnections > 0 && Date.now() < deadline)
      await this.connClosed(Math.min(10, deadline - Date.now()));
    if (this.activeConnections > 0) a.gwAbortAll(h);
    while (this.activeConnections > 0) await this.connClosed(10);
    if (this.nativeLogMode === 2) a.gwLogClose(h);
    a.gwRef(h, false);
  }

  /**
   * One batch of native events (see `native/relay/relay.c`): 8 numbers per event, per event a peer address in
   * `peers`, and all new bytes in `bytes`. Hellos are parsed and routed exactly as in `accept`; the decisions go back
   * in one call.
   */
  private onNativeEvents(nums: Float64Array, peers: unknown[], all: Buffer): void {
    const cmds: (number | string)[] = [];
    const n = nums.length >>> 3;
    for (let i = 0; i < n; i++) {
      const o = i << 3;
      const kind = nums[o] as number;
      const id = nums[o + 1] as number;
      if (kind === EV_DATA) {
        let c = this.nconns.get(id);
        if (!c) {
          c = {
            listener: this.listenerNames[nums[o + 2] as number] ?? '',
            client: (peers[i * 2] as string | undefined) ?? '',
            start: nums[o + 3] as number,
            decided: false,
          };
          this.nconns.set(id, c);
        }
        if (c.decided) continue;
        const len = nums[o + 6] as number;
        let r: HelloResult | undefined;
        if (len > 0) {
          const off = nums[o + 5] as number;
          const bytes = all.subarray(off, off + len);
          const max = this.config.limits.maxClientHelloBytes;
          if (!c.parser) r = parseWholeHello(bytes, max);
          if (!r) {
            c.parser ??= new ClientHelloParser({ maxHelloBytes: max });
            r = c.parser.push(bytes);
          }
        }
        if (r === undefined || r.kind === 'need-more') {
          if (nums[o + 4] === 1) this.nativeRefuse(cmds, id, c, 'client-closed');
          continue;
        }
        if (r.kind === 'reject') {
          this.nativeRefuse(cmds, id, c, `reject-${r.reason}`);
          continue;
        }
        c.sni = r.sni;
        const route = this.table.lookup(r.sni);
        if (!route) {
          this.nativeRefuse(cmds, id, c, 'no-route');
          continue;
        }
        const order = this.rr.order(route);
        if (order.length === 0) {
          this.nativeRefuse(cmds, id, c, 'no-endpoints');
          continue;
        }
        c.decided = true;
        c.route = route;
        if (order.every((ep) => isIP(ep.address) !== 0)) {
          c.order = order;
          this.pushConnect(cmds, id, c, order, order);
        } else void this.resolveAndConnect(id, c, order);
      } else {
        // Closed: only reported for connections this class saw, or for every one when it writes the log.
        const c = this.nconns.get(id);
        if (c) this.nconns.delete(id);
        if (this.nativeLogMode !== 1) continue;
        this.nativeFinished++;
        const iep = nums[o + 5] as number;
        let sni = c?.sni;
        let route: string | undefined;
        let upstream: string | undefined;
        if (c && iep >= 0 && c.route) {
          route = c.route.key;
          const ep = c.order?.[iep];
          upstream = ep && `${ep.address}:${ep.port}`;
        } else if (!c) {
          // Routed by the thread: "sni" or "sni \x01 route key JSON \x01 upstream JSON".
          const info = (peers[i * 2 + 1] as string | undefined)?.split('\x01');
          sni = info?.[0];
          if (info?.[1] !== undefined) {
            route = JSON.parse(info[1]) as string;
            upstream = JSON.parse(info[2] as string) as string;
          }
        }
        this.logRecord({
          start: c?.start ?? (nums[o + 7] as number),
          listener: c?.listener ?? this.listenerNames[nums[o + 6] as number] ?? '',
          client: c?.client ?? (peers[i * 2] as string | undefined) ?? '',
          sni,
          route,
          upstream,
          bytesIn: nums[o + 3] as number,
          bytesOut: nums[o + 4] as number,
          reason: c?.failed ?? NATIVE_CLOSE[nums[o + 2] as number] ?? 'client-error',
        });
        this.emit('conn-closed');
      }
    }
    if (cmds.length > 0 && this.native) this.native.a.gwCommit(this.native.h, cmds);
  }

  /** Closes a connection that is still reading its hello; its close report is logged with `reason`. */
  private nativeRefuse(cmds: (number | string)[], id: number, c: NativeConn, reason: CloseReason): void {
    c.decided = true;
    c.failed = reason;
    cmds.push(
      CMD_CLOSE,
      id,
      this.reasonCounter(reason),
      JSON.stringify(reason),
      c.sni === undefined ? '' : JSON.stringify(c.sni),
    );
  }

  /** Connect command: the addresses to dial in order, and (for the log and counters) the names the log shows. */
  private pushConnect(
    cmds: (number | string)[],
    id: number,
    c: NativeConn,
    dial: readonly Endpoint[],
    names: readonly Endpoint[],
  ): void {
    const key = c.route?.key ?? '';
    const { connectMs, idleMs } = this.config.timeouts;
    cmds.push(CMD_CONNECT, id, connectMs, idleMs, JSON.stringify(c.sni ?? ''), this.routeCounter(key));
    cmds.push(JSON.stringify(key), dial.length);
    for (const [k, ep] of dial.entries()) {
      const n = names[k] as Endpoint;
      cmds.push(ep.address, ep.port, JSON.stringify(`${n.address}:${n.port}`));
    }
  }

  /** Endpoints given by host name: resolved first (a failed lookup counts as a failed connect, as in `dial`). */
  private async resolveAndConnect(id: number, c: NativeConn, order: readonly Endpoint[]): Promise<void> {
    const resolved = await Promise.all(
      order.map(async (ep) => {
        if (isIP(ep.address) !== 0) return { ep, ip: ep.address };
        try {
          return { ep, ip: (await lookup(ep.address)).address };
        } catch {
          this.stats.countConnectFailure();
          return undefined;
        }
      }),
    );
    const ok = resolved.filter((x) => x !== undefined);
    if (!this.native || !this.nconns.has(id)) return;
    const cmds: (number | string)[] = [];
    if (ok.length === 0) {
      this.nativeRefuse(cmds, id, c, 'connect-failed');
    } else {
      c.order = ok.map((x) => x.ep);
      this.pushConnect(
        cmds,
        id,
        c,
        ok.map((x) => ({ address: x.ip, port: x.ep.port })),
        c.order,
      );
    }
    this.native.a.gwCommit(this.native.h, cmds);
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
    this.stats.countAccepted();
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
            native: this.relayMode === 'handover',
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
      this.stats.countConnectFailure();
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

  private record(r: ClosedConnection): void {
    this.stats.closed(r.reason, r.bytesIn, r.bytesOut);
    this.logRecord(r);
  }

  /** The access-log line only (the native accept path counts on its thread). */
  private logRecord(r: ClosedConnection): void {
    if (this.log.enabled === false) return;
    (r as { durationMs?: number }).durationMs = Date.now() - r.start;
    this.log.write(r as AccessRecord);
  }
}
