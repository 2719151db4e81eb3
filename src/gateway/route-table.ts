/**
 * The gateway's routing decision: a pure function from an SNI host name to a route, mirroring Consul's mesh gateway
 * (`agent/xds/listeners.go` `makeMeshGatewayListener`, with the names of `agent/connect/sni.go`, `uri_server.go` and
 * `tlsutil.Configurator.ServerSNI`). Every match is ASCII case-insensitive; there is no default route.
 *
 * Exact names (one map):
 * - a local service's SNI (and, for services exported to peers, `<svc>.<ns>.<partition>.<peer>.external.<td>`, which
 *   the config lists as `local` routes too) → that service's endpoints;
 * - with WAN federation through mesh gateways (`servers`): `<node>.server.<dc>.<domain>` of each local server → that
 *   server's RPC port; `server.<dc>.<domain>` → any local server; `server.<remote-dc>.<domain>` → that datacenter's
 *   gateways;
 * - with peering through mesh gateways (`peering`): `server.<dc>.peering.<td>` → the local servers' gRPC TLS ports;
 * - `peers`: the exact names a peer serves (its services' `...external.<peer-td>` SNIs, its
 *   `server.<peer-dc>.peering.<peer-td>`) → that peer's gateways.
 *
 * One-label wildcard (WAN federation only): `<label>.server.<remote-dc>.<domain>` → that datacenter's gateways (Envoy's
 * `*.server.<dc>.<domain>` chain; node names are single labels). A local datacenter's unknown node has no route.
 *
 * DC forms: `<dc>.internal.<td>`, `<svc>.<ns>.<dc>.internal.<td>`, `<subset>.<svc>.<ns>.<dc>.internal.<td>` and the
 * partition forms `[<subset>.]<svc>.<ns>.<partition>.<dc>.internal-v1.<td>` of another known datacenter → that
 * datacenter's gateways. Label counts are checked exactly; the trust domain is an anchored suffix.
 */

/** A host and port to dial. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** A Consul server: its node name and one endpoint (server RPC port, or gRPC TLS port for peering). */
export interface ServerEndpoint extends Endpoint {
  readonly node: string;
}

export interface LocalRouteSpec {
  readonly sni: string;
  readonly service: string;
  readonly endpoints: readonly Endpoint[];
}

export interface RemoteRouteSpec {
  readonly datacenter: string;
  readonly gateways: readonly Endpoint[];
}

/** WAN federation through mesh gateways: Consul server traffic by SNI. */
export interface ServerRoutesSpec {
  /** Consul's DNS domain (agent `domain`, default `consul`): server names end in `.<dc>.<domain>`. */
  readonly domain: string;
  /** This datacenter's servers, at their server RPC port (8300). */
  readonly local: readonly ServerEndpoint[];
}

/** Peering control plane through mesh gateways (`PeerThroughMeshGateways`): this datacenter's servers. */
export interface PeeringRoutesSpec {
  /** The local servers that are raft voters, at their gRPC TLS port (8503). */
  readonly servers: readonly Endpoint[];
}

/** A peer reached through its mesh gateways: the exact SNIs it serves. */
export interface PeerRouteSpec {
  readonly peer: string;
  readonly snis: readonly string[];
  readonly gateways: readonly Endpoint[];
}

/** What the table is built from (the `routes` block of the gateway config, plus identity). */
export interface RouteTableSpec {
  readonly datacenter: string;
  readonly trustDomain: string;
  readonly local: readonly LocalRouteSpec[];
  readonly remote: readonly RemoteRouteSpec[];
  readonly servers?: ServerRoutesSpec;
  readonly peering?: PeeringRoutesSpec;
  readonly peers?: readonly PeerRouteSpec[];
}

/**
 * A routing decision. `key` names the route in logs and metrics: `local:<service>`, `remote:<dc>`,
 * `server:<dc>/<node>` (one local server), `server:<dc>` (any local server), `wan-server:<dc>` (another datacenter's
 * servers, through its gateways), `peering-server:<dc>` (local servers for peers), `peer:<peer>`.
 */
export type RouteKind = 'local' | 'remote' | 'server' | 'wan-server' | 'peering-server' | 'peer';

export interface Route {
  readonly kind: RouteKind;
  readonly key: string;
  readonly endpoints: readonly Endpoint[];
  /** `local` routes: the service. */
  readonly service?: string;
  /** `remote` and `wan-server` routes: the datacenter. */
  readonly datacenter?: string;
}

/** Override keys (`withEndpoints`) for the server lists discovery finds. */
export const SERVERS_KEY = 'servers';
export const PEERING_SERVERS_KEY = 'peering-servers';

/** The server names of Consul's `tlsutil.Configurator.ServerSNI`: `server.<dc>.<domain>`, `<node>.server...`. */
export function serverSni(dc: string, domain: string, node?: string): string {
  return node ? `${node}.server.${dc}.${domain}` : `server.${dc}.${domain}`;
}

/** `connect.PeeringServerSAN`: the name peers dial a datacenter's servers by. */
export function peeringServerSni(dc: string, trustDomain: string): string {
  return `server.${dc}.peering.${trustDomain}`;
}

/** Label counts allowed before `<dc>` for each internal form. */
const PREFIX_LABELS: Readonly<Record<string, readonly number[]>> = {
  internal: [0, 2, 3],
  'internal-v1': [3, 4],
};

/** An immutable, pre-indexed route table. */
export class RouteTable {
  readonly datacenter: string;
  readonly trustDomain: string;
  private readonly exact = new Map<string, Route>();
  private readonly remote = new Map<string, Route>();
  private readonly wildcard = new Map<string, Route>();
  private readonly all: Route[] = [];

  constructor(spec: RouteTableSpec) {
    this.datacenter = spec.datacenter.toLowerCase();
    this.trustDomain = spec.trustDomain.toLowerCase();
    const byKey = new Map<string, Route>();
    const route = (r: Route): Route => {
      const seen = byKey.get(r.key);
      if (seen) return seen;
      byKey.set(r.key, r);
      this.all.push(r);
      return r;
    };
    // First entry wins (the config check reports duplicates as errors).
    const name = (sni: string, r: Route) => {
      const n = sni.toLowerCase();
      if (!this.exact.has(n)) this.exact.set(n, r);
    };
    for (const l of spec.local) {
      name(l.sni, route({ kind: 'local', key: `local:${l.service}`, service: l.service, endpoints: l.endpoints }));
    }
    const remotes: Route[] = [];
    for (const r of spec.remote) {
      const dc = r.datacenter.toLowerCase();
      if (dc === this.datacenter) continue;
      const rt = route({ kind: 'remote', key: `remote:${dc}`, datacenter: dc, endpoints: r.gateways });
      this.remote.set(dc, rt);
      remotes.push(rt);
    }
    if (spec.servers) {
      const domain = spec.servers.domain.toLowerCase();
      const dc = this.datacenter;
      const servers = [...spec.servers.local].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
      for (const s of servers) {
        const node = s.node.toLowerCase();
        name(
          serverSni(dc, domain, node),
          route({ kind: 'server', key: `server:${dc}/${node}`, endpoints: [{ address: s.address, port: s.port }] }),
        );
      }
      name(
        serverSni(dc, domain),
        route({
          kind: 'server',
          key: `server:${dc}`,
          endpoints: servers.map((s) => ({ address: s.address, port: s.port })),
        }),
      );
      for (const r of remotes) {
        const remoteDc = r.datacenter as string;
        const rt = route({
          kind: 'wan-server',
          key: `wan-server:${remoteDc}`,
          datacenter: remoteDc,
          endpoints: r.endpoints,
        });
        name(serverSni(remoteDc, domain), rt);
        this.wildcard.set(serverSni(remoteDc, domain), rt);
      }
    }
    if (spec.peering) {
      name(
        peeringServerSni(this.datacenter, this.trustDomain),
        route({ kind: 'peering-server', key: `peering-server:${this.datacenter}`, endpoints: spec.peering.servers }),
      );
    }
    for (const p of spec.peers ?? []) {
      const rt = route({ kind: 'peer', key: `peer:${p.peer}`, endpoints: p.gateways });
      for (const sni of p.snis) name(sni, rt);
    }
  }

  /** Routes an SNI; `undefined` means close the connection. */
  lookup(sni: string): Route | undefined {
    const name = sni.toLowerCase();
    const exact = this.exact.get(name);
    if (exact) return exact;
    if (this.wildcard.size > 0) {
      // One label, then a remote datacenter's `server.<dc>.<domain>`.
      const dot = name.indexOf('.');
      if (dot > 0) {
        const w = this.wildcard.get(name.slice(dot + 1));
        if (w) return w;
      }
    }
    const suffix = `.${this.trustDomain}`;
    if (!name.endsWith(suffix)) return undefined;
    const labels = name.slice(0, name.length - suffix.length).split('.');
    if (labels.length < 2) return undefined;
    const marker = labels[labels.length - 1] as string;
    const allowed = PREFIX_LABELS[marker];
    if (!allowed) return undefined;
    const dc = labels[labels.length - 2] as string;
    if (!allowed.includes(labels.length - 2)) return undefined;
    if (labels.some((l) => l.length === 0)) return undefined;
    if (dc === this.datacenter) return undefined;
    return this.remote.get(dc);
  }

  /** All routes, sorted by key (for the admin `/routes` endpoint). */
  list(): Route[] {
    return [...this.all].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Exact names and their routes (the native data path mirrors `lookup` from these, `wildcardEntries`, `remoteEntries`). */
  localEntries(): [string, Route][] {
    return [...this.exact.entries()];
  }

  /** Remote routes by datacenter (lower case). */
  remoteEntries(): [string, Route][] {
    return [...this.remote.entries()];
  }

  /** One-label wildcard routes by the suffix after the first label (`server.<dc>.<domain>`). */
  wildcardEntries(): [string, Route][] {
    return [...this.wildcard.entries()];
  }

  /**
   * A copy with some endpoint lists replaced; used by live discovery. Keys are route keys (`local:<service>`,
   * `remote:<dc>`, which also moves `wan-server:<dc>`, `peer:<peer>`), and `servers` / `peering-servers` for the
   * local server lists (endpoints with `node`).
   */
  withEndpoints(spec: RouteTableSpec, overrides: ReadonlyMap<string, readonly Endpoint[]>): RouteTable {
    const servers = overrides.get(SERVERS_KEY) as readonly ServerEndpoint[] | undefined;
    const peeringServers = overrides.get(PEERING_SERVERS_KEY);
    return new RouteTable({
      ...spec,
      local: spec.local.map((l) => ({ ...l, endpoints: overrides.get(`local:${l.service}`) ?? l.endpoints })),
      remote: spec.remote.map((r) => ({
        ...r,
        gateways: overrides.get(`remote:${r.datacenter.toLowerCase()}`) ?? r.gateways,
      })),
      ...(spec.servers ? { servers: { ...spec.servers, local: servers ?? spec.servers.local } } : {}),
      ...(spec.peering ? { peering: { servers: peeringServers ?? spec.peering.servers } } : {}),
      ...(spec.peers
        ? { peers: spec.peers.map((p) => ({ ...p, gateways: overrides.get(`peer:${p.peer}`) ?? p.gateways })) }
        : {}),
    });
  }
}

/** Round-robin cursors per route key; survives table reloads so rotation continues. */
export class RoundRobin {
  private readonly next = new Map<string, number>();

  /** Endpoints in the order to try: starting at the cursor, wrapping around; advances the cursor by one. */
  order(route: Route): Endpoint[] {
    const eps = route.endpoints;
    if (eps.length === 0) return [];
    const start = (this.next.get(route.key) ?? 0) % eps.length;
    this.next.set(route.key, (start + 1) % eps.length);
    return [...eps.slice(start), ...eps.slice(0, start)];
  }
}
