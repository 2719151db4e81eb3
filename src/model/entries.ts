/**
 * Consul config entries in the exact shape of Consul's HTTP API (`/v1/config`), CamelCase keys as Consul returns
 * them. The fields meshcc analyzes are typed; an entry read from a file also carries, untyped, every other field
 * Consul's api struct accepts (kept and emitted unchanged, see `input/entries/schema.ts`). Unknown fields are rejected
 * at input time.
 *
 * Mirrors `api/config_entry*.go` in hashicorp/consul (api module).
 */
import type { GatewayMode } from './gateway-mode.ts';

/** Kinds meshcc analyzes (some or all of their fields). */
export type AnalyzedKind =
  | 'proxy-defaults'
  | 'service-defaults'
  | 'service-resolver'
  | 'service-splitter'
  | 'service-router'
  | 'service-intentions';

/** Kinds Consul CE accepts that meshcc decodes, checks with Consul's own rules, keeps and emits, but does not analyze. */
export type KeptKind =
  | 'mesh'
  | 'exported-services'
  | 'sameness-group'
  | 'ingress-gateway'
  | 'terminating-gateway'
  | 'api-gateway'
  | 'http-route'
  | 'tcp-route'
  | 'inline-certificate'
  | 'file-system-certificate'
  | 'jwt-provider';

export type ConfigEntryKind = AnalyzedKind | KeptKind;

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
  /** Load-balancing policy of the callers' proxies for this service. */
  readonly LoadBalancer?: LoadBalancer;
  readonly Meta?: Readonly<Record<string, string>>;
}

/** `LoadBalancer` of a service-resolver (api/config_entry_discoverychain.go). */
export interface LoadBalancer {
  /** `''`, `random`, `round_robin`, `least_request`, `ring_hash` or `maglev`. */
  readonly Policy?: string;
  readonly RingHashConfig?: { readonly MinimumRingSize?: number; readonly MaximumRingSize?: number };
  readonly LeastRequestConfig?: { readonly ChoiceCount?: number };
  readonly HashPolicies?: readonly LoadBalancerHashPolicy[];
}

/** `HashPolicy`: what a ring_hash / maglev balancer hashes on. */
export interface LoadBalancerHashPolicy {
  /** `header`, `cookie` or `query_parameter`; unset with SourceIP. */
  readonly Field?: string;
  readonly FieldValue?: string;
  readonly CookieConfig?: { readonly Session?: boolean; readonly TTL?: string; readonly Path?: string };
  readonly SourceIP?: boolean;
  readonly Terminal?: boolean;
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

/** `Add`/`Set`/`Remove` of HTTP headers (`api.HTTPHeaderModifiers`). */
export interface HTTPHeaderModifiers {
  readonly Add?: Readonly<Record<string, string>>;
  readonly Set?: Readonly<Record<string, string>>;
  readonly Remove?: readonly string[];
}

/** One header criterion of a route (`api.ServiceRouteHTTPMatchHeader`): exactly one of Present/Exact/Prefix/Suffix/Regex. */
export interface RouteHeaderMatch {
  readonly Name: string;
  readonly Present?: boolean;
  readonly Exact?: string;
  readonly Prefix?: string;
  readonly Suffix?: string;
  readonly Contains?: string;
  readonly Regex?: string;
  readonly IgnoreCase?: boolean;
  readonly Invert?: boolean;
}

/** One query-parameter criterion of a route (`api.ServiceRouteHTTPMatchQueryParam`). */
export interface RouteQueryParamMatch {
  readonly Name: string;
  readonly Present?: boolean;
  readonly Exact?: string;
  readonly Regex?: string;
}

/** `api.ServiceRouteHTTPMatch`: at most one of PathExact/PathPrefix/PathRegex. */
export interface RouteHTTPMatch {
  readonly PathExact?: string;
  readonly PathPrefix?: string;
  readonly PathRegex?: string;
  readonly CaseInsensitive?: boolean;
  readonly Header?: readonly RouteHeaderMatch[];
  readonly QueryParam?: readonly RouteQueryParamMatch[];
  readonly Methods?: readonly string[];
}

/** `api.ServiceRouteDestination`. Durations are Go duration strings (`3s`), as Consul's API writes them. */
export interface RouteDestination {
  readonly Service?: string;
  readonly ServiceSubset?: string;
  readonly Namespace?: string;
  readonly Partition?: string;
  readonly PrefixRewrite?: string;
  readonly RequestTimeout?: string;
  readonly IdleTimeout?: string;
  readonly NumRetries?: number;
  readonly RetryOnConnectFailure?: boolean;
  readonly RetryOn?: readonly string[];
  readonly RetryOnStatusCodes?: readonly number[];
  readonly RequestHeaders?: HTTPHeaderModifiers;
  readonly ResponseHeaders?: HTTPHeaderModifiers;
}

/** `api.ServiceRoute`: the first route whose `Match` matches wins; no `Match` matches everything. */
export interface ServiceRoute {
  readonly Match?: { readonly HTTP?: RouteHTTPMatch };
  readonly Destination?: RouteDestination;
}

/** `api.ServiceSplit`: a share (0–100, two decimals) of the traffic. */
export interface ServiceSplit {
  readonly Weight: number;
  readonly Service?: string;
  readonly ServiceSubset?: string;
  readonly Namespace?: string;
  readonly Partition?: string;
  readonly RequestHeaders?: HTTPHeaderModifiers;
  readonly ResponseHeaders?: HTTPHeaderModifiers;
}

export interface ServiceRouterEntry {
  readonly Kind: 'service-router';
  readonly Name: string;
  readonly Partition?: string;
  readonly Namespace?: string;
  readonly Routes?: readonly ServiceRoute[];
  readonly Meta?: Readonly<Record<string, string>>;
}

/**
 * An entry of a kind meshcc keeps without analysis, in Consul's API shape (every field as decoded). The `mesh`
 * entry's Name is always `mesh` (Consul's name for it; the field itself is not sent).
 */
export interface KeptEntry {
  readonly Kind: KeptKind;
  readonly Name: string;
  readonly Partition?: string;
  readonly Namespace?: string;
  readonly Meta?: Readonly<Record<string, string>>;
  readonly [field: string]: unknown;
}

export interface ServiceSplitterEntry {
  readonly Kind: 'service-splitter';
  readonly Name: string;
  readonly Partition?: string;
  readonly Namespace?: string;
  readonly Splits?: readonly ServiceSplit[];
  readonly Meta?: Readonly<Record<string, string>>;
}

/** A router or a splitter (kept for code that handles both alike). */
export type OpaqueL7Entry = ServiceRouterEntry | ServiceSplitterEntry;

/** A consumer of exported services: a cluster peer (partitions and sameness groups are Enterprise). */
export type ExportedServiceConsumer = {
  readonly Peer?: string;
  readonly Partition?: string;
  readonly SamenessGroup?: string;
};

export type ExportedService = {
  readonly Name: string;
  readonly Namespace?: string;
  readonly Consumers: readonly ExportedServiceConsumer[];
};

/**
 * The fields of an `exported-services` entry meshcc's peering checks read (which services this cluster, partition
 * `default`: Name `default`, exports to which peers). A kept kind: as a `ConfigEntry` it is a `KeptEntry`.
 */
export type ExportedServicesEntry = {
  readonly Kind: 'exported-services';
  readonly Name: string;
  readonly Partition?: string;
  readonly Services: readonly ExportedService[];
  readonly Meta?: Readonly<Record<string, string>>;
};

/** The fields of the `mesh` entry meshcc's peering checks read (its Name is always `mesh`, see `apiBody`). */
export type MeshEntry = {
  readonly Kind: 'mesh';
  readonly Name: string;
  readonly Partition?: string;
  readonly Peering?: { readonly PeerThroughMeshGateways?: boolean };
  readonly TransparentProxy?: { readonly MeshDestinationsOnly?: boolean };
  readonly Meta?: Readonly<Record<string, string>>;
};

export type ConfigEntry =
  | ProxyDefaultsEntry
  | ServiceDefaultsEntry
  | ServiceResolverEntry
  | ServiceIntentionsEntry
  | ServiceRouterEntry
  | ServiceSplitterEntry
  | KeptEntry;

/** Stable identity of an entry: `kind/name` (partition and namespace are `default` in OSS Consul). */
export function entryKey(e: { readonly Kind: string; readonly Name: string }): string {
  return `${e.Kind}/${e.Name}`;
}

/**
 * The body of `PUT /v1/config` for an entry: the entry itself, except that the `mesh` entry has no Name field
 * (Consul answers `invalid config key "Name"`); its name is implied.
 */
export function apiBody(e: ConfigEntry): Record<string, unknown> {
  if (e.Kind !== 'mesh') return e as unknown as Record<string, unknown>;
  const { Name, ...rest } = e;
  void Name;
  return rest;
}

/** An entry as Consul returns it, with the implied `mesh` name made explicit (the inverse of `apiBody`). */
export function fromApi<T extends { readonly Kind: string; readonly Name?: string }>(e: T): T & { Name: string } {
  return e.Kind === 'mesh' ? { ...e, Name: 'mesh' } : (e as T & { Name: string });
}
