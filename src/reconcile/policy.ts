/**
 * Per-kind reconcile policy for `meshcc reconcile --heal`: `heal` (apply reverts the drift) or `warn` (the drift is
 * reported, MC5013, and left as it is). Parsed from `--policy KIND=heal|warn[,KIND=...]` (repeatable; `*` sets the
 * default, which is `heal`). Pure.
 */
import { KINDS } from './consul-client.ts';
import type { Plan, PlanAction } from './plan.ts';

export type PolicyAction = 'heal' | 'warn';

export interface HealPolicy {
  /** The action for kinds not listed. */
  readonly fallback: PolicyAction;
  readonly byKind: Readonly<Record<string, PolicyAction>>;
}

export const DEFAULT_POLICY: HealPolicy = { fallback: 'heal', byKind: {} };

/** The policy for one kind. */
export function policyFor(policy: HealPolicy, kind: string): PolicyAction {
  return policy.byKind[kind] ?? policy.fallback;
}

/** Parses `--policy` values; throws an Error naming the bad part. */
export function parsePolicy(values: readonly string[]): HealPolicy {
  let fallback: PolicyAction = 'heal';
  const byKind: Record<string, PolicyAction> = {};
  for (const part of values
    .flatMap((v) => v.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const m = /^([a-z*-]+)=(heal|warn)$/.exec(part);
    if (!m) throw new Error(`--policy expects KIND=heal|warn (KIND one of ${KINDS.join(', ')} or *), got '${part}'`);
    const [, kind, action] = m as unknown as [string, string, PolicyAction];
    if (kind === '*') fallback = action;
    else if ((KINDS as readonly string[]).includes(kind)) byKind[kind] = action;
    else throw new Error(`--policy: unknown kind '${kind}' (one of ${KINDS.join(', ')} or *)`);
  }
  return { fallback, byKind };
}

/** The drift a held plan action stands for. */
function driftOf(a: PlanAction): string {
  if (a.type === 'create') return 'deleted out of band';
  if (a.type === 'delete') return 'owned but no longer desired';
  return `changed out of band (${a.changes.map((c) => c.path).join(', ') || 'content'})`;
}

/**
 * Holds back the changes of `warn` kinds: they become no-ops (nothing is written for them) and are returned so the
 * caller reports them. Conflicts with unmanaged entries (MC5004) of `warn` kinds stop blocking the apply; they are
 * reported as held too.
 */
export function holdByPolicy(
  plan: Plan,
  policy: HealPolicy,
): { plan: Plan; held: { key: string; kind: string; drift: string }[] } {
  const held: { key: string; kind: string; drift: string }[] = [];
  const actions = plan.actions.map((a): PlanAction => {
    if (a.type === 'noop' || policyFor(policy, a.kind) === 'heal') return a;
    held.push({ key: a.key, kind: a.kind, drift: driftOf(a) });
    return { ...a, type: 'noop', changes: [] };
  });
  const diagnostics = plan.diagnostics.filter((d) => {
    const key = String(d.path);
    const kind = key.split('/')[0] ?? '';
    if (d.code !== 'MC5004' || policyFor(policy, kind) === 'heal') return true;
    held.push({ key, kind, drift: 'taken over out of band (no longer owned by meshcc)' });
    return false;
  });
  return { plan: { ...plan, actions, diagnostics }, held };
}
