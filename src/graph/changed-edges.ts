/**
 * Which edges of the mesh picture a plan changes: an upstream edge (caller → target) is changed when the plan creates,
 * updates or deletes a config entry that Consul reads to compile or authorise it — `proxy-defaults` (every edge), the
 * caller's `service-defaults` (its `UpstreamConfig`), the upstream's and the target's `service-defaults`, resolver,
 * router and splitter, and the target's or upstream's `service-intentions`. Pure; returns edge indexes in order.
 */
import type { MeshGraph } from './mesh-graph.ts';

const chainKinds = ['service-defaults', 'service-resolver', 'service-router', 'service-splitter', 'service-intentions'];

/** Indexes into `graph.edges` of the edges touched by any of `changedKeys` (`kind/name`). */
export function changedEdges(graph: MeshGraph, changedKeys: Iterable<string>): number[] {
  const keys = new Set(changedKeys);
  if (keys.size === 0) return [];
  const everything = [...keys].some((k) => k.startsWith('proxy-defaults/'));
  const touches = (name: string) => chainKinds.some((kind) => keys.has(`${kind}/${name}`));
  const out: number[] = [];
  graph.edges.forEach((e, i) => {
    const target = e.to.slice(e.to.lastIndexOf('/') + 1);
    if (everything || keys.has(`service-defaults/${e.source}`) || touches(e.upstream) || touches(target)) out.push(i);
  });
  return out;
}

/**
 * The same for a peered mesh, whose plan changes entries per cluster: an edge is changed by its caller's cluster's
 * entries as above; an edge into another cluster (`peer`) also by that cluster's `exported-services` and the target's
 * `service-intentions` there; a cluster's `mesh` entry changes every edge into it.
 */
export function changedPeeredEdges(
  graph: MeshGraph,
  changedByCluster: ReadonlyMap<string, readonly string[]>,
): number[] {
  const clusterOfDc = new Map(graph.groups.flatMap((g) => (g.cluster ? [[g.datacenter, g.cluster] as const] : [])));
  const out = new Set<number>();
  for (const [cluster, keys] of changedByCluster) {
    const mine = changedEdges({ groups: graph.groups, edges: graph.edges.filter((e) => e.cluster === cluster) }, keys);
    const own = graph.edges.map((e, i) => [e, i] as const).filter(([e]) => e.cluster === cluster);
    for (const m of mine) out.add(own[m]![1]);
    const set = new Set(keys);
    graph.edges.forEach((e, i) => {
      const into = clusterOfDc.get(e.to.slice(0, e.to.indexOf('/')));
      if (!e.peer || into !== cluster) return;
      const target = e.to.slice(e.to.lastIndexOf('/') + 1);
      if (set.has('exported-services/default') || set.has('mesh/mesh') || set.has(`service-intentions/${target}`))
        out.add(i);
    });
  }
  return [...out].sort((a, b) => a - b);
}
