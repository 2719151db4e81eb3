/**
 * MC4xxx: emit and platform consistency. Mostly mirrors of the consul-k8s chart's template `fail` rules and of
 * what a Consul agent refuses at start, reported at the construct's line before anything is written, so that
 * `helm template` and `consul agent` never fail on meshcc's output.
 */
import { def } from '../diagnostic.ts';

export const FederationWithoutTls = def<{ dc: string }>(
  'MC4001',
  'error',
  'federation without TLS',
  (a) =>
    `datacenter ${a.dc} is WAN-federated through mesh gateways but has tls: false; the consul-k8s chart fails with ` +
    `"If global.federation.enabled is true, global.tls.enabled must be true because federation is only supported with TLS enabled"`,
  'set tls: true on the datacenter (the default)',
);

export const FederationWithoutGateway = def<{ dc: string }>(
  'MC4002',
  'error',
  'federation without a mesh gateway',
  (a) =>
    `datacenter ${a.dc} is part of a multi-datacenter mesh but has no MeshGateway; federation through mesh ` +
    `gateways needs one in every datacenter (the consul-k8s chart fails with "If global.federation.enabled is true, ` +
    `meshGateway.enabled must be true because mesh gateways are required for federation")`,
  'add a MeshGateway to the datacenter',
);

export const SecondaryWithoutFederationSecret = def<{ dc: string }>(
  'MC4003',
  'error',
  'secondary without federation secret',
  (a) =>
    `Kubernetes secondary ${a.dc} has no federation secret name; its CA, replication token and server config ` +
    `come from the primary's federation secret`,
  "set kubernetes.federationSecretName (default '<primary release name>-federation')",
);

export const StaticWanAddressWithoutValue = def<{ gateway: string; dc: string }>(
  'MC4004',
  'error',
  'Static WAN address without a value',
  (a) =>
    `mesh gateway ${a.gateway} in ${a.dc} has wanAddressSource 'Static' but no wan.address; the chart fails with ` +
    `"if meshGateway.wanAddress.source=Static then meshGateway.wanAddress.static cannot be empty"`,
  'set wan: { address, port } on the gateway, or pick another wanAddressSource',
);

export const NodePortWithoutPort = def<{ gateway: string; dc: string }>(
  'MC4005',
  'error',
  'NodePort gateway without nodePort',
  (a) =>
    `mesh gateway ${a.gateway} in ${a.dc} uses serviceType NodePort with wanAddressSource Service but sets no ` +
    `nodePort; the chart fails with "if meshGateway.wanAddress.source=Service and meshGateway.service.type=NodePort, ` +
    `meshGateway.service.nodePort must be set"`,
  'set nodePort on the gateway',
);

export const ConflictingPorts = def<{ what: string; other: string; address: string; port: number }>(
  'MC4006',
  'error',
  'conflicting ports',
  (a) => `${a.what} and ${a.other} both want ${a.address}:${a.port}`,
  'give one of them another port',
);

export const GatewayNameWithManagedAcls = def<{ gateway: string; dc: string }>(
  'MC4007',
  'error',
  'gateway name cannot be changed with chart-managed ACLs',
  (a) =>
    `mesh gateway ${a.gateway} in Kubernetes datacenter ${a.dc} is not named 'mesh-gateway' but ACLs are managed by ` +
    `the chart; the chart fails with "if global.acls.manageSystemACLs is true, meshGateway.consulServiceName cannot be set"`,
  "name the gateway 'mesh-gateway'",
);

export const MultipleGatewaysOnKubernetes = def<{ dc: string; count: number }>(
  'MC4008',
  'error',
  'more than one mesh gateway on Kubernetes',
  (a) => `Kubernetes datacenter ${a.dc} declares ${a.count} mesh gateways; the consul-k8s chart deploys exactly one`,
  'declare one MeshGateway and raise its instances instead',
);

export const ModeNotExpressibleOnKubernetes = def<{ what: string; dc: string; mode: string }>(
  'MC4009',
  'warning',
  'mesh-gateway mode not expressible as pod annotation',
  (a) =>
    `${a.what} in Kubernetes datacenter ${a.dc} sets mesh gateway mode '${a.mode}', which consul-k8s pod ` +
    `annotations cannot carry; the emitted annotations leave it out`,
  'set the mode with ServiceDefaults (UpstreamConfig) or ProxyDefaults instead',
);

export const NoPrimaryGatewayWanAddress = def<{ dc: string; primary: string }>(
  'MC4010',
  'error',
  'no primary gateway WAN address',
  (a) =>
    `secondary ${a.dc} must list the primary's mesh gateways (primary_gateways), but no gateway in primary ` +
    `${a.primary} has a WAN address`,
  'give a mesh gateway in the primary datacenter a wan address',
);

export const InvalidServerCount = def<{ dc: string; servers: number }>(
  'MC4011',
  'error',
  'invalid server count',
  (a) => `datacenter ${a.dc} declares ${a.servers} Consul servers; at least 1 is needed`,
  'set servers to 1, 3 or 5',
);

export const NodePortWanPortMismatch = def<{ gateway: string; dc: string; nodePort: number; port: number }>(
  'MC4012',
  'error',
  'NodePort gateway advertises another WAN port',
  (a) =>
    `mesh gateway ${a.gateway} in ${a.dc} is a NodePort Service with wanAddressSource Service, so the chart ` +
    `registers it with the node port ${a.nodePort} as its WAN port (meshGateway.service.nodePort), but wan.port ` +
    `is ${a.port}; other datacenters would dial port ${a.port}`,
  'set wan.port to the nodePort, or pick wanAddressSource NodeIP/NodeName/Static, which advertise wan.port',
);

export const InvalidHelmReleaseName = def<{ dc: string; release: string }>(
  'MC4013',
  'error',
  'invalid Helm release name',
  (a) =>
    `Kubernetes datacenter ${a.dc} has releaseName '${a.release}', which helm refuses: helm fails with ` +
    `"invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"`,
  'use lower-case letters, digits, dashes and dots, at most 53 characters (the release name also prefixes every resource)',
);

export const NodePortOutsideDefaultRange = def<{ gateway: string; dc: string; nodePort: number }>(
  'MC4014',
  'warning',
  'nodePort outside the default NodePort range',
  (a) =>
    `mesh gateway ${a.gateway} in ${a.dc} sets nodePort ${a.nodePort}, outside Kubernetes' default NodePort range; ` +
    `an API server with the default --service-node-port-range refuses the Service with "provided port is not in the ` +
    `valid range. The range of valid ports is 30000-32767"`,
  'pick a nodePort in 30000-32767, or suppress this warning if the cluster is configured with a wider range',
);

export const VmFederationWithoutTls = def<{ dc: string }>(
  'MC4015',
  'error',
  'federation through mesh gateways without server TLS',
  (a) =>
    `VM datacenter ${a.dc} is WAN-federated through mesh gateways but has tls: false; its servers refuse to dial ` +
    `through a gateway: "cannot dial via a mesh gateway when outgoing TLS is disabled"`,
  'set tls: true on the datacenter and give each server a certificate naming <node>.server.<dc>.consul (consul tls cert create -server -dc <dc> -node <node>)',
);

export const PeeringChartRequirement = def<{ dc: string; requirement: string }>(
  'MC4016',
  'error',
  'the chart refuses cluster peering without TLS, connectInject or a mesh gateway',
  (a) =>
    `Kubernetes datacenter ${a.dc} takes part in a cluster peering; the chart fails with ` +
    `"setting global.peering.enabled to true requires ${a.requirement} to be true"`,
  (a) =>
    a.requirement === 'meshGateway.enabled'
      ? 'add a MeshGateway to this datacenter'
      : a.requirement === 'global.tls.enabled'
        ? 'set tls: true on the datacenter'
        : 'enable Connect in the datacenter',
);
