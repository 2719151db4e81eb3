/** `meshcc reconcile <env> [--heal] [--policy KIND=heal|warn]`: drift check, and with --heal an apply that reverts it. */

import { connectionUsage } from '../../reconcile/cli-context.ts';
import { DEFAULT_POLICY, type HealPolicy, parsePolicy } from '../../reconcile/policy.ts';
import { type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';
import { runApply } from './apply.ts';
import drift from './drift.ts';

const usage = `Usage: meshcc reconcile <env> [--heal] [--policy KIND=heal|warn] [apply options] [connection options]

Runs 'meshcc drift <env>'. Without --heal it only reports (exit 2 on drift). With --heal it then runs
'meshcc apply <env>' to bring owned entries back to the environment (unmanaged entries are never touched).

Options:
  --heal                     revert drift of owned entries (an apply under the environment lock)
  --policy KIND=heal|warn    per-kind policy for --heal (repeatable or comma-separated; '*' sets the default,
                             which is heal). warn: the kind's drift is reported (MC5013) and left as it is.
                             Kinds: proxy-defaults, service-defaults, service-resolver, service-splitter,
                             service-router, service-intentions. E.g. --policy service-intentions=warn

${connectionUsage}

Exit codes: 0 clean or healed, 1 error, 2 drift (without --heal, or left unhealed by a warn policy).
`;

const reconcile: Command = {
  name: 'reconcile',
  summary: 'detect drift and optionally heal it (apply), per-kind policy',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      consul: { type: 'string' },
      'token-file': { type: 'string' },
      'ca-file': { type: 'string' },
      'client-cert': { type: 'string' },
      'client-key': { type: 'string' },
      dc: { type: 'string' },
      timeout: { type: 'string' },
      adopt: { type: 'boolean' },
      'allow-empty': { type: 'boolean' },
      'max-deletions': { type: 'string' },
      concurrency: { type: 'string' },
      wait: { type: 'string' },
      heal: { type: 'boolean' },
      policy: { type: 'string', multiple: true },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one environment');
    let policy: HealPolicy = DEFAULT_POLICY;
    try {
      policy = parsePolicy(values.policy ?? []);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const rest = withoutFlags(args, ['--heal'], ['--policy']);
    const driftArgs = rest.filter((_a, i) => !isApplyOnly(rest, i));
    const code = await drift.run(driftArgs, io);
    if (code !== Exit.changes || !values.heal) return code;
    io.stdout('Healing: applying the environment.\n');
    const r = await runApply(rest, io, { policy, command: 'reconcile' });
    if (r.code !== Exit.ok) return r.code;
    if (r.held > 0) {
      io.stdout(`Drift left by policy: ${r.held} change(s) of warn kinds not healed.\n`);
      return Exit.changes;
    }
    return Exit.ok;
  },
};

/** Removes boolean flags and flags with a value (`--f v` or `--f=v`). */
function withoutFlags(args: readonly string[], booleans: readonly string[], valued: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const flag = a.split('=')[0] as string;
    if (booleans.includes(a)) continue;
    if (valued.includes(flag)) {
      if (!a.includes('=')) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

const APPLY_ONLY = new Set(['--adopt', '--allow-empty', '--max-deletions', '--concurrency', '--wait']);

function isApplyOnly(args: readonly string[], i: number): boolean {
  const a = args[i] as string;
  const flag = a.split('=')[0] as string;
  if (APPLY_ONLY.has(flag)) return true;
  const prev = args[i - 1];
  return prev !== undefined && !a.startsWith('-') && ['--max-deletions', '--concurrency', '--wait'].includes(prev);
}

export default reconcile;
