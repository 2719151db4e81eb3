/**
 * The picture of a peered mesh: each cluster a box holding its datacenters (with their gateways and services),
 * each peering an edge from the dialing cluster to the accepting one, and the upstreams that cross clusters — an
 * upstream with `peer` (`destination_peer`), a failover or redirect to a `Peer` target — drawn into the exporting
 * cluster's datacenter, coloured by reachability (`reach-peered.ts`) as any other edge. Pure and sorted.
 */
import { indexMesh } from '../compiler/reach.ts';
import { meshReachReport } from '../compiler/reach-peered.ts';
import type { CompiledUpstream } from '../compiler/types.ts';
import { peeringKey } from '../model/clusters.ts';
import type { MeshModel } from '../model/types.ts';
import { type GraphPeering, type MeshGraph, meshGraph } from './mesh-graph.ts';

/** Live peering states to draw (a plan's picture): by peering key `acceptor/name <- dialer/name`. */
export type PeeringStates = ReadonlyMap<string, boolean>;

/** The graph of a peered mesh (a mesh without clusters gets the ordinary graph). */
export function peeredMeshGraph(
  model: MeshModel,
  upstreams: readonly CompiledUpstream[],
  states?: PeeringStates,
): MeshGraph {
  const clusters = model.clusters ?? [];
  const index = indexMesh(model);
  const g = meshGraph(model, upstreams, index, meshReachReport(model, upstreams));
  if (clusters.length === 0) return g;
  const clusterOf = new Map<string, string>();
  for (const c of clusters) for (const d of c.datacenters) clusterOf.set(d, c.name);
  const groups = g.groups.map((grp) => {
    const cluster = clusterOf.get(grp.datacenter);
    return cluster ? { ...grp, cluster } : grp;
  });
  const edges = g.edges.map((e) => {
    const cluster = clusterOf.get(e.from.slice(0, e.from.indexOf('/')));
    return cluster ? { ...e, cluster } : e;
  });
  const peerings: GraphPeering[] = (model.peerings ?? []).map((p) => {
    const active = states?.get(peeringKey(p));
    return {
      dialer: p.dialer.cluster,
      acceptor: p.acceptor.cluster,
      label: `peering: ${p.dialer.cluster} dials ${p.acceptor.cluster}${active === false ? ' (not active)' : ''}`,
      ...(active !== undefined ? { active } : {}),
    };
  });
  return {
    groups,
    edges,
    clusters: clusters.map((c) => ({ name: c.name, label: `cluster ${c.name}` })),
    peerings: peerings.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0)),
  };
}
