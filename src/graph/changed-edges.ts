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
