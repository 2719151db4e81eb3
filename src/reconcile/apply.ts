/**
 * Apply: the only module that writes to Consul. Writes go to the primary datacenter in dependency order
 * (proxy-defaults, service-defaults → resolvers → splitters/routers → intentions; deletes reversed, prune last), each
 * with check-and-set on the planned ModifyIndex, a bounded number at a time. A dropped connection after a PUT is
 * decided by re-reading. On the first failure the remaining phases are not attempted; every entry is reported as
 * applied, failed or not attempted with its cause. After the writes, waits (bounded) until every datacenter serves
 * the new content and reports replication lag separately from failure.
 */
import { type ConsulClient, ConsulHttpError, ConsulTransportError, KINDS } from './consul-client.ts';
import { sameContent } from './normalize.ts';
import { ownerOf, type Plan, type PlanAction } from './plan.ts';

export type EntryStatus = 'applied' | 'failed' | 'not-attempted' | 'skipped';

export interface EntryResult {
  readonly key: string;
  readonly type: PlanAction['type'];
  readonly status: EntryStatus;
  readonly cause?: string;
}

export interface DcConvergence {
  readonly dc: string;
  readonly status: 'converged' | 'pending' | 'unreachable';
  /** Keys not yet served with the new content (pending) or the error (unreachable). */
  readonly pending: readonly string[];
  readonly error?: string;
}

export interface ApplyReport {
  readonly results: readonly EntryResult[];
  readonly replication: readonly DcConvergence[];
  readonly ok: boolean;
}

export interface ApplyOptions {
  /** Concurrent writes per phase (default 8). */
  readonly concurrency?: number;
  /** The plan came from a file: any CAS conflict refuses (live state moved since the plan). */
  readonly saved?: boolean;
  /** Datacenters to verify after the writes (default: none). */
  readonly verifyDatacenters?: readonly string[];
  /** Bound on the convergence wait (default 30 s). */
  readonly convergenceTimeoutMs?: number;
}

function phaseOf(a: PlanAction): number {
  const k = KINDS.indexOf(a.kind as (typeof KINDS)[number]);
  // splitters and routers share a phase
  const rank = a.kind === 'service-router' ? KINDS.indexOf('service-splitter') : k < 0 ? KINDS.length : k;
  return a.type === 'delete' ? 100 + (KINDS.length - rank) : rank;
}

/** Groups actions into sequential phases, each phase a set of independent writes. */
export function phases(actions: readonly PlanAction[]): PlanAction[][] {
  const byPhase = new Map<number, PlanAction[]>();
  for (const a of actions) {
    if (a.type === 'noop') continue;
    const p = phaseOf(a);
    byPhase.set(p, [...(byPhase.get(p) ?? []), a]);
  }
  return [...byPhase.entries()].sort((x, y) => x[0] - y[0]).map(([, v]) => v);
}

async function pool<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
}

function causeOf(e: unknown): string {
  if (e instanceof ConsulHttpError) {
    const base = `HTTP ${e.status}: ${e.body.trim().slice(0, 300)}`;
    if (!e.exhausted) return base;
    const budget = `gave up after ${e.exhausted.attempts} attempts, retry budget of ${e.exhausted.budgetMs / 1000}s (--timeout) exhausted`;
    return e.rateLimited ? `rate limited by Consul (MC5012): ${base}; ${budget}` : `${base}; ${budget}`;
  }
  return (e as Error)?.message ?? String(e);
}

/** Whether live state now shows the action as done (used after CAS failure and dropped connections). */
async function landed(
  client: ConsulClient,
  a: PlanAction,
  env: string,
): Promise<{ done: boolean; index?: number; owned: boolean }> {
  const live = await client.read(a.kind, a.name);
  if (a.type === 'delete')
    return { done: live === undefined, index: live?.ModifyIndex, owned: live ? ownerOf(live, env) === 'ours' : true };
  if (!live) return { done: false, owned: a.type === 'create', index: 0 };
  const ownedNow = ownerOf(live, env) === 'ours' || (a.type === 'adopt' && ownerOf(live, env) === 'unmanaged');
  return { done: a.desired ? sameContent(a.desired, live) : false, index: live.ModifyIndex, owned: ownedNow };
}

async function perform(client: ConsulClient, a: PlanAction, saved: boolean, env: string): Promise<EntryResult> {
  const base = { key: a.key, type: a.type };
  const cas = a.type === 'create' ? 0 : a.modifyIndex;
  let ok: boolean;
  try {
    ok = a.type === 'delete' ? await client.delete(a.kind, a.name, cas) : await client.write(a.desired as never, cas);
  } catch (e) {
    if (!(e instanceof ConsulTransportError)) return { ...base, status: 'failed', cause: causeOf(e) };
    // The connection dropped: the write may or may not have committed. Re-read decides.
    try {
      const r = await landed(client, a, env);
      if (r.done) return { ...base, status: 'applied' };
      return {
        ...base,
        status: 'failed',
        cause: `connection lost and the entry does not show the change: ${causeOf(e)}`,
      };
    } catch (e2) {
      return { ...base, status: 'failed', cause: causeOf(e2) };
    }
  }
  if (ok) return { ...base, status: 'applied' };
  // CAS failed: someone else wrote in between.
  const r = await landed(client, a, env);
  if (r.done) return { ...base, status: 'applied' };
  if (saved || !r.owned) {
    return {
      ...base,
      status: 'failed',
      cause: 'check-and-set failed: the entry changed in Consul since it was planned (MC5007)',
    };
  }
  // Fresh plan and still ours: retry once on the new index.
  const again =
    a.type === 'delete'
      ? await client.delete(a.kind, a.name, r.index)
      : await client.write(a.desired as never, r.index ?? 0);
  if (again) return { ...base, status: 'applied' };
  return {
    ...base,
    status: 'failed',
    cause: 'check-and-set failed twice: a concurrent writer keeps changing the entry (MC5007)',
  };
}

/** Applies a plan to the primary. Never throws for Consul errors: they are in the report. */
export async function applyPlan(client: ConsulClient, plan: Plan, opts: ApplyOptions = {}): Promise<ApplyReport> {
  const results = new Map<string, EntryResult>();
  let failed = false;
  for (const phase of phases(plan.actions)) {
    if (failed) {
      for (const a of phase)
        results.set(a.key, { key: a.key, type: a.type, status: 'not-attempted', cause: 'an earlier write failed' });
      continue;
    }
    await pool(phase, opts.concurrency ?? 8, async (a) => {
      const r = await perform(client, a, opts.saved ?? false, plan.environment);
      results.set(a.key, r);
    });
    if (phase.some((a) => results.get(a.key)?.status === 'failed')) failed = true;
  }
  const ordered = plan.actions.filter((a) => a.type !== 'noop').map((a) => results.get(a.key) as EntryResult);
  const replication =
    opts.verifyDatacenters && ordered.some((r) => r.status === 'applied')
      ? await waitConverged(client.withBudget(2_000), plan, opts.verifyDatacenters, opts.convergenceTimeoutMs ?? 30_000)
      : [];
  return { results: ordered, replication, ok: !failed };
}

/** Checks once whether a datacenter serves the plan's content: returns the keys still pending. */
export async function pendingIn(client: ConsulClient, plan: Plan, dc: string): Promise<string[]> {
  const live = new Map((await client.listAll(dc)).map((e) => [`${e.Kind}/${e.Name}`, e]));
  const pending: string[] = [];
  for (const a of plan.actions) {
    if (a.type === 'noop') continue;
    const l = live.get(a.key);
    if (a.type === 'delete' ? l !== undefined : !l || !a.desired || !sameContent(a.desired, l)) pending.push(a.key);
  }
  return pending;
}

/** Polls each datacenter until it serves the new content or the bound expires. */
export async function waitConverged(
  client: ConsulClient,
  plan: Plan,
  dcs: readonly string[],
  timeoutMs: number,
): Promise<DcConvergence[]> {
  return Promise.all(
    dcs.map(async (dc): Promise<DcConvergence> => {
      const deadline = Date.now() + timeoutMs;
      let pending: string[] = [];
      for (;;) {
        try {
          pending = await pendingIn(client, plan, dc);
        } catch (e) {
          return { dc, status: 'unreachable', pending: [], error: causeOf(e) };
        }
        if (pending.length === 0) return { dc, status: 'converged', pending };
        if (Date.now() > deadline) return { dc, status: 'pending', pending };
        await new Promise((r) => setTimeout(r, 250));
      }
    }),
  );
}
