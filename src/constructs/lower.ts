/**
 * Lowers a construct tree to the plain MeshModel. It lives beside the constructs it reads and is the only way out of
 * them: the model below knows nothing of constructs, and after lowering the compiler sees data only. Facts that are
 * not local to one construct (exactly one primary, references between datacenters) are left for the validation
 * passes, so every problem is reported with its location, not thrown.
 */
import type { IConstruct } from 'constructs';
import type { IntentionSource, ServiceIntentionsEntry } from '../model/entries.ts';
import type {
  ClusterDecl,
  DatacenterDecl,
  Declared,
  EntryDecl,
  MeshGatewayDecl,
  MeshModel,
  PeeringDecl,
  ServiceDecl,
  ServiceInstanceDecl,
  SourceSpan,
  UpstreamDecl,
} from '../model/types.ts';
import { Cluster } from './cluster.ts';
import { Datacenter } from './datacenter.ts';
import { ExportedServices } from './exported-services.ts';
import { Intention } from './intention.ts';
import { suppressionsOf } from './internal/base.ts';
import type { Mesh } from './mesh.ts';
import { MeshConfig } from './mesh-config.ts';
import { MeshGateway } from './mesh-gateway.ts';
import { Peering } from './peering.ts';
import { ProxyDefaults } from './proxy-defaults.ts';
import { Service } from './service.ts';
import { ServiceDefaults } from './service-defaults.ts';
import { ServiceInstance } from './service-instance.ts';
import { ServiceResolver } from './service-resolver.ts';
import { ServiceRouter } from './service-router.ts';
import { ServiceSplitter } from './service-splitter.ts';

/**
 * What a declaration has besides its path: its span and suppressions, when set. Declarations are written
 * `{ path: c.node.path, ...declaredRest(c), ... }`, never `{ ...decl, ... }`: in V8 (Node 20) a literal that
 * starts with a spread and goes on with more properties gives every object a hidden class of its own (see
 * model/data-copy.ts), and the compiler reads these objects' fields tens of thousands of times per compile.
 */
function declaredRest(c: IConstruct & { span?: SourceSpan | undefined }): Omit<Declared, 'path'> {
  const suppressions = suppressionsOf(c as never);
  return {
    ...(c.span ? { span: c.span } : {}),
    ...(suppressions.length ? { suppressions } : {}),
  };
}

/** The cluster a construct was declared in (its nearest Cluster scope), if any. */
function clusterOf(c: IConstruct): Cluster | undefined {
  for (let s: IConstruct | undefined = c.node.scope; s; s = s.node.scope) if (s instanceof Cluster) return s;
  return undefined;
}

/** The primary of a group of datacenters: the one marked primary; with none marked, the first (validation reports it). */
function primaryOfGroup(dcs: readonly Datacenter[]): Datacenter | undefined {
  return dcs.find((d) => d.props.primary) ?? dcs[0];
}

function lowerDatacenters(all: readonly IConstruct[]): { dcs: DatacenterDecl[]; primary: string } {
  const dcs = all.filter((c): c is Datacenter => c instanceof Datacenter);
  // Each cluster has its own primary; datacenters outside any cluster form the implicit one.
  const groups = new Map<Cluster | undefined, Datacenter[]>();
  for (const d of dcs) {
    const k = clusterOf(d);
    groups.set(k, [...(groups.get(k) ?? []), d]);
  }
  const primary = primaryOfGroup(groups.get(undefined) ?? dcs)?.name ?? '';
  const decls = dcs.map((d): DatacenterDecl => {
    const cluster = clusterOf(d);
    const primaryDc = primaryOfGroup(groups.get(cluster) ?? []);
    const groupPrimary = primaryDc?.name ?? '';
    const p = d.props;
    const k = p.kubernetes;
    const primaryRelease = primaryDc?.props.kubernetes?.releaseName ?? 'consul';
    return {
      path: d.node.path,
      ...declaredRest(d),
      name: d.name,
      primary: p.primary === true,
      platform: p.platform,
      connectEnabled: p.connectEnabled ?? true,
      primaryDatacenter: p.primaryDatacenter ?? groupPrimary,
      network: p.network ?? d.name,
      servers: p.servers ?? 3,
      tls: p.tls ?? true,
      ...(p.platform === 'kubernetes'
        ? {
            kubernetes: {
              releaseName: k?.releaseName ?? 'consul',
              namespace: k?.namespace ?? 'consul',
              ...(k?.k8sAuthMethodHost ? { k8sAuthMethodHost: k.k8sAuthMethodHost } : {}),
              ...(p.primary ? {} : { federationSecretName: k?.federationSecretName ?? `${primaryRelease}-federation` }),
            },
          }
        : {}),
      ...(cluster ? { cluster: cluster.name } : {}),
    };
  });
  return { dcs: decls, primary };
}

function lowerGateway(g: MeshGateway): MeshGatewayDecl {
  const p = g.props;
  const dcPlatform = g.datacenter.props.platform;
  return {
    path: g.node.path,
    ...declaredRest(g),
    name: g.name,
    datacenter: g.datacenter.name,
    lan: { address: p.lan.address, port: p.lan.port },
    ...(p.wan ? { wan: { address: p.wan.address, port: p.wan.port } } : {}),
    ...(dcPlatform === 'kubernetes' ? { wanAddressSource: p.wanAddressSource ?? 'Service' } : {}),
    instances: p.instances ?? 1,
    ...(dcPlatform === 'kubernetes' ? { serviceType: p.serviceType ?? 'LoadBalancer' } : {}),
    ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
    implementation: p.implementation ?? 'envoy',
    ...(p.implementation === 'meshcc' ? { adminPort: p.adminPort ?? 19100 } : {}),
  };
}

function lowerInstance(i: ServiceInstance): ServiceInstanceDecl {
  const p = i.props;
  const upstreams = i.upstreams.map(
    (u): UpstreamDecl => ({
      path: u.node.path,
      ...declaredRest(u),
      destinationName: u.destinationName,
      destinationNamespace: u.destinationNamespace,
      destinationPartition: u.destinationPartition,
      ...(u.datacenterName !== undefined ? { datacenter: u.datacenterName } : {}),
      localBindPort: u.props.localBindPort,
      ...(u.props.localBindAddress ? { localBindAddress: u.props.localBindAddress } : {}),
      ...(u.props.meshGateway ? { meshGateway: u.props.meshGateway } : {}),
      ...(u.props.config ? { config: { ...u.props.config } } : {}),
      ...(u.props.peer ? { destinationPeer: u.props.peer } : {}),
    }),
  );
  return {
    path: i.node.path,
    ...declaredRest(i),
    service: i.service.name,
    namespace: i.service.namespace,
    partition: i.service.partition,
    datacenter: i.datacenter.name,
    ...(p.address ? { address: p.address } : {}),
    port: p.port,
    count: p.count ?? 1,
    ...(p.meshGateway ? { meshGateway: p.meshGateway } : {}),
    upstreams,
    ...(p.tags ? { tags: [...p.tags] } : {}),
    ...(p.meta && Object.keys(p.meta).length ? { meta: { ...p.meta } } : {}),
    ...(p.group ? { group: p.group } : {}),
  };
}

/** Merges intentions per destination into service-intentions entries, in declaration order of destinations. */
function lowerIntentions(intentions: readonly Intention[]): EntryDecl[] {
  const byDest = new Map<string, { first: Intention; dest: string; sources: IntentionSource[] }>();
  for (const it of intentions) {
    // One entry per destination, per cluster (an intention declared in a cluster goes to that cluster only).
    const cluster = clusterOf(it)?.name;
    const key = cluster === undefined ? it.destinationName : `${cluster}\u0000${it.destinationName}`;
    const group = byDest.get(key) ?? { first: it, dest: it.destinationName, sources: [] };
    group.sources.push({
      Name: it.sourceName,
      ...(it.props.sourcePeer ? { Peer: it.props.sourcePeer } : {}),
      Action: it.props.action,
      ...(it.props.description ? { Description: it.props.description } : {}),
    });
    byDest.set(key, group);
  }
  return [...byDest.values()].map((g): EntryDecl => {
    const entry: ServiceIntentionsEntry = { Kind: 'service-intentions', Name: g.dest, Sources: g.sources };
    const cluster = clusterOf(g.first)?.name;
    return {
      path: g.first.node.path,
      ...declaredRest(g.first),
      entry,
      origin: 'construct',
      ...(cluster ? { cluster } : {}),
    };
  });
}

/** Lowers a Mesh construct tree (plus raw entries read from files) to the plain model. */
export function lowerMesh(mesh: Mesh, fileEntries: readonly EntryDecl[] = []): MeshModel {
  const all = mesh.node.findAll();
  const { dcs, primary } = lowerDatacenters(all);
  const services = all
    .filter((c): c is Service => c instanceof Service)
    .map(
      (s): ServiceDecl => ({
        path: s.node.path,
        ...declaredRest(s),
        name: s.name,
        namespace: s.namespace,
        partition: s.partition,
      }),
    );
  const entries: EntryDecl[] = [];
  for (const c of all) {
    if (
      c instanceof ProxyDefaults ||
      c instanceof ServiceDefaults ||
      c instanceof ServiceResolver ||
      c instanceof ServiceRouter ||
      c instanceof ServiceSplitter ||
      c instanceof ExportedServices ||
      c instanceof MeshConfig
    ) {
      const cluster = clusterOf(c)?.name;
      entries.push({
        path: c.node.path,
        ...declaredRest(c),
        entry: c._toEntry(),
        origin: 'construct',
        ...(cluster ? { cluster } : {}),
      });
    }
  }
  entries.push(...lowerIntentions(all.filter((c): c is Intention => c instanceof Intention)));
  entries.push(...fileEntries);
  const rootSuppressions = suppressionsOf(mesh);
  const clusters = lowerClusters(all, dcs);
  const peerings = all
    .filter((c): c is Peering => c instanceof Peering)
    .map(
      (p): PeeringDecl => ({
        path: p.node.path,
        ...declaredRest(p),
        acceptor: { cluster: p.props.acceptor.cluster.name, peerName: p.props.acceptor.peerName },
        dialer: { cluster: p.props.dialer.cluster.name, peerName: p.props.dialer.peerName },
      }),
    );
  return {
    name: mesh.node.id,
    path: mesh.node.path || mesh.node.id,
    ...(mesh.span ? { span: mesh.span } : {}),
    clusterId: mesh.clusterId,
    trustDomain: mesh.trustDomain,
    primaryDatacenter: primary,
    aclDefaultPolicy: mesh.aclDefaultPolicy,
    aclsEnabled: mesh.aclsEnabled,
    datacenters: dcs,
    gateways: all.filter((c): c is MeshGateway => c instanceof MeshGateway).map(lowerGateway),
    services,
    instances: all.filter((c): c is ServiceInstance => c instanceof ServiceInstance).map(lowerInstance),
    entries,
    ...(clusters.length ? { clusters } : {}),
    ...(peerings.length ? { peerings } : {}),
    ...(rootSuppressions.length ? { suppressions: rootSuppressions } : {}),
  };
}

function lowerClusters(all: readonly IConstruct[], dcs: readonly DatacenterDecl[]): ClusterDecl[] {
  return all
    .filter((c): c is Cluster => c instanceof Cluster)
    .map((c): ClusterDecl => {
      const mine = dcs.filter((d) => d.cluster === c.name);
      return {
        path: c.node.path,
        ...declaredRest(c),
        name: c.name,
        clusterId: c.clusterId,
        trustDomain: c.trustDomain,
        primaryDatacenter: (mine.find((d) => d.primary) ?? mine[0])?.name ?? '',
        datacenters: mine.map((d) => d.name),
      };
    });
}
