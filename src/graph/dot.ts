/**
 * Graphviz DOT: datacenters as clusters (boxes; inside one box per cluster in a peered mesh), gateways as hexagons,
 * upstream edges labelled; mode by line style (local solid, remote bold, none dashed), failover edges with an open
 * arrowhead, unreachable edges red. Peerings are dotted edges between the cluster boxes (dialer to acceptor, through
 * an invisible anchor node in each box; red when a plan found them not active).
 */
import type { GraphGroup, MeshGraph } from './mesh-graph.ts';

/** A quoted DOT string. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const styles = { local: 'solid', remote: 'bold', none: 'dashed' } as const;

function group(lines: string[], grp: GraphGroup, i: number, indent: string): void {
  lines.push(`${indent}subgraph cluster_${i} {`, `${indent}  label=${q(grp.label)};`);
  for (const n of grp.nodes) {
    const attrs =
      n.kind === 'gateway' ? ', shape=hexagon' : n.kind === 'missing' ? ', style=dashed, color=red, fontcolor=red' : '';
    lines.push(`${indent}  ${q(n.id)} [label=${q(n.label)}${attrs}];`);
  }
  lines.push(`${indent}}`);
}

/** Renders the graph as a DOT digraph. */
export function renderDot(g: MeshGraph): string {
  const lines = [
    'digraph mesh {',
    '  rankdir=LR;',
    ...(g.clusters ? ['  compound=true;'] : []),
    '  node [shape=box, fontname="Helvetica"];',
    '  edge [fontname="Helvetica"];',
  ];
  const clusters = new Set((g.clusters ?? []).map((c) => c.name));
  (g.clusters ?? []).forEach((c, ci) => {
    lines.push(`  subgraph cluster_c${ci} {`, `    label=${q(c.label)};`, '    style=bold;');
    lines.push(`    ${q(`cluster:${c.name}`)} [shape=point, style=invis];`);
    g.groups.forEach((grp, i) => {
      if (grp.cluster === c.name) group(lines, grp, i, '    ');
    });
    lines.push('  }');
  });
  g.groups.forEach((grp, i) => {
    if (grp.cluster === undefined || !clusters.has(grp.cluster)) group(lines, grp, i, '  ');
  });
  for (const e of g.edges) {
    const attrs = [`label=${q(e.label)}`, `style=${styles[e.mode]}`];
    if (e.role === 'failover') attrs.push('arrowhead=empty');
    if (!e.reachable) attrs.push('color=red', 'fontcolor=red');
    lines.push(`  ${q(e.from)} -> ${q(e.to)} [${attrs.join(', ')}];`);
  }
  const index = new Map((g.clusters ?? []).map((c, ci) => [c.name, ci]));
  for (const p of g.peerings ?? []) {
    const from = index.get(p.dialer);
    const to = index.get(p.acceptor);
    if (from === undefined || to === undefined) continue;
    const attrs = [`label=${q(p.label)}`, 'style=dotted', `ltail=cluster_c${from}`, `lhead=cluster_c${to}`];
    if (p.active === false) attrs.push('color=red', 'fontcolor=red');
    lines.push(`  ${q(`cluster:${p.dialer}`)} -> ${q(`cluster:${p.acceptor}`)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
