/**
 * The plan: a pure diff of desired entries (from `compile()`) against live entries (from Consul). Nothing here talks
 * to Consul. Ownership decides what may change: only entries whose `Meta` says `managed-by: meshcc` for this
 * environment are updated or deleted; other live entries are listed as unmanaged and never touched.
 */
import {
  ForeignEntryConflict,
  RefuseEmptyKind,
  TooManyDeletions,
  UnmanagedEntry,
} from '../diagnostics/codes/reconcile.ts';
import { type Diagnostic, diag } from '../diagnostics/diagnostic.ts';
import { type ConfigEntry, entryKey } from '../model/entries.ts';
import { ENVIRONMENT_KEY, MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../model/types.ts';
import { KINDS, type LiveEntry } from './consul-client.ts';
import { type FieldChange, fieldChanges, sameContent } from './normalize.ts';

export type ActionType = 'create' | 'update' | 'delete' | 'adopt' | 'noop';

export interface PlanAction {
  readonly type: ActionType;
  /** `kind/name`. */
  readonly key: string;
  readonly kind: string;
  readonly name: string;
  /** The entry to write (create, update, adopt). */
  readonly desired?: ConfigEntry;
  /** The live entry's ModifyIndex when planned (CAS index); absent for create (CAS 0). */
  readonly modifyIndex?: number;
  readonly changes: readonly FieldChange[];
}

export interface Plan {
  readonly environment: string;
  /** Changes in apply order: upserts by kind dependency order, then deletes in reverse kind order. */
  readonly actions: readonly PlanAction[];
  /** Live entries not managed by this environment (never touched), sorted. */
  readonly unmanaged: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface PlanOptions {
  /** Take over unmanaged live entries that equal the desired entry. */
  readonly adopt?: boolean;
}

/** Who owns a live entry: `ours`, `other-env:<name>` or `unmanaged`. */
export function ownerOf(entry: { readonly Meta?: Readonly<Record<string, string>> }, environment: string): string {
  const meta = entry.Meta ?? {};
  if (meta[MANAGED_BY_KEY] !== MANAGED_BY_VALUE) return 'unmanaged';
  return meta[ENVIRONMENT_KEY] === environment ? 'ours' : `other-env:${meta[ENVIRONMENT_KEY] ?? '?'}`;
}

function ownerText(owner: string): string {
  return owner === 'unmanaged'
    ? 'not managed by meshcc'
    : `managed by meshcc environment ${owner.slice('other-env:'.length)}`;
}

function withoutOwnership(e: object): object {
  const { Meta, ...rest } = e as { Meta?: Record<string, string> };
  const m = { ...(Meta ?? {}) };
  delete m[MANAGED_BY_KEY];
  delete m[ENVIRONMENT_KEY];
  return { ...rest, Meta: m };
}

function kindRank(kind: string): number {
  const i = KINDS.indexOf(kind as (typeof KINDS)[number]);
  return i < 0 ? KINDS.length : i;
}

/** Sorts actions into apply order: upserts by kind order then name; deletes last, in reverse kind order. */
export function applyOrder(actions: readonly PlanAction[]): PlanAction[] {
  const rank = (a: PlanAction) => (a.type === 'delete' ? 100 + (KINDS.length - kindRank(a.kind)) : kindRank(a.kind));
  return [...actions].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Computes the plan. Pure. */
export function computePlan(
  environment: string,
  desired: readonly ConfigEntry[],
  live: readonly LiveEntry[],
  opts: PlanOptions = {},
): Plan {
  const diagnostics: Diagnostic[] = [];
  const liveByKey = new Map(live.map((e) => [entryKey(e), e]));
  const desiredKeys = new Set(desired.map((e) => entryKey(e)));
  const actions: PlanAction[] = [];
  for (const d of desired) {
    const key = entryKey(d);
    const l = liveByKey.get(key);
    const base = { key, kind: d.Kind, name: d.Name };
    if (!l) {
      actions.push({ ...base, type: 'create', desired: d, changes: fieldChanges(undefined, d) });
      continue;
    }
    const owner = ownerOf(l, environment);
    const mi = l.ModifyIndex !== undefined ? { modifyIndex: l.ModifyIndex } : {};
    if (owner === 'ours') {
      if (sameContent(d, l)) actions.push({ ...base, type: 'noop', ...mi, changes: [] });
      else actions.push({ ...base, type: 'update', desired: d, ...mi, changes: fieldChanges(l, d) });
      continue;
    }
    if (opts.adopt && owner === 'unmanaged' && sameContent(withoutOwnership(d), withoutOwnership(l))) {
      actions.push({ ...base, type: 'adopt', desired: d, ...mi, changes: fieldChanges(l, d) });
      continue;
    }
    diagnostics.push(diag(ForeignEntryConflict, { path: key }, { key, owner: ownerText(owner) }));
  }
  const unmanaged: string[] = [];
  const owners = new Map<string, string>();
  for (const l of live) {
    const key = entryKey(l);
    if (desiredKeys.has(key)) continue;
    if (ownerOf(l, environment) === 'ours') {
      actions.push({
        type: 'delete',
        key,
        kind: l.Kind,
        name: l.Name,
        ...(l.ModifyIndex !== undefined ? { modifyIndex: l.ModifyIndex } : {}),
        changes: fieldChanges(l, undefined),
      });
    } else {
      unmanaged.push(key);
      owners.set(key, ownerText(ownerOf(l, environment)));
    }
  }
  unmanaged.sort();
  for (const key of unmanaged)
    diagnostics.push(diag(UnmanagedEntry, { path: key }, { key, owner: owners.get(key) ?? '' }));
  return { environment, actions: applyOrder(actions), unmanaged, diagnostics };
}

/** Counts of a plan's changes. */
export function planCounts(plan: Plan): { create: number; update: number; delete: number } {
  let create = 0;
  let update = 0;
  let del = 0;
  for (const a of plan.actions) {
    if (a.type === 'create') create++;
    else if (a.type === 'update' || a.type === 'adopt') update++;
    else if (a.type === 'delete') del++;
  }
  return { create, update, delete: del };
}

/** True when the plan would change Consul. */
export function hasChanges(plan: Plan): boolean {
  return plan.actions.some((a) => a.type !== 'noop');
}

export interface SafetyOptions {
  /** Allow a plan that deletes every managed entry of a kind. */
  readonly allowEmpty?: boolean;
  /** Maximum deletions per run (default 50). */
  readonly maxDeletions?: number;
}

/** Prune guards: refuses emptying a kind (unless allowEmpty) and caps deletions per run. */
export function checkSafety(plan: Plan, opts: SafetyOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const deletes = plan.actions.filter((a) => a.type === 'delete');
  const max = opts.maxDeletions ?? 50;
  if (deletes.length > max)
    out.push(diag(TooManyDeletions, { path: plan.environment }, { count: deletes.length, max }));
  if (!opts.allowEmpty) {
    for (const kind of KINDS) {
      const del = deletes.filter((a) => a.kind === kind).length;
      const kept = plan.actions.filter((a) => a.kind === kind && a.type !== 'delete').length;
      if (del > 0 && kept === 0) out.push(diag(RefuseEmptyKind, { path: plan.environment }, { kind, count: del }));
    }
  }
  return out;
}

/** A saved plan (`--out FILE`): the plan plus where it was computed. Deterministic with `stableJson`. */
export interface SavedPlan {
  readonly format: 'meshcc-plan/1';
  readonly consul: string;
  readonly environment: string;
  readonly actions: readonly PlanAction[];
}

export function toSavedPlan(plan: Plan, consul: string): SavedPlan {
  return {
    format: 'meshcc-plan/1',
    consul,
    environment: plan.environment,
    actions: plan.actions.filter((a) => a.type !== 'noop'),
  };
}

export function fromSavedPlan(saved: SavedPlan): Plan {
  if (saved.format !== 'meshcc-plan/1') throw new Error(`not a meshcc plan file (format ${String(saved.format)})`);
  return { environment: saved.environment, actions: saved.actions, unmanaged: [], diagnostics: [] };
}
