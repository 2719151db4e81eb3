/** `meshcc apply <env>`: write the plan to the primary datacenter, safely (lock, CAS, order, prune guards). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DatacenterUnreachable, DriftLeftByPolicy, ReplicationPending } from '../../diagnostics/codes/reconcile.ts';
import { type Diagnostic, diag } from '../../diagnostics/diagnostic.ts';
import { renderText } from '../../diagnostics/render-text.ts';
import { stableJson } from '../../emit/artifact.ts';
import type { ConfigEntry } from '../../model/entries.ts';
import { type ApplyReport, applyPlan } from '../../reconcile/apply.ts';
import {
  clientFrom,
  connectionOptions,
  connectionUsage,
  consulErrorLine,
  type DesiredEntries,
  desiredEntries,
  primaryOf,
} from '../../reconcile/cli-context.ts';
import { ConsulHttpError, ConsulTransportError } from '../../reconcile/consul-client.ts';
import { acquireLock, LockHeldError } from '../../reconcile/lock.ts';
import {
  checkSafety,
  computePlan,
  fromSavedPlan,
  hasChanges,
  type Plan,
  type SafetyOptions,
  type SavedPlan,
} from '../../reconcile/plan.ts';
import { type HealPolicy, holdByPolicy } from '../../reconcile/policy.ts';
import { preflight } from '../../reconcile/preflight.ts';
import { renderPlanText } from '../../reconcile/render-plan.ts';
import { type CliIO, type Command, Exit, intOption, parseCommandArgs, UsageError } from '../command.ts';
import { peeredUsage, runPeered } from '../peered.ts';

const usage = `Usage: meshcc apply <env> [--plan FILE] [options] [connection options]

Writes the environment's config entries to the primary datacenter: dependency order (proxy-defaults,
service-defaults, resolvers, splitters/routers, intentions; deletes reversed and last), check-and-set on the planned
ModifyIndex, a per-environment lock in Consul. Then waits until every datacenter serves the new content.

Options:
  --plan FILE          apply a plan saved by 'meshcc plan --out'; refused per entry if live state moved
  --adopt              take over unmanaged live entries that equal the desired entry
  --allow-empty        allow deleting every managed entry of a kind
  --max-deletions N    cap on deletions per run (default 50)
  --concurrency N      concurrent writes (default 8)
  --wait SECONDS       bound on the post-apply replication wait (default 30; 0 skips it)
  --json               machine-readable report

${connectionUsage}

${peeredUsage}

Exit codes: 0 applied (or nothing to do), 1 error or partial failure.
`;

function renderReport(r: ApplyReport): string {
  const lines = r.results.map(
    (x) => `  ${x.status.padEnd(13)} ${x.type.padEnd(6)} ${x.key}${x.cause ? `: ${x.cause}` : ''}`,
  );
  for (const d of r.replication) {
    const detail =
      d.status === 'pending' ? `: ${d.pending.join(', ')}` : d.status === 'unreachable' ? `: ${d.error}` : '';
    lines.push(`  replication ${d.dc}: ${d.status === 'pending' ? 'pending (lag, not a failure)' : d.status}${detail}`);
  }
  const applied = r.results.filter((x) => x.status === 'applied').length;
  const failed = r.results.filter((x) => x.status === 'failed').length;
  const na = r.results.filter((x) => x.status === 'not-attempted').length;
  lines.push('', `Apply ${r.ok ? 'complete' : 'FAILED'}: ${applied} applied, ${failed} failed, ${na} not attempted.`);
  return `${lines.join('\n')}\n`;
}

/** Options `meshcc reconcile --heal` passes: a per-kind policy; changes of `warn` kinds are held back. */
export interface ApplyRunOptions {
  readonly policy?: HealPolicy;
  readonly command?: string;
  /** The environment, already compiled by the caller (`meshcc reconcile`); loaded from the argument otherwise. */
  readonly desired?: DesiredEntries;
}

/** What an apply run did: its exit code and how many planned changes a `warn` policy held back. */
export interface ApplyRunResult {
  readonly code: number;
  readonly held: number;
}

/** `meshcc apply`, also used by `meshcc reconcile --heal` (with a policy). */
export async function runApply(
  args: readonly string[],
  io: CliIO,
  opts: ApplyRunOptions = {},
): Promise<ApplyRunResult> {
  let held = 0;
  const code = await applyOnce(args, io, opts, (n) => {
    held = n;
  });
  return { code, held };
}

async function applyOnce(
  args: readonly string[],
  io: CliIO,
  opts: ApplyRunOptions,
  onHeld: (n: number) => void,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...connectionOptions,
    plan: { type: 'string' },
    adopt: { type: 'boolean' },
    'allow-empty': { type: 'boolean' },
    'max-deletions': { type: 'string' },
    concurrency: { type: 'string' },
    wait: { type: 'string' },
    json: { type: 'boolean' },
  });
  const safetyOpts = safetyOptions(values);
  const wait = intOption('--wait', values.wait) ?? 30;
  const concurrency = intOption('--concurrency', values.concurrency, 1) ?? 8;
  const client = clientFrom(values, io);
  let plan: Plan;
  let envName: string;
  let desiredList: readonly ConfigEntry[] = [];
  if (values.plan) {
    plan = fromSavedPlan(JSON.parse(readFileSync(resolve(io.cwd, values.plan), 'utf8')) as SavedPlan);
    envName = plan.environment;
  } else {
    if (positionals.length !== 1) throw new UsageError('expected exactly one environment (or --plan FILE)');
    const desired = opts.desired ?? (await desiredEntries(positionals[0] as string, io));
    if ('errors' in desired) return Exit.findings;
    envName = desired.name;
    desiredList = desired.entries;
    // the plan is computed under the lock below
    plan = { environment: envName, actions: [], unmanaged: [], diagnostics: [] };
  }
  try {
    const { primary, all } = await primaryOf(client, values.dc);
    let lock: Awaited<ReturnType<typeof acquireLock>>;
    try {
      lock = await acquireLock(client, envName);
    } catch (e) {
      if (e instanceof LockHeldError) {
        io.stderr(`meshcc ${opts.command ?? 'apply'}: error MC5008: ${e.message}\n`);
        return Exit.error;
      }
      throw e;
    }
    try {
      if (!values.plan) {
        plan = computePlan(envName, desiredList, await client.listAll(primary), { adopt: values.adopt ?? false });
      }
      if (opts.policy) {
        const h = holdByPolicy(plan, opts.policy);
        plan = h.plan;
        onHeld(h.held.length);
        const warnings: Diagnostic[] = h.held.map((x) =>
          diag(DriftLeftByPolicy, { path: x.key }, { key: x.key, drift: x.drift }),
        );
        if (warnings.length > 0) io.stderr(renderText(warnings, { cwd: io.cwd }));
      }
      const safety = checkSafety(plan, safetyOpts);
      const blocking = [...plan.diagnostics, ...safety].filter((d) => d.severity === 'error');
      if (blocking.length > 0) {
        io.stderr(renderText(blocking, { cwd: io.cwd }));
        io.stderr('meshcc apply: nothing written\n');
        return Exit.error;
      }
      if (!values.json) io.stdout(renderPlanText(plan));
      if (!hasChanges(plan)) return Exit.ok;
      const pre = await preflight(client, plan);
      if (pre.diagnostics.length > 0) {
        io.stderr(renderText(pre.diagnostics, { cwd: io.cwd }));
        io.stderr('meshcc apply: the token lacks permissions; nothing written\n');
        return Exit.error;
      }
      const report = await applyPlan(client, plan, {
        saved: Boolean(values.plan),
        concurrency,
        ...(wait > 0 ? { verifyDatacenters: all, convergenceTimeoutMs: wait * 1000 } : {}),
      });
      io.stdout(values.json ? stableJson(report) : renderReport(report));
      const lag = report.replication.flatMap((d) =>
        d.status === 'pending'
          ? [diag(ReplicationPending, { path: d.dc }, { dc: d.dc, keys: d.pending.join(', ') })]
          : d.status === 'unreachable'
            ? [diag(DatacenterUnreachable, { path: d.dc }, { dc: d.dc, error: d.error ?? 'unknown error' })]
            : [],
      );
      if (lag.length > 0) io.stderr(renderText(lag, { cwd: io.cwd }));
      return report.ok ? Exit.ok : Exit.error;
    } finally {
      await lock.release();
    }
  } catch (e) {
    if (e instanceof ConsulHttpError || e instanceof ConsulTransportError) {
      io.stderr(consulErrorLine(opts.command ?? 'apply', e));
      return Exit.error;
    }
    throw e;
  }
}

const apply: Command = {
  name: 'apply',
  summary: 'write the environment to Consul (locked, check-and-set, ordered)',
  usage,
  async run(args, io) {
    const peered = await runPeered('apply', args, io);
    if (peered !== undefined) return peered;
    return (await runApply(args, io)).code;
  },
};

export default apply;

/** The prune guards from `--allow-empty` and `--max-deletions` (plan and apply check the same). */
export function safetyOptions(values: { 'allow-empty'?: boolean; 'max-deletions'?: string }): SafetyOptions {
  const max = intOption('--max-deletions', values['max-deletions']);
  return { allowEmpty: values['allow-empty'] ?? false, ...(max !== undefined ? { maxDeletions: max } : {}) };
}
