/**
 * Output types of the compiler: mode decisions with provenance, compiled discovery chains (Consul's shape),
 * and per-upstream results. Plain data, JSON-serialisable.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { ConfigEntry, ServiceRoute, ServiceSplit } from '../model/entries.ts';
import type { ConstructPath, GatewayMode, MeshModel, SourceSpan } from '../model/types.ts';

/** One rung of the precedence ladder for a mesh-gateway mode. */
export interface ModeLayer {
  /** Which layer: e.g. `upstream`, `instance`, `service-defaults.UpstreamConfig.Overrides`, `proxy-defaults`, ... */
  readonly kind: ModeLayerKind;
  /** The mode set at that layer, or undefined when the layer is present but leaves it unset. */
  readonly mode?: GatewayMode;
  /** Where that layer was declared (construct path / entry). */
  readonly path?: ConstructPath;
  readonly span?: SourceSpan;
  /** Human note, e.g. `service-defaults for web (the caller)`. */
  readonly note?: string;
}

export type ModeLayerKind =
  | 'upstream'
  | 'upstream-config-override'
  | 'upstream-config-defaults'
  | 'instance'
  | 'service-defaults'
  | 'proxy-defaults'
  | 'destination-service-defaults'
  | 'builtin-default';

export interface ModeDecision {
  readonly mode: GatewayMode;
  /** The layer that decided. */
  readonly from: ModeLayerKind;
  /** Every layer in precedence order, with what it set (for `meshcc explain`). */
  readonly ladder: readonly ModeLayer[];
}

/**
 * A discovery-chain target, in the shape of Consul's `structs.DiscoveryTarget` JSON. Every field is `omitempty` in
 * Consul, so empty strings and `false` are absent (the struct-valued fields are always present, possibly `{}`).
 */
export interface ChainTarget {
  readonly ID: string;
  readonly Service: string;
  readonly ServiceSubset?: string;
  readonly Namespace: string;
  readonly Partition: string;
  readonly Datacenter: string;
  readonly Peer?: string;
  /** `{}` when the mode is Consul's default (unset). */
  readonly MeshGateway: { readonly Mode?: GatewayMode };
  readonly Subset: { readonly Filter?: string; readonly OnlyPassing?: boolean };
  readonly TransparentProxy?: { readonly DialedDirectly?: boolean };
  /** Go duration string, e.g. `5s`. */
  readonly ConnectTimeout: string;
  readonly External?: boolean;
  readonly SNI: string;
  readonly Name: string;
  readonly [extra: string]: unknown;
}

/**
 * A route of a router node (`structs.DiscoveryRoute`): the router entry's route as Consul stores it (`Definition`,
 * `structs.ServiceRoute` JSON: `omitempty` fields, durations as Go strings) and the key of the node it leads to. The
 * last route of every router node is Consul's catch-all: `{Match: {HTTP: {PathPrefix: "/"}}, Destination: {Service:
 * <router's service>, Namespace, Partition}}`.
 */
export interface ChainRoute {
  readonly Definition: ServiceRoute;
  /** `splitter:<svc>.<ns>.<ap>` or `resolver:<target ID>`. */
  readonly NextNode: string;
}

/**
 * A split of a splitter node (`structs.DiscoverySplit`). Splits onto a service with its own splitter are flattened as
 * Consul does: the inner splits replace the outer one, `Weight` = outer × inner / 100 (float32, rounded to 0.01), and
 * the `Definition` is the inner split's with the outer split's headers merged in (`ServiceSplit.MergeParent`).
 */
export interface ChainSplit {
  /** The splitter entry's split (`structs.ServiceSplit` JSON); its own `Weight` is the entry's, not the effective one. */
  readonly Definition: ServiceSplit;
  /**
   * Effective share of this node's traffic, 0–100 (a float32 in Consul, printed with its shortest decimal form).
   * Absent when 0 (`omitempty`), e.g. 0.01 % of 25 % after flattening.
   */
  readonly Weight?: number;
  /** Always a `resolver:<target ID>` after flattening. */
  readonly NextNode: string;
}

/**
 * A node of a compiled chain (`structs.DiscoveryGraphNode`), keyed in `Nodes` by `<Type>:<Name>`: routers and splitters
 * are named `<svc>.<ns>.<ap>`, resolvers by their target ID. Only the field of its type is present.
 */
export interface ChainNode {
  readonly Type: 'resolver' | 'splitter' | 'router';
  readonly Name: string;
  /** Router nodes: the entry's routes in order, then the catch-all. */
  readonly Routes?: readonly ChainRoute[];
  /** Splitter nodes: the (flattened) splits in order. */
  readonly Splits?: readonly ChainSplit[];
  readonly Resolver?: {
    readonly ConnectTimeout: string;
    /** Nanoseconds: Consul marshals this `time.Duration` as a number, unlike ConnectTimeout. */
    readonly RequestTimeout?: number;
    /** Absent when false (`omitempty`). */
    readonly Default?: boolean;
    readonly Target: string;
    readonly Failover?: { readonly Targets: readonly string[] };
    readonly [extra: string]: unknown;
  };
  /** The resolver's `LoadBalancer` (resolver nodes), or the first hash-based one of a splitter's resolvers. */
  readonly LoadBalancer?: Readonly<Record<string, unknown>>;
  readonly [extra: string]: unknown;
}

/** A compiled discovery chain: the `Chain` object of Consul's `GET /v1/discovery-chain/:service`. */
export interface CompiledChain {
  readonly ServiceName: string;
  readonly Namespace: string;
  readonly Partition: string;
  readonly Datacenter: string;
  readonly CustomizationHash?: string;
  /** Absent when false (`omitempty`). */
  readonly Default?: boolean;
  readonly Protocol: string;
  readonly ServiceMeta?: Readonly<Record<string, string>>;
  readonly StartNode: string;
  readonly Nodes: Readonly<Record<string, ChainNode>>;
  readonly Targets: Readonly<Record<string, ChainTarget>>;
  readonly [extra: string]: unknown;
}

/** Overrides a sidecar sends when it asks for a chain (as `POST /v1/discovery-chain/:service` accepts). */
export interface ChainOverrides {
  readonly meshGateway?: GatewayMode;
  readonly connectTimeout?: string;
  readonly protocol?: string;
}

/** A chain Consul would refuse to compile: the message is Consul's. */
export interface ChainCompileError {
  readonly message: string;
  /**
   * Kept for callers written before routers and splitters were compiled; never set any more (meshcc compiles every
   * chain Consul compiles).
   * @deprecated
   */
  readonly unsupported?: 'service-router' | 'service-splitter';
}

/** One declared upstream of one service instance, compiled. */
export interface CompiledUpstream {
  /** Construct path of the upstream declaration. */
  readonly path: ConstructPath;
  readonly span?: SourceSpan;
  readonly service: string;
  readonly datacenter: string;
  readonly destination: string;
  /** Datacenter the chain was compiled for (upstream's datacenter or the caller's). */
  readonly targetDatacenter: string;
  readonly mode: ModeDecision;
  /** The chain, or the error Consul would return. */
  readonly chain?: CompiledChain;
  readonly error?: ChainCompileError;
}

/** Everything one compile produces. */
export interface Compilation {
  readonly model: MeshModel;
  /** The effective config entries (construct + file), normalised, with meshcc's ownership `Meta`. */
  readonly entries: readonly ConfigEntry[];
  readonly upstreams: readonly CompiledUpstream[];
  readonly diagnostics: readonly Diagnostic[];
}
