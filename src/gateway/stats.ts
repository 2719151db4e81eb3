/**
 * Counters of one gateway process, rendered as JSON (`/stats`) and Prometheus text (`/metrics`). Label values are
 * route keys and close reasons, both from closed sets (config and code), never raw client input.
 */

/** Counters kept elsewhere (the native accept thread), read on demand. */
export interface ExternalCounts {
  readonly accepted: number;
  readonly connectFailures: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly routes: ReadonlyMap<string, number>;
  readonly reasons: ReadonlyMap<string, number>;
}

function merged(
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number> | undefined,
): ReadonlyMap<string, number> {
  if (!b || b.size === 0) return a;
  const m = new Map(a);
  for (const [k, v] of b) m.set(k, (m.get(k) ?? 0) + v);
  return m;
}

/** Counters; plain numbers, bumped on the connection path (plus, on the native accept path, the thread's own). */
export class Stats {
  private acceptedHere = 0;
  private failuresHere = 0;
  private bytesInHere = 0;
  private bytesOutHere = 0;
  private readonly routesHere = new Map<string, number>();
  private readonly reasonsHere = new Map<string, number>();
  /** Native accept: the addon counts per connection; this reads its counters (added to the ones kept here). */
  external?: () => ExternalCounts;
  reloads = 0;

  get accepted(): number {
    return this.acceptedHere + (this.external?.().accepted ?? 0);
  }
  get connectFailures(): number {
    return this.failuresHere + (this.external?.().connectFailures ?? 0);
  }
  get bytesIn(): number {
    return this.bytesInHere + (this.external?.().bytesIn ?? 0);
  }
  get bytesOut(): number {
    return this.bytesOutHere + (this.external?.().bytesOut ?? 0);
  }
  /** Connections routed, by route key. */
  get routes(): ReadonlyMap<string, number> {
    return merged(this.routesHere, this.external?.().routes);
  }
  /** Connections closed, by reason. */
  get reasons(): ReadonlyMap<string, number> {
    return merged(this.reasonsHere, this.external?.().reasons);
  }

  /** One connection accepted here. */
  countAccepted(): void {
    this.acceptedHere++;
  }

  /** One failed upstream connection attempt (or host-name lookup) here. */
  countConnectFailure(): void {
    this.failuresHere++;
  }

  routed(key: string): void {
    this.routesHere.set(key, (this.routesHere.get(key) ?? 0) + 1);
  }

  closed(reason: string, bytesIn: number, bytesOut: number): void {
    this.reasonsHere.set(reason, (this.reasonsHere.get(reason) ?? 0) + 1);
    this.bytesInHere += bytesIn;
    this.bytesOutHere += bytesOut;
  }
}

/** Gauges sampled when a snapshot is taken. */
export interface Gauges {
  readonly active: number;
  readonly pending: number;
  readonly ready: boolean;
}

function sorted(m: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k) as number;
  return out;
}

/** The `/stats` document. */
export function statsJson(s: Stats, g: Gauges): Record<string, unknown> {
  return {
    accepted: s.accepted,
    active: g.active,
    pending: g.pending,
    ready: g.ready,
    reloads: s.reloads,
    connectFailures: s.connectFailures,
    bytesIn: s.bytesIn,
    bytesOut: s.bytesOut,
    routed: sorted(s.routes),
    closed: sorted(s.reasons),
  };
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The `/metrics` document (Prometheus text exposition format 0.0.4). */
export function statsPrometheus(s: Stats, g: Gauges): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
  };
  metric('meshcc_gateway_connections_accepted_total', 'counter', 'TCP connections accepted.', [['', s.accepted]]);
  metric('meshcc_gateway_connections_active', 'gauge', 'Open connections (pending and relaying).', [['', g.active]]);
  metric('meshcc_gateway_handshakes_pending', 'gauge', 'Connections waiting for a ClientHello.', [['', g.pending]]);
  metric('meshcc_gateway_ready', 'gauge', '1 when listening and not draining.', [['', g.ready ? 1 : 0]]);
  metric('meshcc_gateway_reloads_total', 'counter', 'Config reloads applied.', [['', s.reloads]]);
  metric('meshcc_gateway_upstream_connect_failures_total', 'counter', 'Failed upstream connection attempts.', [
    ['', s.connectFailures],
  ]);
  metric('meshcc_gateway_bytes_received_total', 'counter', 'Bytes received from clients (closed connections).', [
    ['', s.bytesIn],
  ]);
  metric('meshcc_gateway_bytes_sent_total', 'counter', 'Bytes sent to clients (closed connections).', [
    ['', s.bytesOut],
  ]);
  metric(
    'meshcc_gateway_routed_total',
    'counter',
    'Connections routed, by route.',
    Object.entries(sorted(s.routes)).map(([k, v]) => [`{route="${esc(k)}"}`, v]),
  );
  metric(
    'meshcc_gateway_closed_total',
    'counter',
    'Connections closed, by reason.',
    Object.entries(sorted(s.reasons)).map(([k, v]) => [`{reason="${esc(k)}"}`, v]),
  );
  return `${lines.join('\n')}\n`;
}
