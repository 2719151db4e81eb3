/** The hop-by-hop reachability report and the Mermaid / DOT graphs. */
import { describe, expect, test } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import { reachReport, renderReach } from '../../src/compiler/reach.ts';
import { changedEdges } from '../../src/graph/changed-edges.ts';
import { renderDot } from '../../src/graph/dot.ts';
import { renderMermaid } from '../../src/graph/mermaid.ts';
import { meshGraph } from '../../src/graph/mesh-graph.ts';
import { entry, gw, inst, localMode, model, up } from './model.ts';

function failoverMesh() {
  return model({
    gateways: [gw('dc1'), gw('dc2')],
    instances: [
      inst('web', 'dc1', [up('api', 9191), up('db', 9192, { datacenter: 'dc2', meshGateway: 'none' })]),
      inst('api', 'dc1'),
      inst('api', 'dc2'),
      inst('db', 'dc2'),
    ],
    entries: [localMode, entry({ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc2'] } } })],
  });
}

describe('reach', () => {
  test('lists the primary and failover paths hop by hop with the SNI used', () => {
    const m = failoverMesh();
    const [api, db] = reachReport(m, compile(m).upstreams);
    expect(api?.reachable).toBe(true);
    expect(api?.targets.map((t) => [t.role, t.datacenter, t.hops.map((h) => h.kind).join('>')])).toEqual([
      ['primary', 'dc1', 'sidecar>instance'],
      ['failover', 'dc2', 'sidecar>local-gateway>remote-gateway>instance'],
    ]);
    expect(api?.targets[1]?.sni).toBe('api.default.dc2.internal.11111111-2222-3333-4444-555555555555.consul');
    expect(api?.targets[1]?.hops[2]?.address).toBe('198.51.100.2:443');
    expect(db?.reachable).toBe(false);
    expect(renderReach([db!])).toContain("unreachable: mode 'none' across networks dc1 and dc2");
  });
});

describe('graph', () => {
  test('mermaid output has datacenter subgraphs, styled edges and red unreachable edges, deterministically', () => {
    const m = failoverMesh();
    const g = meshGraph(m, compile(m).upstreams);
    const out = renderMermaid(g);
    expect(out.startsWith('flowchart LR\n')).toBe(true);
    expect(out).toContain('subgraph dc0["dc1 (primary)"]');
    expect(out).toContain('{{"mesh-gateway wan 198.51.100.1:443"}}');
    expect(out).toContain('-->|"failover api · local"|');
    expect(out).toContain('-.->|"db · none"|');
    const dbEdge = g.edges.findIndex((e) => e.label === 'db · none');
    expect(out).toContain(`linkStyle ${dbEdge} stroke:#d00,color:#d00`);
    expect(renderMermaid(meshGraph(m, compile(m).upstreams))).toBe(out);
  });

  test('mermaid node ids contain only identifier characters and every label is quoted', () => {
    const m = failoverMesh();
    const out = renderMermaid(meshGraph(m, compile(m).upstreams));
    for (const line of out.split('\n').filter((l) => l.includes('-->') || l.includes('==>') || l.includes('-.->'))) {
      expect(line).toMatch(/^ {2}n_[A-Za-z0-9_]+ (-->|==>|-\.->)\|"[^"]*"\| n_[A-Za-z0-9_]+$/);
    }
  });

  test('a plan marks the edges whose entries it changes: target, caller, proxy-defaults; unreachable stays red', () => {
    const m = failoverMesh();
    const g = meshGraph(m, compile(m).upstreams);
    const labels = (keys: string[]) => changedEdges(g, keys).map((i) => g.edges[i]?.label);
    expect(labels([])).toEqual([]);
    expect(labels(['service-resolver/api'])).toEqual(['api · local', 'failover api · local']);
    expect(labels(['service-intentions/db'])).toEqual(['db · none']);
    expect(labels(['service-defaults/web'])).toHaveLength(g.edges.length);
    expect(labels(['proxy-defaults/global'])).toHaveLength(g.edges.length);
    expect(labels(['service-resolver/unrelated'])).toEqual([]);
    const out = renderMermaid(g, { changed: changedEdges(g, ['proxy-defaults/global']) });
    const db = g.edges.findIndex((e) => e.label === 'db · none');
    const others = g.edges.map((_e, i) => i).filter((i) => i !== db);
    expect(out).toContain('-.->|"db · none (changed)"|');
    expect(out).toContain(`linkStyle ${db} stroke:#d00,color:#d00`);
    expect(out).toContain(`linkStyle ${others.join(',')} stroke:#e67700,stroke-width:3px,color:#e67700`);
  });

  test('dot output has clusters per datacenter and red unreachable edges', () => {
    const m = failoverMesh();
    const out = renderDot(meshGraph(m, compile(m).upstreams));
    expect(out).toContain('subgraph cluster_0 {\n    label="dc1 (primary)";');
    expect(out).toContain('"dc1/svc/web" -> "dc2/svc/db" [label="db · none", style=dashed, color=red, fontcolor=red];');
    expect(out).toContain(
      '"dc1/svc/web" -> "dc2/svc/api" [label="failover api · local", style=solid, arrowhead=empty];',
    );
  });
});
