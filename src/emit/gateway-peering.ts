/**
 * The peering routes of one cluster's bundled gateways (`routes.peering`, `routes.peers`, and the `...external...`
 * names of exported services), computed from the peered model. Names as Consul builds them (v1.22):
 *
 * - `server.<dc>.peering.<td>` (`connect.PeeringServerSAN`): peers dial a cluster's servers by it. Inbound
 *   (`routes.peering`, to the local servers' gRPC TLS port, discovered) when this cluster's `mesh` entry sets
 *   `Peering.PeerThroughMeshGateways`; outbound (in the peer's `routes.peers` entry, to the peer's gateways) when this
 *   cluster also dials that peering (only the dialer's servers open the peering stream; Consul's gateway, in
 *   `agent/proxycfg/mesh_gateway.go`, builds outbound peer-server routes only for peerings that `ShouldDial()`, and
 *   only with `PeerThroughMeshGateways`).
 * - `<svc>.<ns>.<partition>.<name>.external.<td>` (`connect.PeeredServiceSNI`), built by the exporting cluster with
 *   its own trust domain and its name for the importer. Outbound: every peer target the gateway's datacenter uses
 *   (upstreams with `peer`, failover/redirect targets of its chains) routes to that peer's gateways. Inbound: every
 *   service this cluster exports to a peer routes to its local sidecars.
 *
 * Only a cluster's primary datacenter peers (docs/peering.md); gateways elsewhere get none of these routes. A peer
 * with no gateway with a WAN address in its primary gets no `routes.peers` entry (MC3105 reports that for
 * `PeerThroughMeshGateways`). Pure.
 */
import type { PeeredCompilation } from '../compiler/compile-clusters.ts';
import { peeredServiceSni } from '../compiler/sni.ts';
import type { Compilation } from '../compiler/types.ts';
import type { ExportedServicesEntry, MeshEntry } from '../model/entries.ts';
import { byString, gatewaysIn } from '../model/topology.ts';

export interface PeerEndpoint {
  readonly address: string;
  readonly port: number;
}

/** A peer reached through its gateways by the exact names it serves (`routes.peers[]`). */
export interface PeerRoute {
  readonly peer: string;
  readonly snis: readonly string[];
  readonly gateways: readonly PeerEndpoint[];
}

/** A service this cluster exports, under the name a peer dials it by. */
export interface ExportedSni {
  readonly sni: string;
  readonly service: string;
  readonly namespace: string;
}

/** What a cluster's primary-datacenter gateways serve for its peerings. */
export interface ClusterPeeringRoutes {
  /** The primary datacenter (the only one whose gateways get these routes). */
  readonly datacenter: string;
  /** `routes.peering` is emitted (the cluster's `mesh` entry sets `PeerThroughMeshGateways`). */
  readonly peerThroughMeshGateways: boolean;
  readonly peers: readonly PeerRoute[];
  readonly exported: readonly ExportedSni[];
}

/** `connect.PeeringServerSAN`: the name peers dial a datacenter's servers by. */
export function peeringServerName(datacenter: string, trustDomain: string): string {
  return `server.${datacenter}.peering.${trustDomain}`;
}

function peerThroughMeshGateways(c: Compilation): boolean {
  return c.entries.some((e) => e.Kind === 'mesh' && (e as MeshEntry).Peering?.PeerThroughMeshGateways === true);
}

/** Services of peer `peerName` that callers in `datacenter` use: `destination_peer` upstreams and chain targets. */
function importedServices(
  pc: PeeredCompilation,
  cluster: string,
  datacenter: string,
  peerName: string,
): { service: string; namespace: string; partition: string }[] {
  const cc = pc.clusters.find((c) => c.cluster.name === cluster)!;
  const found = new Map<string, { service: string; namespace: string; partition: string }>();
  const add = (service: string, namespace: string, partition: string) =>
    found.set(`${partition}/${namespace}/${service}`, { service, namespace, partition });
  for (const pu of cc.peerUpstreams) {
    if (pu.instance.datacenter !== datacenter || pu.upstream.destinationPeer !== peerName) continue;
    add(pu.upstream.destinationName, pu.upstream.destinationNamespace, pu.upstream.destinationPartition);
  }
  for (const u of cc.compilation.upstreams) {
    if (u.datacenter !== datacenter || !u.chain) continue;
    for (const t of Object.values(u.chain.Targets)) if (t.Peer === peerName) add(t.Service, t.Namespace, t.Partition);
  }
  return [...found.values()];
}

/** The peering routes of `cluster`'s primary-datacenter gateways. */
export function clusterPeeringRoutes(pc: PeeredCompilation, cluster: string): ClusterPeeringRoutes {
  const cc = pc.clusters.find((c) => c.cluster.name === cluster)!;
  const self = cc.cluster;
  const ptmg = peerThroughMeshGateways(cc.compilation);
  const peers: PeerRoute[] = [];
  for (const p of pc.model.peerings ?? []) {
    const mine = p.acceptor.cluster === cluster ? p.acceptor : p.dialer.cluster === cluster ? p.dialer : undefined;
    if (!mine) continue;
    const theirs = mine === p.acceptor ? p.dialer : p.acceptor;
    const other = pc.clusters.find((c) => c.cluster.name === theirs.cluster)?.cluster;
    if (!other) continue;
    const gateways = gatewaysIn(pc.model, other.primaryDatacenter)
      .flatMap((g) => (g.wan ? [{ address: g.wan.address, port: g.wan.port }] : []))
      .sort((a, b) => byString(a.address, b.address) || a.port - b.port);
    if (gateways.length === 0) continue;
    const snis = new Set<string>();
    if (ptmg && mine === p.dialer) snis.add(peeringServerName(other.primaryDatacenter, other.trustDomain));
    for (const s of importedServices(pc, cluster, self.primaryDatacenter, mine.peerName))
      snis.add(peeredServiceSni(s.service, s.namespace, s.partition, theirs.peerName, other.trustDomain));
    if (snis.size === 0) continue;
    peers.push({ peer: mine.peerName, snis: [...snis].sort(byString), gateways });
  }
  const exported = new Map<string, ExportedSni>();
  for (const e of cc.compilation.entries) {
    if (e.Kind !== 'exported-services') continue;
    const x = e as ExportedServicesEntry;
    for (const s of x.Services)
      for (const consumer of s.Consumers)
        if (consumer.Peer) {
          const sni = peeredServiceSni(s.Name, s.Namespace ?? '', x.Partition ?? '', consumer.Peer, self.trustDomain);
          exported.set(sni, { sni, service: s.Name, namespace: s.Namespace || 'default' });
        }
  }
  return {
    datacenter: self.primaryDatacenter,
    peerThroughMeshGateways: ptmg,
    peers: peers.sort((a, b) => byString(a.peer, b.peer)),
    exported: [...exported.values()].sort((a, b) => byString(a.sni, b.sni)),
  };
}
