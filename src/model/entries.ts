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
  | 'service-intentions';

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

/** `HTTPHeaderModifiers` (api/config_entry_discoverychain.go): headers added, set or removed on a request or response. */
export interface HttpHeaderModifiers {
  /** Appended to any existing values (keys are header names, kept as written). */
  readonly Add?: Readonly<Record<string, string>>;
  /** Replacing any existing values. */
  readonly Set?: Readonly<Record<string, string>>;
  readonly Remove?: readonly string[];
}

/** `ServiceRouteHTTPMatchHeader`: exactly one of Present, Exact, Prefix, Suffix, Regex (Consul's rule). */
export interface RouteHeaderMatch {
  readonly Name: string;
  readonly Present?: boolean;
  readonly Exact?: string;
  readonly Prefix?: string;
  readonly Suffix?: string;
  readonly Regex?: string;
  readonly Invert?: boolean;
}

/** `ServiceRouteHTTPMatchQueryParam`: exactly one of Present, Exact, Regex. */
export interface RouteQueryParamMatch {
  readonly Name: string;
  readonly Present?: boolean;
  readonly Exact?: string;
  readonly Regex?: string;
}

/** `ServiceRouteHTTPMatch`: at most one of PathExact, PathPrefix, PathRegex; every criterion must hold. */
export interface RouteHttpMatch {
  readonly PathExact?: string;
  readonly PathPrefix?: string;
  readonly PathRegex?: string;
  readonly Header?: readonly RouteHeaderMatch[];
  readonly QueryParam?: readonly RouteQueryParamMatch[];
  readonly Methods?: readonly string[];
}

/** `ServiceRouteDestination`: where a matching request goes (every field optional; empty means the router's service). */
export interface RouteDestination {
  readonly Service?: string;
  readonly ServiceSubset?: string;
  readonly Namespace?: string;
  readonly Partition?: string;
  readonly PrefixRewrite?: string;
  /** Go duration strings, as Consul renders them. */
  readonly RequestTimeout?: string;
  readonly IdleTimeout?: string;
  readonly NumRetries?: number;
  readonly RetryOnConnectFailure?: boolean;
  readonly RetryOn?: readonly string[];
  readonly RetryOnStatusCodes?: readonly number[];
  readonly RequestHeaders?: HttpHeaderModifiers;
  readonly ResponseHeaders?: HttpHeaderModifiers;
}

/** `ServiceRoute`: the first route whose match holds is taken; a route without a match matches everything. */
export interface ServiceRoute {
  readonly Match?: { readonly HTTP?: RouteHttpMatch };
  readonly Destination?: RouteDestination;
}

export interface ServiceRouterEntry {
  readonly Kind: 'service-router';
  readonly Name: string;
  readonly Partition?: string;
  readonly Namespace?: string;
  readonly Routes?: readonly ServiceRoute[];
  readonly Meta?: Readonly<Record<string, string>>;
}

/** `ServiceSplit`: a share (0-100, at most two decimals) of the traffic, to a service or subset. */
export interface ServiceSplit {
  readonly Weight: number;
  readonly Service?: string;
  readonly ServiceSubset?: string;
  readonly Namespace?: string;
  readonly Partition?: string;
  readonly RequestHeaders?: HttpHeaderModifiers;
  readonly ResponseHeaders?: HttpHeaderModifiers;
}

export interface ServiceSplitterEntry {
  readonly Kind: 'service-splitter';
  readonly Name: string;
  readonly Partition?: string;
  readonly Namespace?: string;
  readonly Splits?: readonly ServiceSplit[];
  readonly Meta?: Readonly<Record<string, string>>;
}

/** A router or a splitter: the L7 entries of a discovery chain. */
export type OpaqueL7Entry = ServiceRouterEntry | ServiceSplitterEntry;

export type ConfigEntry =
  | ProxyDefaultsEntry
  | ServiceDefaultsEntry
  | ServiceResolverEntry
  | ServiceIntentionsEntry
  | ServiceRouterEntry
  | ServiceSplitterEntry;

/** Stable identity of an entry: `kind/name` (partition and namespace are `default` in OSS Consul). */
export function entryKey(e: { readonly Kind: string; readonly Name: string }): string {
  return `${e.Kind}/${e.Name}`;
}
