/**
 * Artifacts of a peered mesh: each cluster's artifacts, exactly as a single-cluster mesh's, under `clusters/<name>/`
 * (its config entries go to its own Consul), and `peerings.json`: the peerings (which side accepts, which dials, the
 * names each side uses), each cluster's trust domain and primary, and the upstreams that target a peer with their
 * mesh-gateway mode. The bundled gateways of each cluster's primary get its peering routes (`gateway-peering.ts`). No token is ever part of an artifact: `meshcc apply` generates and uses it in memory.
 */
import type { PeeredCompilation } from '../compiler/compile-clusters.ts';
import { peerUpstreamMode } from '../compiler/passes/check-peering.ts';
import { splitClusters } from '../model/clusters.ts';
import { type Artifact, RenderedArtifact, stableJson } from './artifact.ts';
import { clusterPeeringRoutes } from './gateway-peering.ts';
import { emitAll } from './index.ts';

/** The peering summary document (`peerings.json`). */
export function peeringsDocument(pc: PeeredCompilation): unknown {
  const split = new Map(splitClusters(pc.model).map((c) => [c.cluster.name, c]));
  return {
    clusters: pc.clusters.map((c) => ({
      name: c.cluster.name,
      primaryDatacenter: c.cluster.primaryDatacenter,
      trustDomain: c.cluster.trustDomain,
      datacenters: c.cluster.datacenters,
      peerUpstreams: c.peerUpstreams.map((pu) => ({
        service: pu.instance.service,
        datacenter: pu.instance.datacenter,
        destination: pu.upstream.destinationName,
        peer: pu.upstream.destinationPeer,
        localBindPort: pu.upstream.localBindPort,
        meshGateway: peerUpstreamMode(split.get(c.cluster.name)!, pu),
      })),
    })),
    peerings: (pc.model.peerings ?? []).map((p) => ({ acceptor: p.acceptor, dialer: p.dialer })),
  };
}

function contentOf(a: Artifact): string {
  return a.content;
}

/** Every artifact of a peered mesh, sorted by path (a cluster's artifact rendered when read, as its own emit does). */
export function emitPeered(pc: PeeredCompilation): Artifact[] {
  const out: Artifact[] = [{ path: 'peerings.json', content: stableJson(peeringsDocument(pc)) }];
  for (const c of pc.clusters)
    for (const a of emitAll(c.compilation, { gateway: { peering: clusterPeeringRoutes(pc, c.cluster.name) } }))
      out.push(new RenderedArtifact(`clusters/${c.cluster.name}/${a.path}`, a, contentOf));
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
