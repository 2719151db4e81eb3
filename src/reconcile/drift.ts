/**
 * Drift: what changed in Consul out of band. Compares the primary with the desired entries (owned entries changed or
 * deleted, unmanaged entries present) and each secondary with the primary (content, never indexes: replicated entries
 * carry the secondary's own raft indexes). A secondary that cannot be read is `dc-unreachable`, never drifted.
 */
import { type ConfigEntry, entryKey } from '../model/entries.ts';
import type { ConsulClient, LiveEntry } from './consul-client.ts';
import { sameContent } from './normalize.ts';
import { computePlan, ownerOf } from './plan.ts';

export type DriftKind = 'changed' | 'deleted' | 'unmanaged' | 'replication-pending' | 'dc-unreachable';

export interface DriftItem {
  readonly kind: DriftKind;
  /** `kind/name`, or the datacenter for `dc-unreachable`. */
  readonly key: string;
  readonly dc: string;
  readonly detail?: string;
  /**
   * For `unmanaged`: whether the entry touches this environment (its name is one of the environment's entry names, or
   * it is a mesh-wide singleton such as proxy-defaults/global). Only those count as drift; others are listed.
   */
  readonly affects?: boolean;
}

export interface DriftReport {
  readonly environment: string;
  readonly items: readonly DriftItem[];
  /** True when an item means Consul differs from the environment (changed, deleted, unmanaged). */
  readonly drifted: boolean;
}

/** Drift kinds that count as drift (exit 2; `unmanaged` only when it affects the environment). */
export const DRIFT_KINDS: ReadonlySet<DriftKind> = new Set(['changed', 'deleted', 'unmanaged']);

/** Pure part: classifies the primary's live entries against the desired ones. */
export function classifyPrimary(
  environment: string,
  desired: readonly ConfigEntry[],
  live: readonly LiveEntry[],
  dc: string,
): DriftItem[] {
  const plan = computePlan(environment, desired, live);
  const items: DriftItem[] = [];
  for (const a of plan.actions) {
    if (a.type === 'update')
      items.push({ kind: 'changed', key: a.key, dc, detail: a.changes.map((c) => c.path).join(', ') });
    if (a.type === 'create') items.push({ kind: 'deleted', key: a.key, dc });
  }
  const names = new Set(desired.map((e) => e.Name));
  for (const key of plan.unmanaged) {
    const l = live.find((e) => entryKey(e) === key);
    // entries of other meshcc environments are theirs, not drift here
    if (l && ownerOf(l, environment) === 'unmanaged') {
      items.push({ kind: 'unmanaged', key, dc, affects: names.has(l.Name) || l.Kind === 'proxy-defaults' });
    }
  }
  for (const d of plan.diagnostics)
    if (d.code === 'MC5004') items.push({ kind: 'changed', key: String(d.path), dc, detail: d.message });
  return items;
}

/** Pure part: keys whose content in a secondary differs from the primary (replication pending). */
export function classifySecondary(
  primary: readonly LiveEntry[],
  secondary: readonly LiveEntry[],
  dc: string,
): DriftItem[] {
  const sec = new Map(secondary.map((e) => [entryKey(e), e]));
  const pri = new Set(primary.map((e) => entryKey(e)));
  const items: DriftItem[] = [];
  for (const p of primary) {
    const s = sec.get(entryKey(p));
    if (!s || !sameContent(p, s)) items.push({ kind: 'replication-pending', key: entryKey(p), dc });
  }
  for (const s of secondary)
    if (!pri.has(entryKey(s))) items.push({ kind: 'replication-pending', key: entryKey(s), dc });
  return items;
}

/** Reads the primary and every other datacenter and reports drift. */
export async function detectDrift(
  client: ConsulClient,
  environment: string,
  desired: readonly ConfigEntry[],
  opts: { primary: string | undefined; datacenters: readonly string[] },
): Promise<DriftReport> {
  const primaryLive = await client.listAll(opts.primary);
  const items = classifyPrimary(environment, desired, primaryLive, opts.primary ?? 'local');
  const quick = client.withBudget(2_000);
  for (const dc of opts.datacenters) {
    if (dc === opts.primary) continue;
    try {
      items.push(...classifySecondary(primaryLive, await quick.listAll(dc), dc));
    } catch (e) {
      items.push({ kind: 'dc-unreachable', key: dc, dc, detail: (e as Error).message });
    }
  }
  items.sort((a, b) => (a.dc + a.kind + a.key < b.dc + b.kind + b.key ? -1 : 1));
  return { environment, items, drifted: isDrifted(items) };
}

/** True when an item means Consul differs from the environment. */
export function isDrifted(items: readonly DriftItem[]): boolean {
  return items.some((i) => DRIFT_KINDS.has(i.kind) && (i.kind !== 'unmanaged' || i.affects === true));
}
