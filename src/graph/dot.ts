/**
 * Graphviz DOT: datacenters as clusters (boxes), gateways as hexagons, upstream edges labelled; mode by line style
 * (local solid, remote bold, none dashed), failover edges with an open arrowhead, unreachable edges red.
 */
import type { MeshGraph } from './mesh-graph.ts';

/** A quoted DOT string. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const styles = { local: 'solid', remote: 'bold', none: 'dashed' } as const;

/** Renders the graph as a DOT digraph. */
export function renderDot(g: MeshGraph): string {
  const lines = [
    'digraph mesh {',
    '  rankdir=LR;',
    '  node [shape=box, fontname="Helvetica"];',
    '  edge [fontname="Helvetica"];',
  ];
  g.groups.forEach((grp, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label=${q(grp.label)};`);
    for (const n of grp.nodes) {
      const attrs =
        n.kind === 'gateway'
          ? ', shape=hexagon'
          : n.kind === 'missing'
            ? ', style=dashed, color=red, fontcolor=red'
            : '';
      lines.push(`    ${q(n.id)} [label=${q(n.label)}${attrs}];`);
    }
    lines.push('  }');
  });
  for (const e of g.edges) {
    const attrs = [`label=${q(e.label)}`, `style=${styles[e.mode]}`];
    if (e.role === 'failover') attrs.push('arrowhead=empty');
    if (!e.reachable) attrs.push('color=red', 'fontcolor=red');
    lines.push(`  ${q(e.from)} -> ${q(e.to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
