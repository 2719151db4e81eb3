/**
 * The gateway's routing decision: a pure function from an SNI host name to a route, mirroring Consul's mesh gateway.
 *
 * - An SNI equal (ASCII case-insensitively) to a local service's SNI routes to that service's endpoints.
 * - `<dc>.internal.<td>`, `<svc>.<ns>.<dc>.internal.<td>`, `<subset>.<svc>.<ns>.<dc>.internal.<td>` and the
 *   partition forms `[<subset>.]<svc>.<ns>.<partition>.<dc>.internal-v1.<td>` of another known datacenter route to that
 *   datacenter's gateways. Label counts are checked exactly; the trust domain is an anchored suffix.
 * - Anything else has no route and the connection is closed: there is no default route.
 */

/** A host and port to dial. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
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

/** What the table is built from (the `routes` block of the gateway config, plus identity). */
export interface RouteTableSpec {
  readonly datacenter: string;
  readonly trustDomain: string;
  readonly local: readonly LocalRouteSpec[];
  readonly remote: readonly RemoteRouteSpec[];
}

/** A routing decision. `key` names the route in logs and metrics (`local:<service>` / `remote:<dc>`). */
export type Route =
  | { readonly kind: 'local'; readonly key: string; readonly service: string; readonly endpoints: readonly Endpoint[] }
  | {
      readonly kind: 'remote';
      readonly key: string;
      readonly datacenter: string;
      readonly endpoints: readonly Endpoint[];
    };

/** Label counts allowed before `<dc>` for each internal form. */
const PREFIX_LABELS: Readonly<Record<string, readonly number[]>> = {
  internal: [0, 2, 3],
  'internal-v1': [3, 4],
};

/** An immutable, pre-indexed route table. */
export class RouteTable {
  readonly datacenter: string;
  readonly trustDomain: string;
  private readonly local = new Map<string, Route>();
  private readonly remote = new Map<string, Route>();

  constructor(spec: RouteTableSpec) {
    this.datacenter = spec.datacenter.toLowerCase();
    this.trustDomain = spec.trustDomain.toLowerCase();
    for (const l of spec.local) {
      this.local.set(l.sni.toLowerCase(), {
        kind: 'local',
        key: `local:${l.service}`,
        service: l.service,
        endpoints: l.endpoints,
      });
    }
    for (const r of spec.remote) {
      const dc = r.datacenter.toLowerCase();
      if (dc === this.datacenter) continue;
      this.remote.set(dc, { kind: 'remote', key: `remote:${dc}`, datacenter: dc, endpoints: r.gateways });
    }
  }

  /** Routes an SNI; `undefined` means close the connection. */
  lookup(sni: string): Route | undefined {
    const name = sni.toLowerCase();
    const local = this.local.get(name);
    if (local) return local;
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
    return [...this.local.values(), ...this.remote.values()].sort((a, b) =>
      a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
    );
  }

  /** Local routes by SNI (for discovery to update endpoints). */
  localEntries(): [string, Route][] {
    return [...this.local.entries()];
  }

  /** Remote routes by datacenter (lower case; the native data path mirrors `lookup` from these). */
  remoteEntries(): [string, Route][] {
    return [...this.remote.entries()];
  }

  /** A copy with some endpoint lists replaced (keys are route keys); used by live discovery. */
  withEndpoints(spec: RouteTableSpec, overrides: ReadonlyMap<string, readonly Endpoint[]>): RouteTable {
    return new RouteTable({
      ...spec,
      local: spec.local.map((l) => ({ ...l, endpoints: overrides.get(`local:${l.service}`) ?? l.endpoints })),
      remote: spec.remote.map((r) => ({
        ...r,
        gateways: overrides.get(`remote:${r.datacenter.toLowerCase()}`) ?? r.gateways,
      })),
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
