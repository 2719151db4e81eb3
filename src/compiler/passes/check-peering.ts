/**
 * Cluster peering checks over a peered mesh (MC31xx): every datacenter in a cluster, peerings between declared
 * clusters with unique peer names, every peer name a cluster uses (upstreams, resolver failover and redirect targets,
 * intention sources, exported-services consumers, upstream overrides) names one of its peerings, every service
 * imported from a peer is exported to this cluster by that peer, the mesh gateways peering needs are there (an
 * exporting cluster, `PeerThroughMeshGateways`, `local` mode on a peered upstream), and with ACL default deny an
 * intention in the exporting cluster allows the peer source. Pure.
 *
 * Consul facts used: peers dial exported instances directly unless the exporting cluster has a mesh gateway (Consul's
 * default since 1.14 GA; gateways are recommended, so their absence is a warning), `local` mode needs a mesh gateway
 * in the importing cluster, and `PeerThroughMeshGateways` needs one on each side (Consul docs, cluster peering
 * technical specifications); peerings and the
 * services they import are per datacenter (`/v1/peering/token` and `exported-services` act in one datacenter).
 */
import {
  DatacenterOutsideCluster,
  ExportedServiceNotDeployed,
  ExportWithoutGateway,
  PeeredIntentionMissing,
  PeeredLocalModeNoGateway,
  PeeredUpstreamOutsidePrimary,
  PeeringDuplicate,
  PeeringGatewayMissing,
  PeeringUnknownCluster,
  ServiceNotExported,
  UnknownPeer,
} from '../../diagnostics/codes/peering.ts';
import { type At, type Diagnostic, diag, type PassResult } from '../../diagnostics/diagnostic.ts';
import type { ClusterModel, PeerUpstream } from '../../model/clusters.ts';
import type {
  ExportedServicesEntry,
  MeshEntry,
  ProxyDefaultsEntry,
  ServiceDefaultsEntry,
  ServiceIntentionsEntry,
  ServiceResolverEntry,
} from '../../model/entries.ts';
import type { Declared, EntryDecl, GatewayMode, MeshModel } from '../../model/types.ts';
import type { ModeLayer, ModeLayerKind } from '../types.ts';

/** What one cluster knows of a peer by its local name. */
export interface PeerLink {
  /** The cluster on the other side. */
  readonly cluster: string;
  /** The name the other side gives this cluster. */
  readonly remoteName: string;
}

/** The peers of each cluster, by the cluster's name for them. Duplicates and unknown clusters are reported. */
export function peerLinks(model: MeshModel): { links: Map<string, Map<string, PeerLink>>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const names = new Set((model.clusters ?? []).map((c) => c.name));
  const links = new Map<string, Map<string, PeerLink>>();
  for (const c of names) links.set(c, new Map());
  for (const p of model.peerings ?? []) {
    const at = atOf(p);
    let ok = true;
    for (const side of [p.acceptor, p.dialer]) {
      if (!names.has(side.cluster)) {
        diagnostics.push(diag(PeeringUnknownCluster, at, { cluster: side.cluster }));
        ok = false;
      }
    }
    if (!ok) continue;
    for (const [here, there] of [
      [p.acceptor, p.dialer],
      [p.dialer, p.acceptor],
    ] as const) {
      const mine = links.get(here.cluster)!;
      if (mine.has(here.peerName)) {
        diagnostics.push(diag(PeeringDuplicate, at, { cluster: here.cluster, peer: here.peerName }));
        continue;
      }
      mine.set(here.peerName, { cluster: there.cluster, remoteName: there.peerName });
    }
  }
  return { links, diagnostics };
}

function atOf(d: Declared): At {
  return { path: d.path, ...(d.span ? { span: d.span } : {}) };
}

function entriesOf<T>(cm: ClusterModel, kind: string): { decl: EntryDecl; entry: T }[] {
  return cm.model.entries.filter((d) => d.entry.Kind === kind).map((d) => ({ decl: d, entry: d.entry as T }));
}

/** Whether `exporter`'s exported-services lets the peer it calls `consumer` import `service`. */
export function exportsService(exporter: ClusterModel, service: string, consumer: string): boolean {
  return entriesOf<ExportedServicesEntry>(exporter, 'exported-services').some(({ entry }) =>
    entry.Services.some((s) => (s.Name === service || s.Name === '*') && s.Consumers.some((c) => c.Peer === consumer)),
  );
}

/** Whether a cluster has a mesh gateway with a WAN address in its primary datacenter. */
export function hasPeeringGateway(cm: ClusterModel): boolean {
  return cm.model.gateways.some((g) => g.datacenter === cm.cluster.primaryDatacenter && g.wan !== undefined);
}

/**
 * The mesh-gateway mode of a peered upstream with every layer that could set it, highest first: upstream, instance,
 * the caller's service-defaults (an override for this service and peer, the defaults, its own mode), proxy-defaults,
 * else `none`. Consul compiles no chain for such an upstream, so no destination service-defaults layer.
 */
export function peerUpstreamLadder(
  cm: ClusterModel,
  pu: PeerUpstream,
): { readonly mode: GatewayMode; readonly from: ModeLayerKind; readonly layers: readonly ModeLayer[] } {
  const { instance, upstream } = pu;
  const sdDecl = entriesOf<ServiceDefaultsEntry>(cm, 'service-defaults').find((x) => x.entry.Name === instance.service);
  const sd = sdDecl?.entry;
  const override = sd?.UpstreamConfig?.Overrides?.filter(
    (o) => o.Name === upstream.destinationName && o.Peer === upstream.destinationPeer,
  ).at(-1);
  const pdDecl = entriesOf<ProxyDefaultsEntry>(cm, 'proxy-defaults')[0];
  const pd = pdDecl?.entry;
  const at = (d: { path: string; span?: ModeLayer['span'] } | undefined) =>
    d ? { path: d.path, ...(d.span ? { span: d.span } : {}) } : {};
  const caller = `service-defaults '${instance.service}' (the caller)`;
  const missing = sdDecl ? '' : ' (no such entry)';
  const layers: ModeLayer[] = [
    { kind: 'upstream', mode: upstream.meshGateway, note: 'upstreams[].mesh_gateway', ...at(upstream) },
    { kind: 'instance', mode: instance.meshGateway, note: 'proxy.mesh_gateway of the instance', ...at(instance) },
    {
      kind: 'upstream-config-override',
      mode: override?.MeshGateway?.Mode,
      note: `${caller} UpstreamConfig.Overrides for ${upstream.destinationName} on peer ${upstream.destinationPeer}${missing}`,
      ...at(sdDecl?.decl),
    },
    {
      kind: 'upstream-config-defaults',
      mode: sd?.UpstreamConfig?.Defaults?.MeshGateway?.Mode,
      note: `${caller} UpstreamConfig.Defaults${missing}`,
      ...at(sdDecl?.decl),
    },
    { kind: 'service-defaults', mode: sd?.MeshGateway?.Mode, note: `${caller}${missing}`, ...at(sdDecl?.decl) },
    {
      kind: 'proxy-defaults',
      mode: pd?.MeshGateway?.Mode,
      note: pdDecl ? 'proxy-defaults global' : 'proxy-defaults global (no such entry)',
      ...at(pdDecl?.decl),
    },
    { kind: 'builtin-default', mode: 'none', note: "Consul's default: no mesh gateway" },
  ].map((l) => (l.mode === undefined ? (({ mode: _m, ...rest }) => rest)(l) : l)) as ModeLayer[];
  const win = layers.find((l) => l.mode !== undefined)!;
  return { mode: win.mode!, from: win.kind, layers };
}

/** The mesh-gateway mode of a peered upstream (`peerUpstreamLadder`'s winner). */
export function peerUpstreamMode(cm: ClusterModel, pu: PeerUpstream): GatewayMode {
  return peerUpstreamLadder(cm, pu).mode;
}

/** Whether the cluster's intentions allow `source` of peer `peer` to call `service`. */
export function allowsPeerSource(cm: ClusterModel, service: string, source: string, peer: string): boolean {
  let decided: 'allow' | 'deny' | undefined;
  for (const { entry } of entriesOf<ServiceIntentionsEntry>(cm, 'service-intentions')) {
    if (entry.Name !== service && entry.Name !== '*') continue;
    for (const s of entry.Sources) {
      if (s.Peer !== peer || (s.Name !== source && s.Name !== '*')) continue;
      // The exact source and destination win over wildcards (Consul's precedence).
      if (decided === undefined || (s.Name === source && entry.Name === service)) decided = s.Action ?? 'allow';
    }
  }
  return decided === 'allow';
}

/** Checks a peered mesh. `clusters` are the split clusters (`splitClusters`). */
export function checkPeering(model: MeshModel, clusters: readonly ClusterModel[]): PassResult<void> {
  const out: Diagnostic[] = [];
  for (const d of model.datacenters)
    if (d.cluster === undefined) out.push(diag(DatacenterOutsideCluster, atOf(d), { dc: d.name }));
  const { links, diagnostics } = peerLinks(model);
  out.push(...diagnostics);
  const byName = new Map(clusters.map((c) => [c.cluster.name, c]));

  for (const cm of clusters) {
    const name = cm.cluster.name;
    const mine = links.get(name) ?? new Map<string, PeerLink>();
    const known = [...mine.keys()].sort().join(', ');
    /** The peer link for a name, or reports it (MC3102). */
    const peer = (what: string, p: string, at: At): PeerLink | undefined => {
      const link = mine.get(p);
      if (!link) out.push(diag(UnknownPeer, at, { what, peer: p, cluster: name, known }));
      return link;
    };
    const imported = (service: string, p: string, link: PeerLink, at: At): void => {
      const exporter = byName.get(link.cluster);
      if (exporter && !exportsService(exporter, service, link.remoteName))
        out.push(
          diag(ServiceNotExported, at, {
            service,
            peer: p,
            cluster: name,
            exporter: link.cluster,
            name: link.remoteName,
          }),
        );
    };

    for (const pu of cm.peerUpstreams) {
      const { instance, upstream } = pu;
      const at = atOf(upstream);
      const p = upstream.destinationPeer;
      if (instance.datacenter !== cm.cluster.primaryDatacenter)
        out.push(
          diag(PeeredUpstreamOutsidePrimary, at, {
            upstream: upstream.path,
            dc: instance.datacenter,
            cluster: name,
            primary: cm.cluster.primaryDatacenter,
          }),
        );
      const link = peer(`upstream '${upstream.path}'`, p, at);
      if (!link) continue;
      imported(upstream.destinationName, p, link, at);
      if (peerUpstreamMode(cm, pu) === 'local' && !cm.model.gateways.some((g) => g.datacenter === instance.datacenter))
        out.push(diag(PeeredLocalModeNoGateway, at, { upstream: upstream.path, dc: instance.datacenter }));
      const exporter = byName.get(link.cluster);
      if (
        exporter &&
        model.aclDefaultPolicy === 'deny' &&
        !allowsPeerSource(exporter, upstream.destinationName, instance.service, link.remoteName)
      )
        out.push(
          diag(PeeredIntentionMissing, at, {
            source: instance.service,
            peer: link.remoteName,
            service: upstream.destinationName,
            cluster: link.cluster,
          }),
        );
    }

    for (const { decl, entry } of entriesOf<ServiceResolverEntry>(cm, 'service-resolver')) {
      const at = atOf(decl);
      const targets = [
        ...(entry.Redirect?.Peer ? [{ where: 'Redirect', t: entry.Redirect }] : []),
        ...Object.entries(entry.Failover ?? {}).flatMap(([k, f]) =>
          (f.Targets ?? []).filter((t) => t.Peer).map((t) => ({ where: `Failover[${k}]`, t })),
        ),
      ];
      for (const { where, t } of targets) {
        const p = t.Peer!;
        const link = peer(`service-resolver '${entry.Name}' ${where}`, p, at);
        if (link) imported(t.Service || entry.Name, p, link, at);
      }
    }
    for (const { decl, entry } of entriesOf<ServiceIntentionsEntry>(cm, 'service-intentions'))
      for (const s of entry.Sources)
        if (s.Peer) peer(`the intention from '${s.Name}' to '${entry.Name}'`, s.Peer, atOf(decl));
    for (const { decl, entry } of entriesOf<ServiceDefaultsEntry>(cm, 'service-defaults'))
      for (const o of entry.UpstreamConfig?.Overrides ?? [])
        if (o.Peer)
          peer(`service-defaults '${entry.Name}' UpstreamConfig override for '${o.Name}'`, o.Peer, atOf(decl));

    const exportsAny = entriesOf<ExportedServicesEntry>(cm, 'exported-services');
    for (const { decl, entry } of exportsAny) {
      const at = atOf(decl);
      for (const s of entry.Services) {
        for (const c of s.Consumers) if (c.Peer) peer(`exported-services (service '${s.Name}')`, c.Peer, at);
        if (s.Name !== '*' && !cm.model.instances.some((i) => i.service === s.Name))
          out.push(diag(ExportedServiceNotDeployed, at, { service: s.Name, cluster: name }));
      }
    }
    const gateway = hasPeeringGateway(cm);
    const exporting = exportsAny.find(({ entry }) => entry.Services.length > 0);
    if (exporting && !gateway) out.push(diag(ExportWithoutGateway, atOf(exporting.decl), { cluster: name }));
    const meshEntry = entriesOf<MeshEntry>(cm, 'mesh').find((m) => m.entry.Peering?.PeerThroughMeshGateways === true);
    if (meshEntry && !gateway)
      out.push(
        diag(PeeringGatewayMissing, atOf(meshEntry.decl), {
          cluster: name,
          reason: 'its mesh entry sets Peering.PeerThroughMeshGateways (peering control-plane traffic goes through it)',
        }),
      );
  }
  return { value: undefined, diagnostics: out };
}
