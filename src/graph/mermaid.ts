/**
 * Mermaid flowchart (renders on GitHub in a ```mermaid block): datacenters as subgraphs (inside one subgraph per
 * cluster in a peered mesh), gateways as hexagons, upstream edges labelled; mode by line style (local solid, remote
 * thick, none dotted), unreachable edges red, and edges a plan changes (see `changed-edges.ts`) orange and wider with
 * `(changed)` in the label. Peerings are links between the cluster subgraphs (dialer to acceptor), red when a plan
 * found them not active.
 */
import type { GraphGroup, MeshGraph } from './mesh-graph.ts';

/** A Mermaid-safe identifier for a node id. */
function id(raw: string): string {
  return `n_${raw.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`;
}

/** Escapes a label for a quoted Mermaid string. */
function label(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/[<>]/g, (c) => (c === '<' ? '#lt;' : '#gt;'));
}

const arrows = { local: '-->', remote: '==>', none: '-.->' } as const;

export interface MermaidOptions {
  /** Indexes into `g.edges` to mark as changed. */
  readonly changed?: readonly number[];
}

function group(lines: string[], grp: GraphGroup, i: number, indent: string): void {
  lines.push(`${indent}subgraph dc${i}["${label(grp.label)}"]`);
  for (const n of grp.nodes) {
    const text = `"${label(n.label)}"`;
    const shape = n.kind === 'gateway' ? `{{${text}}}` : n.kind === 'missing' ? `[/${text}/]` : `[${text}]`;
    lines.push(`${indent}  ${id(n.id)}${shape}`);
  }
  lines.push(`${indent}end`);
}

/** Renders the graph as a Mermaid flowchart. */
export function renderMermaid(g: MeshGraph, opts: MermaidOptions = {}): string {
  const changed = new Set(opts.changed ?? []);
  const lines = ['flowchart LR'];
  const clusterIds = new Map((g.clusters ?? []).map((c, i) => [c.name, `cl${i}`]));
  for (const c of g.clusters ?? []) {
    lines.push(`  subgraph ${clusterIds.get(c.name)}["${label(c.label)}"]`);
    g.groups.forEach((grp, i) => {
      if (grp.cluster === c.name) group(lines, grp, i, '    ');
    });
    lines.push('  end');
  }
  g.groups.forEach((grp, i) => {
    if (grp.cluster === undefined || !clusterIds.has(grp.cluster)) group(lines, grp, i, '  ');
  });
  const red: number[] = [];
  const orange: number[] = [];
  g.edges.forEach((e, i) => {
    const mark = changed.has(i) ? ' (changed)' : '';
    lines.push(`  ${id(e.from)} ${arrows[e.mode]}|"${label(e.label + mark)}"| ${id(e.to)}`);
    if (!e.reachable) red.push(i);
    else if (mark) orange.push(i);
  });
  let links = g.edges.length;
  for (const p of g.peerings ?? []) {
    const from = clusterIds.get(p.dialer);
    const to = clusterIds.get(p.acceptor);
    if (!from || !to) continue;
    lines.push(`  ${from} -.->|"${label(p.label)}"| ${to}`);
    if (p.active === false) red.push(links);
    links++;
  }
  if (red.length > 0) lines.push(`  linkStyle ${red.join(',')} stroke:#d00,color:#d00`);
  if (orange.length > 0) lines.push(`  linkStyle ${orange.join(',')} stroke:#e67700,stroke-width:3px,color:#e67700`);
  const missing = g.groups.flatMap((grp) => grp.nodes.filter((n) => n.kind === 'missing').map((n) => id(n.id)));
  if (missing.length > 0) {
    lines.push('  classDef missing stroke:#d00,stroke-dasharray:4 2');
    lines.push(`  class ${missing.join(',')} missing`);
  }
  return `${lines.join('\n')}\n`;
}
