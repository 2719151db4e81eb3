/** `meshcc reconcile <env> [--heal]`: drift check, and with --heal an apply that reverts it. */

import { connectionUsage } from '../../reconcile/cli-context.ts';
import { type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';
import apply from './apply.ts';
import drift from './drift.ts';

const usage = `Usage: meshcc reconcile <env> [--heal] [apply options] [connection options]

Runs 'meshcc drift <env>'. Without --heal it only reports (exit 2 on drift). With --heal it then runs
'meshcc apply <env>' to bring owned entries back to the environment (unmanaged entries are never touched).

${connectionUsage}

Exit codes: 0 clean or healed, 1 error, 2 drift (without --heal).
`;

const reconcile: Command = {
  name: 'reconcile',
  summary: 'detect drift and optionally heal it (apply)',
  usage,
  async run(args, io) {
    const heal = args.includes('--heal');
    const rest = args.filter((a) => a !== '--heal');
    const { positionals } = parseCommandArgs(rest, {
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
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one environment');
    const driftArgs = rest.filter((_a, i) => !isApplyOnly(rest, i));
    const code = await drift.run(driftArgs, io);
    if (code !== Exit.changes || !heal) return code;
    io.stdout('Healing: applying the environment.\n');
    return apply.run(rest, io);
  },
};

const APPLY_ONLY = new Set(['--adopt', '--allow-empty', '--max-deletions', '--concurrency', '--wait']);

function isApplyOnly(args: readonly string[], i: number): boolean {
  const a = args[i] as string;
  const flag = a.split('=')[0] as string;
  if (APPLY_ONLY.has(flag)) return true;
  const prev = args[i - 1];
  return prev !== undefined && !a.startsWith('-') && ['--max-deletions', '--concurrency', '--wait'].includes(prev);
}

export default reconcile;
