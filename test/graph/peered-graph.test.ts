/**
 * The mesh picture of a peered environment: each cluster a box holding its datacenters, peerings as edges between the
 * cluster boxes, and the upstreams that cross clusters (an upstream with `peer`, a failover to a `Peer` target) drawn
 * into the exporting cluster's datacenter, red when `reach` finds them unreachable. Compared with what `meshcc reach`
 * reports for the same environment (no hand-written expectations of reachability), in Mermaid and DOT.
 */
import { describe, expect, it } from 'vitest';
import { compileMesh } from '../../src/compiler/compile-clusters.ts';
import { meshReachReport } from '../../src/compiler/reach-peered.ts';
import { changedPeeredEdges } from '../../src/graph/changed-edges.ts';
import { renderDot } from '../../src/graph/dot.ts';
import { renderMermaid } from '../../src/graph/mermaid.ts';
import { peeredMeshGraph } from '../../src/graph/peered-graph.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';

async function graphOf(env: string, states?: ReadonlyMap<string, boolean>) {
  const loaded = await loadEnvironment(env, repoRoot);
  const c = compileMesh(loaded.model);
  return { c, g: peeredMeshGraph(c.model, c.upstreams, states) };
}

describe('the picture of a peered mesh', () => {
  it('puts every datacenter in its cluster box and draws the peering from the dialer to the acceptor', async () => {
    const { g } = await graphOf('environments/peered');
    expect(g.clusters).toEqual([
      { name: 'east', label: 'cluster east' },
      { name: 'west', label: 'cluster west' },
    ]);
    expect(g.groups.map((x) => [x.cluster, x.datacenter])).toEqual([
      ['east', 'dc1'],
      ['west', 'dc2'],
    ]);
    expect(g.peerings).toEqual([{ dialer: 'east', acceptor: 'west', label: 'peering: east dials west' }]);
    const mmd = renderMermaid(g);
    // The datacenter subgraph is nested in the cluster subgraph.
    expect(mmd).toMatch(/ {2}subgraph cl0\["cluster east"\]\n {4}subgraph dc0\["dc1 \(primary\)"\]/);
    expect(mmd).toContain('  cl0 -.->|"peering: east dials west"| cl1');
    const dot = renderDot(g);
    expect(dot).toContain('compound=true;');
    expect(dot).toMatch(/subgraph cluster_c1 \{\n {4}label="cluster west";/);
    expect(dot).toContain(
      '"cluster:east" -> "cluster:west" [label="peering: east dials west", style=dotted, ltail=cluster_c0, lhead=cluster_c1];',
    );
  });

  it('draws the peer upstream and the failover to the peer into the exporting cluster, coloured as reach says', async () => {
    for (const env of ['environments/peered', 'test/fixtures/peered-unexported']) {
      const { c, g } = await graphOf(env);
      const reach = meshReachReport(c.model, c.upstreams);
      const ledger = reach.find((r) => r.destination === 'ledger')!;
      const failover = reach.find((r) => r.destination === 'currency')!.targets.find((t) => t.role === 'failover')!;
      const ledgerEdge = g.edges.find((e) => e.upstream === 'ledger')!;
      expect(ledgerEdge, env).toMatchObject({
        from: 'dc1/svc/payments',
        to: 'dc2/svc/ledger',
        peer: 'west',
        cluster: 'east',
        reachable: ledger.reachable,
        label: 'peer west: ledger · local',
      });
      const failoverEdge = g.edges.find((e) => e.role === 'failover')!;
      expect(failoverEdge, env).toMatchObject({
        to: 'dc2/svc/currency',
        peer: 'west',
        reachable: failover.reachable,
      });
      // Red exactly for the unreachable edges.
      const red =
        renderMermaid(g)
          .match(/linkStyle ([\d,]+) stroke:#d00/)?.[1]
          ?.split(',')
          .map(Number) ?? [];
      expect(red, env).toEqual(g.edges.flatMap((e, i) => (e.reachable ? [] : [i])));
    }
    // The fixture's mistake (ledger not exported) makes that edge, and only it, red.
    const { g } = await graphOf('test/fixtures/peered-unexported');
    expect(g.edges.filter((e) => !e.reachable).map((e) => e.upstream)).toEqual(['ledger']);
    expect(renderDot(g)).toContain(
      '"dc1/svc/payments" -> "dc2/svc/ledger" [label="peer west: ledger · local", style=solid, color=red, fontcolor=red];',
    );
  });

  it("draws a redirect to a peer's service into the exporting cluster (billing is ledger on the peer)", async () => {
    process.env.MESHCC_TEST_PEER_A_ID ??= '0a0a0a0a-0000-4000-8000-000000000001';
    process.env.MESHCC_TEST_PEER_B_ID ??= '0b0b0b0b-0000-4000-8000-000000000002';
    const { c, g } = await graphOf('test/fixtures/peered-live');
    const billing = meshReachReport(c.model, c.upstreams).find((r) => r.destination === 'billing')!;
    const edge = g.edges.find((e) => e.upstream === 'billing')!;
    expect(edge).toMatchObject({
      from: 'pa1/svc/payments',
      to: 'pb1/svc/ledger',
      peer: 'b',
      role: 'primary',
      reachable: billing.reachable,
    });
    expect(edge.label).toBe('peer b: ledger · none');
  });

  it('marks a peering a plan found not active in red, and the edges a cluster change touches', async () => {
    const { g } = await graphOf('environments/peered', new Map([['west/east <- east/west', false]]));
    expect(g.peerings?.[0]).toMatchObject({ active: false, label: 'peering: east dials west (not active)' });
    const mmd = renderMermaid(g, {
      changed: changedPeeredEdges(g, new Map([['west', ['exported-services/default']]])),
    });
    // The peering is the link after the upstream edges.
    expect(mmd).toContain(`linkStyle ${g.edges.length} stroke:#d00,color:#d00`);
    // west's exports change the two edges into west, not east's own edges.
    const changed = changedPeeredEdges(g, new Map([['west', ['exported-services/default']]]));
    expect(changed.map((i) => g.edges[i]!.to)).toEqual(['dc2/svc/currency', 'dc2/svc/ledger']);
    const east = changedPeeredEdges(g, new Map([['east', ['service-resolver/currency']]]));
    expect(east.map((i) => g.edges[i]!.label)).toEqual(['currency · local', 'failover peer west: currency · local']);
  });

  it('meshcc graph prints the same, deterministically, and a mesh without clusters is drawn as before', async () => {
    const a = await runCli(['graph', 'environments/peered']);
    const b = await runCli(['graph', 'environments/peered']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toBe(renderMermaid((await graphOf('environments/peered')).g));
    const flat = await runCli(['graph', 'environments/multi-dc']);
    expect(flat.stdout).not.toContain('cluster');
    expect(flat.stdout).toContain('subgraph dc0["dc1 (primary)"]');
  });
});
