/**
 * Consul config entries in the exact shape of Consul's HTTP API (`/v1/config`), CamelCase keys as Consul returns
 * them. Only fields meshcc understands are typed; unknown fields are rejected at input time.
 *
 * Mirrors `api/config_entry*.go` in hashicorp/consul (api module).
 */
import type { GatewayMode } from './gateway-mode.ts';

export type ConfigEntryKind =
  | 'proxy-defaults'
  | 'service-defaults'
  | 'service-resolver'
  | 'service-splitter'
  | 'service-router'
  | 'service-intentions'
  | 'exported-services'
  | 'mesh';

export interface MeshGatewayConfig {
  /** `""` in Consul means "default" (unset); we omit the field instead. */
  readonly Mode?: GatewayMode;
}

export interface ProxyDefaultsEntry {
  readonly Kind: 'proxy-defaults';
  /** Always `global`. */
  readonly Name: string;
  readonly Partition?: string;
  readonly Namespace?: string;
  readonly Config?: Readonly<Record<string, unknown>>;
  readonly MeshGateway?: MeshGatewayConfig;
  readonly Mode?: 'direct' | 'transparent' | '';
  readonly Meta?: Readonly<Record<string, string>>;
}

/** `UpstreamConfig` of a service-defaults entry: per-upstream overrides and defaults, applied by the caller. */
export interface UpstreamConfigFields {
  readonly ConnectTimeoutMs?: number;
  readonly Protocol?: string;
  readonly MeshGateway?: MeshGatewayConfig;
}

export interface UpstreamConfigOverride extends UpstreamConfigFields {
  readonly Name: string;
  readonly Namespace?: string;
  readonly Partition?: string;
  readonly Peer?: string;
}

export interface ServiceDefaultsEntry {
  readonly Kind: 'service-defaults';
  readonly Name: string;
  readonly Partition?: string;
  readonly Namespace?: string;
  readonly Protocol?: string;
  readonly Mode?: 'direct' | 'transparent' | '';
  readonly MeshGateway?: MeshGatewayConfig;
  readonly UpstreamConfig?: {
    readonly Overrides?: readonly UpstreamConfigOverride[];
    readonly Defaults?: UpstreamConfigFields;
  };
  readonly ExternalSNI?: string;
  readonly Meta?: Readonly<Record<string, string>>;
}

export interface ResolverSubset {
  readonly Filter?: string;
  readonly OnlyPassing?: boolean;
}

export interface ResolverRedirect {
  readonly Service?: string;
  readonly ServiceSubset?: string;
  readonly Namespace?: string;
  readonly Partition?: string;
  readonly Datacenter?: string;
  readonly Peer?: string;
}

export interface FailoverTarget {
  readonly Service?: string;
  readonly ServiceSubset?: string;
  readonly Namespace?: string;
  readonly Partition?: string;
  readonly Datacenter?: string;
  readonly Peer?: string;
}

export interface ResolverFailover {
  readonly Service?: string;
  readonly ServiceSubset?: string;
  readonly Namespace?: string;
  readonly Datacenters?: readonly string[];
  readonly Targets?: readonly FailoverTarget[];
}

export interface ServiceResolverEntry {
  readonly Kind: 'service-resolver';
  readonly Name: string;
  readonly Partition?: string;
  readonly Namespace?: string;
  readonly DefaultSubset?: string;
  readonly Subsets?: Readonly<Record<string, ResolverSubset>>;
  readonly Redirect?: ResolverRedirect;
  /** Keyed by subset name or `*`. */
  readonly Failover?: Readonly<Record<string, ResolverFailover>>;
  /** Duration string as Consul renders it, e.g. `3s`. */
  readonly ConnectTimeout?: string;
  readonly RequestTimeout?: string;
  readonly Meta?: Readonly<Record<string, string>>;
}

export interface IntentionSource {
  readonly Name: string;
  readonly Namespace?: string;
  readonly Partition?: string;
  readonly Peer?: string;
  readonly Action?: 'allow' | 'deny';
  readonly Description?: string;
  readonly Type?: 'consul';
  /** L7 permissions: kept as opaque data (meshcc does not evaluate L7 rules). */
  readonly Permissions?: readonly unknown[];
}

export interface ServiceIntentionsEntry {
  readonly Kind: 'service-intentions';
  readonly Name: string;
  readonly Partition?: string;
  readonly Namespace?: string;
  readonly Sources: readonly IntentionSource[];
  readonly Meta?: Readonly<Record<string, string>>;
}

/** Splitter and router: parsed and emitted, but not compiled into chains yet (MC1xxx warning). */
export interface OpaqueL7Entry {
  readonly Kind: 'service-splitter' | 'service-router';
  readonly Name: string;
  readonly Partition?: string;
  readonly Namespace?: string;
  readonly Meta?: Readonly<Record<string, string>>;
  readonly [field: string]: unknown;
}

/** A consumer of exported services: a cluster peer (partitions and sameness groups are Enterprise). */
export interface ExportedServiceConsumer {
  readonly Peer?: string;
  readonly Partition?: string;
  readonly SamenessGroup?: string;
}

export interface ExportedService {
  readonly Name: string;
  readonly Namespace?: string;
  readonly Consumers: readonly ExportedServiceConsumer[];
}

/** `exported-services`: which services this cluster (partition `default`: Name `default`) exports to which peers. */
export interface ExportedServicesEntry {
  readonly Kind: 'exported-services';
  readonly Name: string;
  readonly Partition?: string;
  readonly Services: readonly ExportedService[];
  readonly Meta?: Readonly<Record<string, string>>;
}

/**
 * The `mesh` entry (one per cluster). Consul's API has no `Name` field for it; meshcc keys it as `mesh/mesh` (the
 * client adds the name on read and leaves it out on write).
 */
export interface MeshEntry {
  readonly Kind: 'mesh';
  readonly Name: string;
  readonly Partition?: string;
  readonly Peering?: { readonly PeerThroughMeshGateways?: boolean };
  readonly TransparentProxy?: { readonly MeshDestinationsOnly?: boolean };
  readonly Meta?: Readonly<Record<string, string>>;
}

export type ConfigEntry =
  | ProxyDefaultsEntry
  | ServiceDefaultsEntry
  | ServiceResolverEntry
  | ServiceIntentionsEntry
  | OpaqueL7Entry
  | ExportedServicesEntry
  | MeshEntry;

/**
 * The entry as Consul's `PUT /v1/config` and `consul config write` take it: the `mesh` entry has no `Name` field
 * there (Consul answers `invalid config key "Name"`); every other kind is unchanged.
 */
export function consulWireEntry(e: ConfigEntry): ConfigEntry {
  if (e.Kind !== 'mesh') return e;
  const { Name, ...rest } = e;
  void Name;
  return rest as ConfigEntry;
}

/** Stable identity of an entry: `kind/name` (partition and namespace are `default` in OSS Consul). */
export function entryKey(e: { readonly Kind: string; readonly Name: string }): string {
  return `${e.Kind}/${e.Name}`;
}
