/** `meshcc graph <env> [--format mermaid|dot]`: draw datacenters, gateways, services and upstream edges. */
import { renderDot } from '../../graph/dot.ts';
import { renderMermaid } from '../../graph/mermaid.ts';
import { peeredMeshGraph } from '../../graph/peered-graph.ts';
import { type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';
import { loadAndCheck } from './validate.ts';

const usage = `Usage: meshcc graph <env> [--format mermaid|dot]

Prints the mesh as a graph: datacenters as subgraphs/boxes, mesh gateways, services, and one edge per upstream target
(primary and failover) labelled with the destination and mesh-gateway mode. Line style shows the mode (local solid,
remote thick/bold, none dotted/dashed); unreachable edges are red. Output is deterministic.
In a peered mesh each cluster is a box holding its datacenters, each peering a dotted edge from the dialing cluster
to the accepting one, and upstreams to a peer's service (peer), failover and redirects to a peer go into the other
cluster's datacenter, coloured by reachability as any other edge.

Options:
  --format F   mermaid (default; renders on GitHub in a \`\`\`mermaid block) or dot (Graphviz)
`;

const graph: Command = {
  name: 'graph',
  summary: 'draw the mesh as a Mermaid or Graphviz graph',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { format: { type: 'string', short: 'f' } });
    const format = values.format ?? 'mermaid';
    if (format !== 'mermaid' && format !== 'dot') throw new UsageError(`unknown --format '${format}'`);
    if (positionals.length !== 1) throw new UsageError('expected exactly one environment');
    const { compilation } = await loadAndCheck(positionals[0] as string, io.cwd);
    const g = peeredMeshGraph(compilation.model, compilation.upstreams);
    io.stdout(format === 'dot' ? renderDot(g) : renderMermaid(g));
    return Exit.ok;
  },
};

export default graph;
