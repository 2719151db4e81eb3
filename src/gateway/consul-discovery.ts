/**
 * Live endpoints from Consul, so local failover follows health: one blocking query per route
 * (`/v1/health/connect/<service>?passing=1` for local services' sidecars, `/v1/health/service/mesh-gateway?dc=<dc>&passing=1`
 * for remote gateways, WAN tagged address; `/v1/health/service/consul` for this datacenter's servers when the config
 * routes server traffic), re-issued with the returned `X-Consul-Index`. Optional self-registration as a `mesh-gateway`
 * service with LAN/WAN tagged addresses (and, when it routes WAN federation, the `consul-wan-federation: "1"` meta
 * Consul's servers look for) and the TCP check `consul connect envoy -register` gives a gateway (LAN listener, 10 s,
 * deregistered after 6 h critical; initially passing: the gateway registers once it listens), deregistered on stop.
 *
 * The ACL token is read from `tokenEnv` or `tokenFile` at run time and only ever sent as the `X-Consul-Token` header.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayConfig } from './config.ts';
import { type Endpoint, PEERING_SERVERS_KEY, SERVERS_KEY, type ServerEndpoint } from './route-table.ts';

type ConsulConfig = NonNullable<GatewayConfig['consul']>;

interface HealthEntry {
  Node?: { Node?: string; Address?: string; Datacenter?: string };
  Service?: {
    Address?: string;
    Port?: number;
    Meta?: Record<string, string | undefined>;
    TaggedAddresses?: Record<string, { Address?: string; Port?: number } | undefined>;
  };
}

/** Endpoints of health entries: the service address (falling back to the node's), or a tagged address. */
export function endpointsOf(entries: readonly HealthEntry[], tagged?: 'wan' | 'lan'): Endpoint[] {
  const out: Endpoint[] = [];
  for (const e of entries) {
    const t = tagged ? e.Service?.TaggedAddresses?.[tagged] : undefined;
    const address = t?.Address || e.Service?.Address || e.Node?.Address;
    const port = t?.Port || e.Service?.Port;
    if (address && port) out.push({ address, port });
  }
  return out.sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
}

/**
 * This datacenter's servers from `/v1/health/service/consul`: node name and server RPC endpoint (the address Consul's
 * `BestAddress(false)` picks: the service address, else the node's), sorted by node.
 */
export function serversOf(entries: readonly HealthEntry[]): ServerEndpoint[] {
  const out: ServerEndpoint[] = [];
  for (const e of entries) {
    const node = e.Node?.Node;
    const address = e.Service?.Address || e.Node?.Address;
    const port = e.Service?.Port;
    if (node && address && port) out.push({ node, address, port });
  }
  return out.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

/**
 * The servers peers may dial (`PeerThroughMeshGateways`): every server that is not a read replica, at the gRPC TLS
 * port its `grpc_tls_port` meta names (as Consul's mesh gateway builds its peering-server cluster).
 */
export function peeringServersOf(entries: readonly HealthEntry[]): ServerEndpoint[] {
  const out: ServerEndpoint[] = [];
  for (const e of entries) {
    const node = e.Node?.Node;
    const address = e.Service?.Address || e.Node?.Address;
    const port = Number(e.Service?.Meta?.grpc_tls_port);
    if (e.Service?.Meta?.read_replica === 'true') continue;
    if (node && address && Number.isInteger(port) && port > 0) out.push({ node, address, port });
  }
  return out.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

function token(c: ConsulConfig): string | undefined {
  if (c.tokenEnv && process.env[c.tokenEnv]) return process.env[c.tokenEnv];
  if (c.tokenFile) return readFileSync(c.tokenFile, 'utf8').trim();
  return undefined;
}

interface Reply {
  status: number;
  index?: string;
  body: string;
}

function call(c: ConsulConfig, method: string, path: string, body: unknown, signal: AbortSignal): Promise<Reply> {
  const url = new URL(path, c.address);
  const headers: Record<string, string> = {};
  const t = token(c);
  if (t) headers['x-consul-token'] = t;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload) headers['content-type'] = 'application/json';
  const opts = {
    method,
    headers,
    signal,
    ...(url.protocol === 'https:' && c.caFile ? { ca: readFileSync(c.caFile) } : {}),
  };
  const req = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = req(url, opts, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          index: res.headers['x-consul-index'] as string | undefined,
          body: Buffer.concat(parts).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(payload);
  });
}

/** What to watch: route key → health path and which address to use (or, for `servers`, what to read). */
export interface Watch {
  readonly key: string;
  readonly path: string;
  readonly tagged?: 'wan' | 'lan';
  /** The `consul` service: fills `servers` and/or `peering-servers` instead of `key`. */
  readonly servers?: { readonly rpc: boolean; readonly peering: boolean };
}

/**
 * The watches for a config: this datacenter's Consul servers when the config routes server (WAN federation) or
 * peering control-plane traffic (always: servers are never in a generated config), and with `discover` every local
 * service's sidecars and every remote datacenter's gateways.
 */
export function watchesOf(cfg: GatewayConfig): Watch[] {
  const services = [...new Set(cfg.routes.local.map((l) => l.service))].sort();
  const rpc = cfg.routes.servers !== undefined;
  const peering = cfg.routes.peering !== undefined;
  const servers =
    rpc || peering
      ? [{ key: SERVERS_KEY, path: '/v1/health/service/consul?passing=1', servers: { rpc, peering } }]
      : [];
  if (cfg.consul?.discover === false) return servers;
  return [
    ...servers,
    ...services.map((s) => ({ key: `local:${s}`, path: `/v1/health/connect/${encodeURIComponent(s)}?passing=1` })),
    ...cfg.routes.remote.map((r) => ({
      key: `remote:${r.datacenter}`,
      path: `/v1/health/service/mesh-gateway?dc=${encodeURIComponent(r.datacenter)}&passing=1`,
      tagged: 'wan' as const,
    })),
  ];
}

/** Runs blocking queries until stopped; calls `update` with the full override map after every change. */
export class ConsulDiscovery {
  private readonly abort = new AbortController();
  private readonly current = new Map<string, readonly Endpoint[]>();

  constructor(
    private readonly cfg: GatewayConfig,
    private readonly update: (m: ReadonlyMap<string, readonly Endpoint[]>) => void,
    private readonly onError: (msg: string) => void = () => {},
  ) {}

  /**
   * Registers (if configured) and starts watching (if `discover`). A failed registration (Consul not up yet, e.g. a
   * secondary datacenter's agent starting after its gateway) is reported and retried in the background with backoff:
   * the gateway serves its static routes meanwhile.
   */
  async start(): Promise<void> {
    const c = this.cfg.consul;
    if (!c) return;
    if (c.register) {
      try {
        await this.register(c);
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.onError(`consul registration: ${(e as Error).message}; retrying`);
        void this.retryRegister(c);
      }
    }
    for (const w of watchesOf(this.cfg)) void this.loop(c, w);
  }

  private async retryRegister(c: ConsulConfig): Promise<void> {
    let backoff = 500;
    while (!this.abort.signal.aborted) {
      await sleep(backoff, undefined, { signal: this.abort.signal }).catch(() => undefined);
      if (this.abort.signal.aborted) return;
      try {
        await this.register(c);
        return;
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.onError(`consul registration: ${(e as Error).message}; retrying`);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  /** Stops watching and deregisters. */
  async stop(): Promise<void> {
    this.abort.abort();
    const c = this.cfg.consul;
    if (c?.register) {
      await call(
        c,
        'PUT',
        `/v1/agent/service/deregister/${encodeURIComponent(c.register.id)}`,
        undefined,
        AbortSignal.timeout(5000),
      ).catch(() => undefined);
    }
  }

  private async register(c: ConsulConfig): Promise<void> {
    const reg = c.register as NonNullable<ConsulConfig['register']>;
    const lan = reg.lan ?? this.cfg.listeners.find((l) => l.name === 'lan');
    const wan = reg.wan ?? this.cfg.listeners.find((l) => l.name === 'wan') ?? lan;
    if (!lan) return;
    const tagged = (e: Endpoint) => ({ Address: e.address, Port: e.port });
    const r = await call(
      c,
      'PUT',
      '/v1/agent/service/register',
      {
        Kind: 'mesh-gateway',
        Name: this.cfg.name,
        ID: reg.id,
        Address: lan.address,
        Port: lan.port,
        TaggedAddresses: { lan: tagged(lan), ...(wan ? { wan: tagged(wan) } : {}) },
        // Consul's servers tunnel WAN federation only through gateways carrying this meta (`MetaWANFederationKey`).
        ...(this.cfg.routes.servers ? { Meta: { 'consul-wan-federation': '1' } } : {}),
        // As `consul connect envoy -register` registers a gateway: a crashed gateway (no deregistration) turns
        // critical, so sidecars and the other datacenters stop sending to it.
        Check: {
          Name: 'mesh-gateway listening',
          TCP: `${lan.address.includes(':') ? `[${lan.address}]` : lan.address}:${lan.port}`,
          Interval: '10s',
          DeregisterCriticalServiceAfter: '6h',
          // Registered only once the listeners are bound: not critical for the first interval, as a new check is.
          Status: 'passing',
        },
      },
      this.abort.signal,
    );
    if (r.status !== 200) throw new Error(`registering ${reg.id} with Consul failed: HTTP ${r.status}`);
  }

  private async loop(c: ConsulConfig, w: Watch): Promise<void> {
    let index = '0';
    let backoff = 250;
    while (!this.abort.signal.aborted) {
      try {
        const r = await call(c, 'GET', `${w.path}&index=${index}&wait=5m`, undefined, this.abort.signal);
        if (r.status !== 200) throw new Error(`HTTP ${r.status} from ${w.path}`);
        const next = r.index ?? '0';
        // Index went backwards (agent restart): start over, as Consul's blocking-query docs advise.
        index = Number(next) < Number(index) ? '0' : next;
        const entries = JSON.parse(r.body) as HealthEntry[];
        if (w.servers) {
          if (w.servers.rpc) this.current.set(SERVERS_KEY, serversOf(entries));
          if (w.servers.peering) this.current.set(PEERING_SERVERS_KEY, peeringServersOf(entries));
        } else this.current.set(w.key, endpointsOf(entries, w.tagged));
        this.update(new Map(this.current));
        backoff = 250;
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.onError(`consul discovery ${w.key}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }
}
