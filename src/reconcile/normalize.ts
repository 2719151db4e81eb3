/**
 * Normalisation: turns a desired or live config entry into the canonical form plan and drift compare, so that
 * server-populated fields and Consul's default-valued fields never show up as false drift.
 *
 * Verified against Consul v1.22.7 by writing every example environment's entries and reading them back
 * (test/consul/reconcile.test.ts): Consul adds `CreateIndex`, `ModifyIndex`, `Hash`, empty `TransparentProxy`,
 * `Expose`, `AccessLogs`, `Config: null`, `Protocol: ""`, and per intention source `Precedence` and `Type: "consul"`.
 */
import { parseGoDuration } from '../compiler/duration.ts';
import { sortKeys } from '../emit/artifact.ts';
import { entryKey } from '../model/entries.ts';

/** Top-level fields the server owns. */
/** (`Status`: the conditions Consul writes on API gateways, routes and certificates.) */
const SERVER_FIELDS = new Set(['CreateIndex', 'ModifyIndex', 'Hash', 'CreateTime', 'UpdateTime', 'Status']);
/** Fields of an intention source the server computes or keeps for legacy intentions. */
const SOURCE_SERVER_FIELDS = new Set(['Precedence', 'LegacyID', 'LegacyMeta', 'LegacyCreateTime', 'LegacyUpdateTime']);
/** Opaque maps whose zero values are user data (not Go zero values) and are kept verbatim. */
const OPAQUE_FIELDS = new Set(['Config', 'Meta']);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

/**
 * Go durations in `*Timeout`/`*Interval`/`*TTL`/`*Duration`/`*EjectionTime` fields compare by value (`60s` equals
 * `1m0s`); Consul returns some `time.Duration` fields as nanosecond numbers (`PassiveHealthCheck.Interval`,
 * `CacheDuration`), which compare equal to the text meshcc wrote.
 */
function normalizeDuration(key: string, v: unknown): unknown {
  if (!/(Timeout|Interval|TTL|Duration|EjectionTime)$/.test(key)) return v;
  if (typeof v === 'number' && Number.isInteger(v)) return `${v}ns`;
  if (typeof v !== 'string') return v;
  const ns = parseGoDuration(v);
  return ns === undefined ? v : `${ns}ns`;
}

function clean(value: unknown, key = '', durations = true): unknown {
  if (Array.isArray(value)) return value.map((v) => clean(v, '', durations));
  if (value !== null && typeof value === 'object') {
    if (OPAQUE_FIELDS.has(key)) return sortKeys(value);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const raw = (value as Record<string, unknown>)[k];
      const v = clean(durations ? normalizeDuration(k, raw) : raw, k, durations);
      if (!isZero(v) || (OPAQUE_FIELDS.has(k) && v !== null && v !== undefined && Object.keys(v as object).length > 0))
        out[k] = v;
    }
    return out;
  }
  return value;
}

/**
 * The canonical form of an entry: server fields and zero values dropped, keys sorted, durations by value
 * (`durations: false` keeps duration strings as written, for import).
 */
export function normalizeEntry(entry: object, opts: { durations?: boolean } = {}): Record<string, Json> {
  const e: Record<string, unknown> = { ...(entry as Record<string, unknown>) };
  for (const f of SERVER_FIELDS) delete e[f];
  for (const f of ['Partition', 'Namespace']) if (e[f] === 'default' || e[f] === '') delete e[f];
  if (e.Kind === 'service-intentions' && Array.isArray(e.Sources)) {
    e.Sources = (e.Sources as Record<string, unknown>[]).map((s) => {
      const c = { ...s };
      for (const f of SOURCE_SERVER_FIELDS) delete c[f];
      if (c.Type === 'consul') delete c.Type;
      for (const f of ['Partition', 'Namespace']) if (c[f] === 'default' || c[f] === '') delete c[f];
      return c;
    });
  }
  return clean(e, '', opts.durations ?? true) as Record<string, Json>;
}

/** Deep equality of two normalised values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether two entries are equal after normalisation. */
export function sameContent(a: object, b: object): boolean {
  return deepEqual(normalizeEntry(a), normalizeEntry(b));
}

/** One field that differs, as a dotted path (`Failover.*.Datacenters`). */
export interface FieldChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

function flatten(v: unknown, prefix: string, out: Map<string, unknown>): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
    for (const [k, c] of Object.entries(v)) flatten(c, prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  out.set(prefix, v);
}

/** Field-level differences between two normalised entries, sorted by path. Arrays compare as whole values. */
export function fieldChanges(before: object | undefined, after: object | undefined): FieldChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  if (before) flatten(normalizeEntry(before), '', a);
  if (after) flatten(normalizeEntry(after), '', b);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: FieldChange[] = [];
  for (const p of paths) {
    if (p === 'Kind' || p === 'Name') continue;
    const x = a.get(p);
    const y = b.get(p);
    if (deepEqual(x, y)) continue;
    out.push({ path: p, ...(a.has(p) ? { before: x } : {}), ...(b.has(p) ? { after: y } : {}) });
  }
  return out;
}

export { entryKey };
