/**
 * Reachability of the upstreams that name a cluster peer (`destination_peer`). Consul compiles no discovery chain for
 * them, so `reach.ts` (which walks chain targets) never sees them; this builds the same report shape from the model:
 * sidecar → the caller's local gateway (mode `local`) → the peer's mesh gateway (its WAN address, when the exporting
 * cluster has one in its primary) → an exported instance, with the problems the MC31xx checks find: the peer name is
 * not one of the cluster's peerings (MC3102), the peer does not export the service to this cluster (MC3103), the
 * service does not run there, `local` mode without a gateway in the caller's datacenter (MC3106), and with ACL
 * default deny no intention in the exporting cluster for the caller (MC3107). Pure.
 *
 * Consul facts used: when the exporting cluster has a mesh gateway, the instances it exports are replicated to the
 * peer with that gateway's address, so every mode reaches them through it; without one the importer dials the
 * instances themselves. The SNI is the one the exporter assigns (`connect.PeeredServiceSNI`):
 * `<service>.<namespace>.<partition>.<the exporter's name for the importer>.external.<the exporter's trust domain>`.
 */
import { type ClusterModel, isPeeredMesh, type PeerUpstream, splitClusters } from '../model/clusters.ts';
import type { MeshModel } from '../model/types.ts';
import {
  allowsPeerSource,
  exportsService,
  type PeerLink,
  peerLinks,
  peerUpstreamMode,
} from './passes/check-peering.ts';
import { type Hop, type Problem, reachReport, type TargetPath, type UpstreamReach } from './reach.ts';
import type { CompiledUpstream } from './types.ts';

function orDefault(v: string | undefined): string {
  return v && v !== '' ? v : 'default';
}

/** The report of one peered upstream declared in cluster `cm`. */
export function reachPeerUpstream(
  model: MeshModel,
  cm: ClusterModel,
  byName: ReadonlyMap<string, ClusterModel>,
  link: PeerLink | undefined,
  pu: PeerUpstream,
): UpstreamReach {
  const { instance, upstream } = pu;
  const peer = upstream.destinationPeer;
  const service = upstream.destinationName;
  const namespace = orDefault(upstream.destinationNamespace);
  const partition = orDefault(upstream.destinationPartition);
  const mode = peerUpstreamMode(cm, pu);
  const problems: Problem[] = [];
  const hops: Hop[] = [{ kind: 'sidecar', datacenter: instance.datacenter, name: `${instance.service}-sidecar-proxy` }];

  const local = cm.model.gateways.find((g) => g.datacenter === instance.datacenter);
  if (mode === 'local') {
    if (local)
      hops.push({
        kind: 'local-gateway',
        datacenter: instance.datacenter,
        name: local.name,
        address: `${local.lan.address}:${local.lan.port}`,
      });
    else problems.push({ kind: 'no-source-gateway' });
  }

  const exporter = link ? byName.get(link.cluster) : undefined;
  let sni = '';
  if (!link || !exporter) {
    problems.push({ kind: 'unknown-peer', peer, cluster: cm.cluster.name });
    hops.push({ kind: 'instance', datacenter: `peer ${peer}`, name: service });
  } else {
    sni = `${service}.${namespace}.${partition}.${link.remoteName}.external.${exporter.cluster.trustDomain}`;
    if (!exportsService(exporter, service, link.remoteName))
      problems.push({ kind: 'not-exported', exporter: link.cluster });
    const primary = exporter.cluster.primaryDatacenter;
    const gateway = exporter.model.gateways.find((g) => g.datacenter === primary && g.wan !== undefined);
    if (gateway?.wan)
      hops.push({
        kind: 'remote-gateway',
        datacenter: primary,
        name: gateway.name,
        address: `${gateway.wan.address}:${gateway.wan.port}`,
      });
    const target = exporter.model.instances.find(
      (i) => i.service === service && orDefault(i.namespace) === namespace && orDefault(i.partition) === partition,
    );
    if (!target) problems.push({ kind: 'not-deployed' });
    hops.push({
      kind: 'instance',
      datacenter: target?.datacenter ?? primary,
      name: service,
      ...(target?.address ? { address: `${target.address}:${target.port}` } : {}),
    });
    if (model.aclDefaultPolicy === 'deny' && !allowsPeerSource(exporter, service, instance.service, link.remoteName))
      problems.push({
        kind: 'peer-intention-missing',
        cluster: link.cluster,
        source: instance.service,
        peer: link.remoteName,
      });
  }

  const reachable = problems.length === 0;
  const target: TargetPath = {
    role: 'primary',
    targetId: `${service}.${namespace}.${partition}.external.${peer}`,
    service,
    namespace,
    partition,
    datacenter: `peer:${peer}`,
    mode,
    sni,
    hops,
    reachable,
    problems,
  };
  return {
    path: upstream.path,
    ...(upstream.span ? { span: upstream.span } : {}),
    service: instance.service,
    datacenter: instance.datacenter,
    destination: service,
    targetDatacenter: `peer:${peer}`,
    targets: [target],
    reachable,
  };
}

/** The reports of every peered upstream of a peered mesh, cluster by cluster in declaration order. */
export function reachPeerUpstreams(
  model: MeshModel,
  clusters: readonly ClusterModel[] = splitClusters(model),
): UpstreamReach[] {
  const { links } = peerLinks(model);
  const byName = new Map(clusters.map((c) => [c.cluster.name, c]));
  return clusters.flatMap((cm) =>
    cm.peerUpstreams.map((pu) =>
      reachPeerUpstream(model, cm, byName, links.get(cm.cluster.name)?.get(pu.upstream.destinationPeer), pu),
    ),
  );
}

/**
 * Every upstream's report for `meshcc reach` and `validate --report`: the compiled (chain) upstreams, then, in a
 * peered mesh, the upstreams that name a peer.
 */
export function meshReachReport(model: MeshModel, upstreams: readonly CompiledUpstream[]): UpstreamReach[] {
  const chains = reachReport(model, upstreams);
  return isPeeredMesh(model) ? [...chains, ...reachPeerUpstreams(model)] : chains;
}
