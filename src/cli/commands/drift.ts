/** `meshcc drift <env>`: report what changed in Consul out of band, per datacenter. */
import { stableJson } from '../../emit/artifact.ts';
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
import { type DriftReport, detectDrift } from '../../reconcile/drift.ts';
import { type CliIO, type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';
import { peeredUsage, runPeered } from '../peered.ts';

const usage = `Usage: meshcc drift <env> [--json] [connection options]

Compares Consul with the environment. Reports, per datacenter:
  changed              a meshcc-owned entry was edited out of band
  deleted              a desired entry is missing
  unmanaged            an entry not managed by meshcc uses one of the environment's names (drift), or
                       exists elsewhere in the cluster ('unmanaged (other)', listed, not drift)
  replication-pending  a secondary does not serve the primary's content yet (not drift)
  dc-unreachable       a datacenter could not be read; its state is unknown (not drift)

${connectionUsage}

${peeredUsage}

Exit codes: 0 clean, 1 error, 2 drift.
`;

/** Text rendering of a drift report. */
export function renderDrift(r: DriftReport): string {
  const lines = r.items.map((i) => {
    const kind = i.kind === 'unmanaged' && !i.affects ? 'unmanaged (other)' : i.kind;
    return `  ${kind.padEnd(20)} ${i.dc.padEnd(6)} ${i.key}${i.detail ? `  (${i.detail})` : ''}`;
  });
  lines.push(r.drifted ? `Drift found in environment ${r.environment}.` : `No drift in environment ${r.environment}.`);
  return `${lines.join('\n')}\n`;
}

const drift: Command = {
  name: 'drift',
  summary: 'report out-of-band changes in Consul',
  usage,
  run: async (args, io) => (await runPeered('drift', args, io)) ?? (await runDrift(args, io)),
};

/** `meshcc drift`, also run by `meshcc reconcile` (which passes the environment it already compiled). */
export async function runDrift(args: readonly string[], io: CliIO, compiled?: DesiredEntries): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...connectionOptions, json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('expected exactly one environment');
  const desired = compiled ?? (await desiredEntries(positionals[0] as string, io));
  if ('errors' in desired) return Exit.findings;
  const client = clientFrom(values, io);
  try {
    const { primary, all } = await primaryOf(client, values.dc);
    const report = await detectDrift(client, desired.name, desired.entries, { primary, datacenters: all });
    io.stdout(values.json ? stableJson(report) : renderDrift(report));
    return report.drifted ? Exit.changes : Exit.ok;
  } catch (e) {
    if (e instanceof ConsulHttpError || e instanceof ConsulTransportError) {
      io.stderr(consulErrorLine('drift', e));
      return Exit.error;
    }
    throw e;
  }
}

export default drift;
