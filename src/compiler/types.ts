/**
 * Output types of the compiler: mode decisions with provenance, compiled discovery chains (Consul's shape),
 * and per-upstream results. Plain data, JSON-serialisable.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { ConfigEntry } from '../model/entries.ts';
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

export interface ChainNode {
  readonly Type: 'resolver' | 'splitter' | 'router';
  readonly Name: string;
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
   * Set when Consul would compile the chain but meshcc cannot yet (a service-router or service-splitter is in
   * play): `message` is then meshcc's, not Consul's.
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
