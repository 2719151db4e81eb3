/**
 * Splits a peered mesh into its clusters. Each cluster is a mesh of its own in Consul (own primary datacenter, own
 * Connect CA and trust domain, own config entries), so each gets its own plain `MeshModel` that the single-cluster
 * compiler and emitters take unchanged; what crosses clusters (peerings, peered upstreams, exports) is checked apart.
 */
import { copyWith } from './data-copy.ts';
import type { ClusterDecl, MeshModel, PeeringDecl, ServiceInstanceDecl, UpstreamDecl } from './types.ts';

/** An upstream to a peer's service (`destination_peer`), with the instance that declares it. */
export interface PeerUpstream {
  readonly instance: ServiceInstanceDecl;
  readonly upstream: UpstreamDecl & { readonly destinationPeer: string };
}

export interface ClusterModel {
  readonly cluster: ClusterDecl;
  /**
   * The cluster as a mesh of its own; its instances' upstreams to peers are moved out of `upstreams` into each
   * instance's `peerUpstreams` (the sidecar artifacts list them; no chain is compiled for them).
   */
  readonly model: MeshModel;
  /** Upstreams of this cluster's instances that target a peer: Consul compiles no discovery chain for them. */
  readonly peerUpstreams: readonly PeerUpstream[];
}

/** Whether the mesh declares clusters (else it is one WAN-federated cluster, compiled as a whole). */
export function isPeeredMesh(model: MeshModel): boolean {
  return (model.clusters?.length ?? 0) > 0;
}

/** The clusters of a peered mesh, each as its own model, in declaration order. Pure. */
export function splitClusters(model: MeshModel): ClusterModel[] {
  return (model.clusters ?? []).map((cluster) => {
    const dcs = new Set(cluster.datacenters);
    const peerUpstreams: PeerUpstream[] = [];
    const instances = model.instances
      .filter((i) => dcs.has(i.datacenter))
      .map((i) => {
        if (!i.upstreams.some((u) => u.destinationPeer !== undefined)) return i;
        const peered = i.upstreams.filter((u) => u.destinationPeer !== undefined);
        for (const u of peered) peerUpstreams.push({ instance: i, upstream: u as PeerUpstream['upstream'] });
        // `copyWith`: `{ ...i, peerUpstreams }` would give each such instance a hidden class of its own (data-copy.ts).
        const local = i.upstreams.filter((u) => u.destinationPeer === undefined);
        return copyWith(copyWith(i, 'upstreams', local), 'peerUpstreams', peered);
      });
    const sub: MeshModel = {
      name: model.name,
      path: cluster.path,
      ...(cluster.span ? { span: cluster.span } : model.span ? { span: model.span } : {}),
      clusterId: cluster.clusterId,
      trustDomain: cluster.trustDomain,
      primaryDatacenter: cluster.primaryDatacenter,
      aclDefaultPolicy: model.aclDefaultPolicy,
      aclsEnabled: model.aclsEnabled,
      datacenters: model.datacenters.filter((d) => dcs.has(d.name)),
      gateways: model.gateways.filter((g) => dcs.has(g.datacenter)),
      services: model.services,
      instances,
      entries: model.entries.filter((e) => e.cluster === undefined || e.cluster === cluster.name),
      ...((model.peerings ?? []).some((p) => p.acceptor.cluster === cluster.name || p.dialer.cluster === cluster.name)
        ? { peering: true }
        : {}),
      ...(model.suppressions ? { suppressions: model.suppressions } : {}),
    };
    return { cluster, model: sub, peerUpstreams };
  });
}

/** A peering's key, as plan, drift and the mesh picture name it: `acceptor/its-peer-name <- dialer/its-peer-name`. */
export function peeringKey(p: Pick<PeeringDecl, 'acceptor' | 'dialer'>): string {
  return `${p.acceptor.cluster}/${p.acceptor.peerName} <- ${p.dialer.cluster}/${p.dialer.peerName}`;
}
