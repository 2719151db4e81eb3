/**
 * MC31xx: cluster peering — clusters, peerings, peered upstreams and failover/redirect targets, exported services,
 * peering through mesh gateways, intentions from peers. See `docs/peering.md` and `docs/diagnostics.md`.
 */
import { def } from '../diagnostic.ts';

export const DatacenterOutsideCluster = def<{ dc: string }>(
  'MC3101',
  'error',
  'datacenter outside every cluster of a peered mesh',
  (a) =>
    `datacenter '${a.dc}' belongs to no cluster, but the mesh declares clusters; each datacenter must belong to exactly one cluster`,
  'create the Datacenter inside a Cluster (`new Datacenter(cluster, ...)`)',
);

export const UnknownPeer = def<{ what: string; peer: string; cluster: string; known: string }>(
  'MC3102',
  'error',
  'peer name the cluster has no peering for',
  (a) =>
    `${a.what} names peer '${a.peer}', but cluster '${a.cluster}' has no peering of that name (its peers: ${a.known || 'none'})`,
  (a) => `add a Peering that gives cluster '${a.cluster}' the peer name '${a.peer}', or use one of its peer names`,
);

export const ServiceNotExported = def<{
  service: string;
  peer: string;
  cluster: string;
  exporter: string;
  name: string;
}>(
  'MC3103',
  'error',
  'peered service not exported to the importing cluster',
  (a) =>
    `cluster '${a.cluster}' imports '${a.service}' from peer '${a.peer}', but cluster '${a.exporter}' does not export '${a.service}' to it ` +
    `(its exported-services has no consumer Peer = '${a.name}' for that service); Consul returns no instances for it`,
  (a) => `export '${a.service}' from cluster '${a.exporter}' to peer '${a.name}' (ExportedServices)`,
);

export const ExportedServiceNotDeployed = def<{ service: string; cluster: string }>(
  'MC3104',
  'warning',
  'exported service has no instance in its cluster',
  (a) => `cluster '${a.cluster}' exports '${a.service}', which has no instance in any of its datacenters`,
  'deploy the service in this cluster, or stop exporting it',
);

export const PeeringGatewayMissing = def<{ cluster: string; reason: string }>(
  'MC3105',
  'error',
  'cluster peering needs a mesh gateway in this cluster',
  (a) => `cluster '${a.cluster}' has no mesh gateway with a WAN address in its primary datacenter, but ${a.reason}`,
  "add a MeshGateway with a `wan` address to the cluster's primary datacenter",
);

export const PeeredLocalModeNoGateway = def<{ upstream: string; dc: string }>(
  'MC3106',
  'error',
  "peered upstream in mode 'local' without a mesh gateway in the caller's datacenter",
  (a) =>
    `upstream '${a.upstream}' reaches its peer through the local mesh gateway (mode 'local'), but datacenter '${a.dc}' has no mesh gateway; Consul requires a mesh gateway in the importing cluster for local mode`,
  "add a MeshGateway to this datacenter, or set the upstream's meshGateway mode to 'remote' or 'none'",
);

export const PeeredIntentionMissing = def<{ source: string; peer: string; service: string; cluster: string }>(
  'MC3107',
  'error',
  'no intention allows the peer source',
  (a) =>
    `'${a.source}' from peer '${a.peer}' calls '${a.service}' in cluster '${a.cluster}', whose ACL default policy is deny, and no intention there allows Peer '${a.peer}' / '${a.source}'`,
  (a) => `add an Intention in cluster '${a.cluster}' from '${a.source}' with sourcePeer '${a.peer}' to '${a.service}'`,
);

export const PeeringDuplicate = def<{ cluster: string; peer: string }>(
  'MC3108',
  'error',
  'peer name used twice in one cluster',
  (a) =>
    `cluster '${a.cluster}' gives the peer name '${a.peer}' to more than one peering; peer names are unique per cluster`,
  'give each peering its own peer name on this side',
);

export const PeeringUnknownCluster = def<{ cluster: string }>(
  'MC3109',
  'error',
  'peering names a cluster the mesh does not declare',
  (a) => `the peering names cluster '${a.cluster}', which this mesh does not declare`,
  'create the Cluster in this mesh, or peer one of its clusters',
);

export const PeeredUpstreamOutsidePrimary = def<{ upstream: string; dc: string; cluster: string; primary: string }>(
  'MC3110',
  'error',
  "peered reference outside the cluster's primary datacenter",
  (a) =>
    `upstream '${a.upstream}' in datacenter '${a.dc}' targets a peer, but meshcc peers cluster '${a.cluster}' from its primary datacenter '${a.primary}' only; Consul imports peered services per datacenter`,
  (a) => `call the peer's service from '${a.primary}', or reach it through a service there`,
);

export const ExportWithoutGateway = def<{ cluster: string }>(
  'MC3111',
  'warning',
  'exporting cluster without a mesh gateway',
  (a) =>
    `cluster '${a.cluster}' exports services to peers but has no mesh gateway with a WAN address in its primary datacenter; ` +
    "peers then dial its service instances directly (Consul's default), which needs a flat network between the clusters",
  "add a MeshGateway with a `wan` address to the cluster's primary datacenter (recommended for peering)",
);
