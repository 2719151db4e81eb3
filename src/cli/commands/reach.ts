/** `meshcc reach <env> [--format text|json]`: every upstream's path hop by hop, primary and failover, and why not. */
import { renderReach } from '../../compiler/reach.ts';
import { meshReachReport } from '../../compiler/reach-peered.ts';
import { stableJson } from '../../emit/artifact.ts';
import { type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';
import { loadAndCheck } from './validate.ts';

const usage = `Usage: meshcc reach <env> [--format text|json]

Prints every declared upstream's path hop by hop — sidecar → local gateway → remote gateway → instance — with the SNI
used and the mesh-gateway mode, for the primary target and every failover target, and whether each is reachable (and
why not). In a peered mesh, an upstream that names a peer goes sidecar → local gateway (mode local) → the peer's
gateway → an exported instance, with what stops it (unknown peer, not exported, no gateway, no intention). Exit 0
when every upstream is reachable, 3 otherwise.
`;

const reach: Command = {
  name: 'reach',
  summary: 'show every upstream path hop by hop (primary and failover)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { format: { type: 'string', short: 'f' } });
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`unknown --format '${format}'`);
    if (positionals.length !== 1) throw new UsageError('expected exactly one environment');
    const { compilation } = await loadAndCheck(positionals[0] as string, io.cwd);
    const reports = meshReachReport(compilation.model, compilation.upstreams);
    io.stdout(format === 'json' ? stableJson(reports) : renderReach(reports));
    return reports.every((r) => r.reachable) ? Exit.ok : Exit.findings;
  },
};

export default reach;
