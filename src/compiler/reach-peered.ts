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
 * instances themselves (read in Consul's peering stream source; not observed live, the harness runs no gateway).
 * The SNI is the one the exporter assigns (`connect.PeeredServiceSNI`):
 * `<service>.<namespace>.<partition>.<the exporter's name for the importer>.external.<the exporter's trust domain>`.
 */
import { type ClusterModel, isPeeredMesh, type PeerUpstream, splitClusters } from '../model/clusters.ts';
import type { GatewayMode, MeshModel } from '../model/types.ts';
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

/** What a path to a peer's service starts from: the caller and what it asks for. */
interface PeerRequest {
  readonly caller: string;
  readonly callerDc: string;
  readonly service: string;
  readonly namespace: string;
  readonly partition: string;
  readonly peer: string;
  readonly mode: GatewayMode;
}

/** The hops, problems and SNI from a caller in cluster `cm` to a service of its peer `req.peer`. */
function peerPath(
  model: MeshModel,
  cm: ClusterModel,
  byName: ReadonlyMap<string, ClusterModel>,
  link: PeerLink | undefined,
  req: PeerRequest,
): { hops: Hop[]; problems: Problem[]; sni: string } {
  const { service, namespace, partition, peer } = req;
  const problems: Problem[] = [];
  const hops: Hop[] = [{ kind: 'sidecar', datacenter: req.callerDc, name: `${req.caller}-sidecar-proxy` }];
  if (req.mode === 'local') {
    const local = cm.model.gateways.find((g) => g.datacenter === req.callerDc);
    if (local)
      hops.push({
        kind: 'local-gateway',
        datacenter: req.callerDc,
        name: local.name,
        address: `${local.lan.address}:${local.lan.port}`,
      });
    else problems.push({ kind: 'no-source-gateway' });
  }
  const exporter = link ? byName.get(link.cluster) : undefined;
  if (!link || !exporter) {
    problems.push({ kind: 'unknown-peer', peer, cluster: cm.cluster.name });
    hops.push({ kind: 'instance', datacenter: `peer ${peer}`, name: service });
    return { hops, problems, sni: '' };
  }
  const sni = `${service}.${namespace}.${partition}.${link.remoteName}.external.${exporter.cluster.trustDomain}`;
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
  if (model.aclDefaultPolicy === 'deny' && !allowsPeerSource(exporter, service, req.caller, link.remoteName))
    problems.push({ kind: 'peer-intention-missing', cluster: link.cluster, source: req.caller, peer: link.remoteName });
  return { hops, problems, sni };
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
  const { hops, problems, sni } = peerPath(model, cm, byName, link, {
    caller: instance.service,
    callerDc: instance.datacenter,
    service,
    namespace,
    partition,
    peer,
    mode,
  });
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

/**
 * A chain upstream's report with its peer targets (a failover or redirect to a peer) followed past this cluster: the
 * peer's gateway and exported instance, the exporter's SNI, and the same problems as a peered upstream's.
 */
function withPeerTargets(
  model: MeshModel,
  clusters: readonly ClusterModel[],
  byName: ReadonlyMap<string, ClusterModel>,
  links: ReadonlyMap<string, ReadonlyMap<string, PeerLink>>,
  r: UpstreamReach,
): UpstreamReach {
  if (!r.targets.some((t) => t.datacenter.startsWith('peer:'))) return r;
  const cm = clusters.find((c) => c.cluster.datacenters.includes(r.datacenter));
  if (!cm) return r;
  const targets = r.targets.map((t): TargetPath => {
    if (!t.datacenter.startsWith('peer:')) return t;
    const peer = t.datacenter.slice('peer:'.length);
    const p = peerPath(model, cm, byName, links.get(cm.cluster.name)?.get(peer), {
      caller: r.service,
      callerDc: r.datacenter,
      service: t.service,
      namespace: t.namespace,
      partition: t.partition,
      peer,
      mode: t.mode,
    });
    return { ...t, sni: t.sni || p.sni, hops: p.hops, problems: p.problems, reachable: p.problems.length === 0 };
  });
  if (!r.legs) return { ...r, targets, reachable: targets.some((t) => t.reachable) };
  const legs = r.legs.map((l) => {
    const mine = targets.filter((t) => t.leg === l.label);
    return { ...l, targets: mine, reachable: mine.some((t) => t.reachable) };
  });
  return { ...r, targets, legs, reachable: legs.length > 0 && legs.every((l) => l.reachable) };
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
 * Every upstream's report for `meshcc reach` and `validate --report`: the compiled (chain) upstreams — in a peered
 * mesh with their peer targets followed into the peer (`withPeerTargets`) — then the upstreams that name a peer.
 */
export function meshReachReport(model: MeshModel, upstreams: readonly CompiledUpstream[]): UpstreamReach[] {
  const chains = reachReport(model, upstreams);
  if (!isPeeredMesh(model)) return chains;
  const clusters = splitClusters(model);
  const { links } = peerLinks(model);
  const byName = new Map(clusters.map((c) => [c.cluster.name, c]));
  return [
    ...chains.map((r) => withPeerTargets(model, clusters, byName, links, r)),
    ...reachPeerUpstreams(model, clusters),
  ];
}
