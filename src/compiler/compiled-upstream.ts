/**
 * The compact form of a compiled upstream: one small object per upstream (its caller, its declaration and a shared
 * `UpstreamShape`), with every field of `CompiledUpstream` read through a getter.
 *
 * A compile has one compiled upstream per declared upstream (85,000 in the 10k-service L7 bench) but only a few
 * thousand distinct answers: the upstreams to one destination, compiled in one datacenter with the same overrides and
 * the same mode decision, share their chain, target datacenter and decision (`mode`, `from`). The per-upstream object
 * therefore keeps three references (48 bytes) instead of eight fields plus a decision object, and reads:
 * - `path`, `span` from the declaration, `service`, `datacenter` from the `UpstreamCaller` (one per instance, with
 *   the instance's values: model objects are read through megamorphic property accesses, since a model's instances
 *   rarely share a hidden class, so the hot fields are copied once per instance instead of read per access);
 * - `destination` from the declaration (`destinationName`);
 * - `targetDatacenter`, `chain`, `error` from the shape: the shape is made for one destination service and one
 *   datacenter, so its datacenter is the declaration's `datacenter ?? instance.datacenter`;
 * - `mode`: a decision object made on each read (its ladder is built when read, see `LazyModeDecision`); `mode` and
 *   `from` are the shape's (`SharedDecision`, one per distinct pair in a compile). Nothing compares decisions by
 *   identity, and a read that only wants `u.mode.mode` costs a short-lived object at most (V8 removes it when the
 *   getter is inlined), instead of 85,000 retained ones.
 * `toJSON` prints the fields in the order (and with the presence) of the former plain object.
 */
import type { GatewayMode, ServiceInstanceDecl, SourceSpan, UpstreamDecl } from '../model/types.ts';
import type { ChainBaseResult } from './passes/compile-chains.ts';
import type {
  ChainCompileError,
  ChainOverrides,
  CompiledChain,
  CompiledUpstream,
  ModeDecision,
  ModeLayerKind,
} from './types.ts';

/** Builds the decision (with its lazily built ladder) of one upstream of one instance. */
export interface DecisionSource {
  decision(mode: GatewayMode, from: ModeLayerKind, instance: ServiceInstanceDecl, upstream: UpstreamDecl): ModeDecision;
}

/**
 * One chain request without its mesh-gateway mode: a destination service compiled in one datacenter with one
 * protocol/timeout override (the sidecar's `DiscoveryChainRequest` minus `OverrideMeshGateway`).
 */
export interface ChainFamily {
  readonly serviceName: string;
  readonly namespace: string;
  readonly partition: string;
  readonly dc: string;
  /** Lower-cased protocol override, if any. */
  readonly protocol: string | undefined;
  /** Connect-timeout override as a Go duration, if any. */
  readonly connectTimeout: string | undefined;
  /** The overrides without a mode (one shared object per distinct set, see `OverridesTable`). */
  readonly overrides: ChainOverrides;
  /** The compiled chain without a mode override; set by the chain pass. */
  base: ChainBaseResult | undefined;
}

/**
 * What every upstream with the same chain request and the same mode decision shares (a compile keeps these: a few per
 * destination, so they hold only what a compiled upstream reads).
 */
export interface UpstreamShape {
  readonly decision: SharedDecision;
  readonly targetDatacenter: string;
  /** The chain, or the error Consul would return: set by the chain pass. */
  chain: CompiledChain | undefined;
  error: ChainCompileError | undefined;
  /** The chain request, until the chain pass has compiled it (then dropped, with its family's base chain). */
  request: ShapeRequest | undefined;
}

/** A mode decision without its ladder: one object per (mode, from) in a compile, with what builds the ladders. */
export interface SharedDecision {
  readonly mode: GatewayMode;
  readonly from: ModeLayerKind;
  readonly ladders: DecisionSource;
}

/**
 * The chain request of a shape. The key it is found by while upstreams are resolved is read from its shape (the
 * decision's mode and source, the target datacenter) and its family (protocol, connect timeout), not copied here.
 */
export interface ShapeRequest {
  readonly shape: UpstreamShape;
  readonly family: ChainFamily;
  /** The `OverrideMeshGateway` the sidecar sends (the decided mode when a sidecar-side layer set it). */
  readonly sidecarMode: GatewayMode | undefined;
  /**
   * The chain pass's bookkeeping for the shape, while it runs (requests are dropped after it, so these cost no
   * retained memory): the token of its numbering (undefined: the shape not met yet), the chain's number (-1: no
   * chain), and the reach group of the shape's last upstream with that upstream's caller datacenter (a shape fixes
   * the chain and the fallback mode, so only the caller's datacenter can change the group).
   */
  numbering: object | undefined;
  chainNumber: number;
  groupDc: string | undefined;
  group: number;
}

/** The instance whose upstreams these are, with the fields compiled upstreams read (one object per instance). */
export interface UpstreamCaller {
  readonly instance: ServiceInstanceDecl;
  readonly service: string;
  readonly datacenter: string;
}

/** One declared upstream of one instance, compiled: see the module comment. */
export class UpstreamRecord implements CompiledUpstream {
  // `declare`: set by the constructor only, not defined as class fields first (a class field is an own-property
  // definition per field per object before the constructor body runs: 85,000 records in the L7 10k mesh, made once
  // per compile, mostly before the code is optimized). The same three own properties, in the same order.
  declare readonly caller: UpstreamCaller;
  declare readonly upstream: UpstreamDecl;
  declare readonly shape: UpstreamShape;

  constructor(caller: UpstreamCaller, upstream: UpstreamDecl, shape: UpstreamShape) {
    this.caller = caller;
    this.upstream = upstream;
    this.shape = shape;
  }

  get path(): string {
    return this.upstream.path;
  }

  get span(): SourceSpan | undefined {
    return this.upstream.span;
  }

  get service(): string {
    return this.caller.service;
  }

  get datacenter(): string {
    return this.caller.datacenter;
  }

  get destination(): string {
    return this.upstream.destinationName;
  }

  get targetDatacenter(): string {
    return this.shape.targetDatacenter;
  }

  get mode(): ModeDecision {
    const d = this.shape.decision;
    return d.ladders.decision(d.mode, d.from, this.caller.instance, this.upstream);
  }

  get chain(): CompiledChain | undefined {
    return this.shape.chain;
  }

  get error(): ChainCompileError | undefined {
    return this.shape.error;
  }

  toJSON(): Record<string, unknown> {
    const span = this.span;
    const { chain, error } = this;
    return {
      path: this.path,
      ...(span ? { span } : {}),
      service: this.service,
      datacenter: this.datacenter,
      destination: this.destination,
      targetDatacenter: this.targetDatacenter,
      mode: this.mode,
      ...(chain ? { chain } : {}),
      ...(error ? { error } : {}),
    };
  }
}
