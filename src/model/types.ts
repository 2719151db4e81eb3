/**
 * The plain, JSON-serialisable mesh model. The compiler sees only this: no construct objects, no classes, no I/O.
 *
 * Constructs lower to it (`constructs/lower.ts`) and raw config-entry files join it (`input/`). Config entries
 * (proxy-defaults, service-defaults, service-resolver, service-intentions, ...) are kept in Consul's own API shape
 * (`ConfigEntry`), so the compiler reads them the way Consul does.
 */
import type { ConfigEntry } from './entries.ts';
import type { GatewayMode } from './gateway-mode.ts';

export type { GatewayMode } from './gateway-mode.ts';

/** Where in a source file something was declared. `line` and `column` are 1-based. */
export interface SourceSpan {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A construct path such as `multi-dc/dc1/web/upstreams/payments`, or `entries/currency.hcl#Failover` for raw files. */
export type ConstructPath = string;

/** Anything declared somewhere: its construct path and, when known, the source location. */
export interface Declared {
  readonly path: ConstructPath;
  readonly span?: SourceSpan;
  /** Suppressed diagnostic codes on this declaration, with the reason (never silent: reported as suppressed). */
  readonly suppressions?: readonly Suppression[];
}

export interface Suppression {
  readonly code: string;
  readonly reason: string;
}

export type Platform = 'kubernetes' | 'vm';

export interface DatacenterDecl extends Declared {
  readonly name: string;
  /** True for the primary datacenter (the one config-entry writes and the Connect root CA live in). */
  readonly primary: boolean;
  readonly platform: Platform;
  /** Whether Connect is enabled in this datacenter. */
  readonly connectEnabled: boolean;
  /** The primary datacenter this datacenter's servers are configured with (normally the mesh's primary). */
  readonly primaryDatacenter: string;
  /**
   * Network name: datacenters on the same network can reach each other's service instances directly (flat
   * network); otherwise traffic between them must go through mesh gateways. Defaults to the datacenter's name.
   */
  readonly network: string;
  /** Consul servers in this datacenter (Helm `server.replicas`, agent `bootstrap_expect`). */
  readonly servers: number;
  /** TLS on the Consul agents (RPC/HTTPS). Required for WAN federation through mesh gateways on Kubernetes. */
  readonly tls: boolean;
  /** Kubernetes-only settings (Helm values). */
  readonly kubernetes?: KubernetesSettings;
  /** The cluster (own primary, own trust domain) this datacenter belongs to; absent in a single-cluster mesh. */
  readonly cluster?: string;
}

export interface KubernetesSettings {
  /** Helm `global.name`: resource-name prefix; federation secret is `<name>-federation`. */
  readonly releaseName: string;
  readonly namespace: string;
  /** Secondary only: kube API of this cluster as reachable from the primary's servers (`k8sAuthMethodHost`). */
  readonly k8sAuthMethodHost?: string;
  /** Name of the federation secret copied from the primary (secondaries). Defaults to `<primary releaseName>-federation`. */
  readonly federationSecretName?: string;
}

export type WanAddressSource = 'Service' | 'NodeIP' | 'NodeName' | 'Static';

export interface HostPort {
  readonly address: string;
  readonly port: number;
}

export interface MeshGatewayDecl extends Declared {
  /** Consul service name of the gateway (default `mesh-gateway`). */
  readonly name: string;
  readonly datacenter: string;
  /** LAN address and port the gateway listens on for traffic from this datacenter. */
  readonly lan: HostPort;
  /** WAN address and port other datacenters use. Absent: the gateway is not reachable from other datacenters. */
  readonly wan?: HostPort;
  /** Kubernetes: how the chart derives the WAN address. */
  readonly wanAddressSource?: WanAddressSource;
  /** Number of gateway instances (Helm `meshGateway.replicas`). */
  readonly instances: number;
  /** Kubernetes Service type for the gateway. */
  readonly serviceType?: 'LoadBalancer' | 'NodePort' | 'ClusterIP';
  readonly nodePort?: number;
  /** Which data plane runs it: Consul's Envoy gateway, or meshcc's bundled SNI gateway. */
  readonly implementation: 'envoy' | 'meshcc';
  /** Admin HTTP port of the bundled gateway (loopback). */
  readonly adminPort?: number;
}

/** A service as a whole (name and identity), independent of where it runs. */
export interface ServiceDecl extends Declared {
  readonly name: string;
  readonly namespace: string;
  readonly partition: string;
}

/** One deployment of a service in one datacenter: its instances and their sidecar's upstreams. */
export interface ServiceInstanceDecl extends Declared {
  readonly service: string;
  readonly namespace: string;
  readonly partition: string;
  readonly datacenter: string;
  /** Address of the instance (VMs) or empty for Kubernetes pods. */
  readonly address?: string;
  readonly port: number;
  readonly count: number;
  /** Instance-level (proxy registration) mesh-gateway mode: `proxy.mesh_gateway.mode`. */
  readonly meshGateway?: GatewayMode;
  readonly upstreams: readonly UpstreamDecl[];
  /**
   * Only in a cluster's own model (`model/clusters.ts`): the instance's upstreams to a cluster peer (with
   * `destinationPeer`), moved out of `upstreams` because Consul compiles no discovery chain for them. The sidecar
   * registrations and annotations still list them (`destination_peer`); nothing else reads them. In the whole mesh's
   * model they are in `upstreams`.
   */
  readonly peerUpstreams?: readonly UpstreamDecl[];
  /** Consul service meta / tags for the registration. */
  readonly tags?: readonly string[];
  /** Service meta of the instances (what a resolver subset's `Service.Meta` filter sees). */
  readonly meta?: Readonly<Record<string, string>>;
  /** A further group of instances in the same datacenter (e.g. a canary version). */
  readonly group?: string;
}

export interface UpstreamDecl extends Declared {
  readonly destinationName: string;
  readonly destinationNamespace: string;
  readonly destinationPartition: string;
  /** Datacenter the upstream targets; absent: the caller's own datacenter (chains compile in it). */
  readonly datacenter?: string;
  readonly localBindPort: number;
  readonly localBindAddress?: string;
  /** Upstream-level mesh-gateway mode (`upstreams[].mesh_gateway.mode`): highest precedence. */
  readonly meshGateway?: GatewayMode;
  /** Upstream-level `config` (opaque proxy config, e.g. `connect_timeout_ms`, `protocol`). */
  readonly config?: Readonly<Record<string, unknown>>;
  /**
   * Cluster peer the upstream targets (`destination_peer`): the service is one the peer exports to this cluster.
   * Consul compiles no discovery chain for such an upstream; the proxy watches the peer's imported endpoints.
   */
  readonly destinationPeer?: string;
}

/** A config entry with where it came from. */
export interface EntryDecl extends Declared {
  readonly entry: ConfigEntry;
  /** `construct` when written by a construct; `file` when read from the environment's `entries/` folder. */
  readonly origin: 'construct' | 'file';
  /** The cluster the entry is written to; absent: every cluster (and the only one of a single-cluster mesh). */
  readonly cluster?: string;
  /** For `file` entries: source locations of fields inside the entry, keyed by JSON pointer such as `/Failover/<subset>/Datacenters`. */
  readonly fieldSpans?: Readonly<Record<string, SourceSpan>>;
}

export interface MeshModel {
  /** Environment name (directory name under `environments/`). Written into every entry's `Meta`. */
  readonly name: string;
  /** Construct path of the root, and where the environment was declared. */
  readonly path: ConstructPath;
  readonly span?: SourceSpan;
  /** Consul CA cluster ID (a UUID); the trust domain is `<clusterId>.consul`, lower-cased. */
  readonly clusterId: string;
  readonly trustDomain: string;
  readonly primaryDatacenter: string;
  /** ACL default policy; with `deny`, intentions default to deny. */
  readonly aclDefaultPolicy: 'allow' | 'deny';
  readonly aclsEnabled: boolean;
  readonly datacenters: readonly DatacenterDecl[];
  readonly gateways: readonly MeshGatewayDecl[];
  readonly services: readonly ServiceDecl[];
  readonly instances: readonly ServiceInstanceDecl[];
  readonly entries: readonly EntryDecl[];
  /**
   * Independent Consul clusters (each its own primary datacenter and trust domain, no WAN gossip between them),
   * joined by cluster peering. Absent: the whole mesh is one (WAN-federated) cluster, as before.
   */
  readonly clusters?: readonly ClusterDecl[];
  /** Cluster peerings between the clusters above. */
  readonly peerings?: readonly PeeringDecl[];
  /**
   * Set on one cluster's own model (`splitClusters`) when that cluster takes part in a peering: its servers enable
   * peering (Helm `global.peering.enabled`, agent `peering.enabled` and the gRPC TLS port peering dials).
   */
  readonly peering?: boolean;
  /** Construct-level suppressions on the root. */
  readonly suppressions?: readonly Suppression[];
}

/** One Consul cluster of a peered mesh: its own primary datacenter, Connect CA and trust domain. */
export interface ClusterDecl extends Declared {
  readonly name: string;
  /** Connect CA cluster ID (a UUID); the trust domain is `<clusterId>.consul`. */
  readonly clusterId: string;
  readonly trustDomain: string;
  readonly primaryDatacenter: string;
  /** Its datacenters, in declaration order. */
  readonly datacenters: readonly string[];
}

/** One side of a peering: the cluster and the name it gives the other side (Consul's `PeerName` there). */
export interface PeeringSide {
  readonly cluster: string;
  /** The local name of the peering in this cluster: the name upstreams, failover and intentions use for the other side. */
  readonly peerName: string;
}

/**
 * A cluster peering: the acceptor generates the token (`POST /v1/peering/token`, PeerName = its name for the dialer),
 * the dialer establishes it (`POST /v1/peering/establish`, PeerName = its name for the acceptor).
 */
export interface PeeringDecl extends Declared {
  readonly acceptor: PeeringSide;
  readonly dialer: PeeringSide;
}

/** Ownership metadata meshcc puts on every entry it writes; plan/prune only ever touch entries carrying it. */
export const MANAGED_BY_KEY = 'managed-by';
export const MANAGED_BY_VALUE = 'meshcc';
export const ENVIRONMENT_KEY = 'meshcc-environment';
