/**
 * Mesh-gateway mode resolution with provenance: for each (service instance, upstream), which layer decides the
 * mode, and what every other layer would have said.
 *
 * Consul flattens the mode in two places, and this pass mirrors both:
 *
 * 1. The caller's sidecar (`agent/configentry/resolve.go` `ComputeResolvedServiceConfig`, then
 *    `agent/configentry/merge_service_config.go` `MergeServiceConfig` and `agent/proxycfg/connect_proxy.go`, which
 *    sends `proxyCfg.MeshGateway.OverlayWith(upstream.MeshGateway)` as the chain's `OverrideMeshGateway`). Highest
 *    first: the upstream definition; the CALLER's service-defaults `UpstreamConfig.Overrides` entry for this
 *    destination; the proxy registration (service instance); the caller's `UpstreamConfig.Defaults`; the caller's
 *    top-level service-defaults `MeshGateway`; proxy-defaults.
 * 2. The discovery-chain compile (`agent/consul/discoverychain/compile.go` `getResolverNode`): when the sidecar sent
 *    no override, each target takes the DESTINATION's service-defaults `MeshGateway`, else proxy-defaults. So the
 *    destination's own service-defaults only counts when nothing above set a mode.
 *
 * Nothing set anywhere: Consul's default mode, which behaves as `none` (the proxy dials the remote instances
 * directly). Same-datacenter targets carry the mode too (Consul returns it in `Target.MeshGateway`), but proxies
 * dial local instances directly; reachability checks decide what that means.
 */
import type { PassResult } from '../../diagnostics/diagnostic.ts';
import type { ServiceDefaultsEntry, UpstreamConfigOverride } from '../../model/entries.ts';
import type { EntryDecl, GatewayMode, MeshModel, ServiceInstanceDecl, UpstreamDecl } from '../../model/types.ts';
import {
  type ChainFamily,
  type DecisionSource,
  type ShapeRequest,
  type SharedDecision,
  type UpstreamCaller,
  UpstreamRecord,
  type UpstreamShape,
} from '../compiled-upstream.ts';
import { DeclReader, presetDeclFacts } from '../decl-facts.ts';
import type { EntryIndex, Indexed } from '../entry-index.ts';
import { ServiceMap } from '../service-map.ts';
import type { ModeDecision, ModeLayer, ModeLayerKind } from '../types.ts';
import {
  connectTimeoutOverride,
  matchingOverride,
  OverridesTable,
  requestProtocol,
  requestTimeoutMs,
  sidecarOverride,
  weakString,
} from './resolve-upstream-config.ts';

export { matchingOverride, sidecarOverride };

/** Consul's `""` mode means "not set": treat an empty string from raw input as unset too. */
function modeOf(m: { readonly Mode?: GatewayMode | '' } | undefined): GatewayMode | undefined {
  const mode = m?.Mode;
  return mode === undefined || mode === '' ? undefined : mode;
}

function entryLayer(
  kind: ModeLayerKind,
  found: { readonly decl: EntryDecl } | undefined,
  mode: GatewayMode | undefined,
  note: string,
): ModeLayer {
  const decl = found?.decl;
  // Field by field in the type's order, optional fields only when set (no spread temporaries).
  const layer: { -readonly [K in keyof ModeLayer]: ModeLayer[K] } = { kind };
  if (mode !== undefined) layer.mode = mode;
  if (decl) layer.path = decl.path;
  if (decl?.span) layer.span = decl.span;
  layer.note = decl ? note : `${note} (no such entry)`;
  return layer;
}

/** The first layer that sets a mode wins; none set gives `none` from the built-in default. */
export function decideMode(ladder: readonly ModeLayer[]): ModeDecision {
  for (const layer of ladder) {
    if (layer.mode !== undefined) return { mode: layer.mode, from: layer.kind, ladder };
  }
  return { mode: 'none', from: 'builtin-default', ladder };
}

/** What the ladders of one calling service share. */
export interface CallerRungs {
  readonly caller: Indexed<ServiceDefaultsEntry> | undefined;
  /** upstream-config-defaults, service-defaults and proxy-defaults. */
  readonly rungs: readonly ModeLayer[];
  /** The note of its `UpstreamConfig.Overrides` rungs. */
  readonly overrides: string;
  readonly noOverride: ModeLayer;
}

/**
 * The rungs that come from config entries only, memoised per caller and destination: a mesh with many instances of
 * the same services shares them (they are immutable).
 */
export class LadderRungs implements DecisionSource {
  private readonly callers = new ServiceMap<CallerRungs>();
  private readonly destinationRungs = new ServiceMap<ModeLayer>();
  private readonly instanceRungs = new Map<ServiceInstanceDecl, ModeLayer>();

  constructor(readonly index: EntryIndex) {}

  /** The calling service's entries and rungs, looked up once per service. */
  callerOf(instance: ServiceInstanceDecl): CallerRungs {
    let c = this.callers.get(instance.service, instance.namespace, instance.partition);
    if (!c) {
      const caller = this.index.serviceDefaults(instance.service, instance.namespace, instance.partition);
      const name = `service-defaults '${instance.service}' (the caller)`;
      const proxyDefaults = this.index.proxyDefaults(instance.partition);
      const rungs = [
        entryLayer(
          'upstream-config-defaults',
          caller,
          modeOf(caller?.entry.UpstreamConfig?.Defaults?.MeshGateway),
          `${name} UpstreamConfig.Defaults`,
        ),
        entryLayer('service-defaults', caller, modeOf(caller?.entry.MeshGateway), name),
        entryLayer('proxy-defaults', proxyDefaults, modeOf(proxyDefaults?.entry.MeshGateway), 'proxy-defaults global'),
      ];
      const overrides = `${name} UpstreamConfig.Overrides`;
      // No override for a destination: one shared rung per caller.
      const noOverride = entryLayer(
        'upstream-config-override',
        caller,
        undefined,
        `${overrides}: none for this destination`,
      );
      c = { caller, rungs, overrides, noOverride };
      this.callers.set(instance.service, instance.namespace, instance.partition, c);
    }
    return c;
  }

  /** upstream-config-defaults, service-defaults and proxy-defaults of the calling service. */
  caller(instance: ServiceInstanceDecl): readonly ModeLayer[] {
    return this.callerOf(instance).rungs;
  }

  /** The caller's `UpstreamConfig.Overrides` rung for this destination. */
  override(instance: ServiceInstanceDecl, upstream: UpstreamDecl): ModeLayer {
    return this.overrideOf(this.callerOf(instance), upstream);
  }

  /** `override` with the caller's rungs already looked up. */
  overrideOf(c: CallerRungs, upstream: UpstreamDecl): ModeLayer {
    const override = c.caller?.entry.UpstreamConfig?.Overrides ? matchingOverride(c.caller.entry, upstream) : undefined;
    if (override) {
      return entryLayer(
        'upstream-config-override',
        c.caller,
        modeOf(override.MeshGateway),
        `${c.overrides}[${upstream.destinationName}]`,
      );
    }
    return c.noOverride;
  }

  /** `proxy.mesh_gateway` of the instance, shared by its upstreams. */
  instance(instance: ServiceInstanceDecl): ModeLayer {
    let rung = this.instanceRungs.get(instance);
    if (!rung) {
      const layer: { -readonly [K in keyof ModeLayer]: ModeLayer[K] } = { kind: 'instance' };
      if (instance.meshGateway !== undefined) layer.mode = instance.meshGateway;
      layer.path = instance.path;
      if (instance.span) layer.span = instance.span;
      layer.note = 'proxy.mesh_gateway of the instance';
      rung = layer;
      this.instanceRungs.set(instance, rung);
    }
    return rung;
  }

  /** The decision of one upstream, its ladder built from these rungs when read. */
  decision(
    mode: GatewayMode,
    from: ModeLayerKind,
    instance: ServiceInstanceDecl,
    upstream: UpstreamDecl,
  ): ModeDecision {
    return new LazyModeDecision(mode, from, instance, upstream, this);
  }

  /** The destination's own service-defaults, applied inside the chain compile. */
  destination(upstream: UpstreamDecl): ModeLayer {
    const { destinationName: name, destinationNamespace: namespace, destinationPartition: partition } = upstream;
    let rung = this.destinationRungs.get(name, namespace, partition);
    if (!rung) {
      const destination = this.index.serviceDefaults(
        upstream.destinationName,
        upstream.destinationNamespace,
        upstream.destinationPartition,
      );
      rung = entryLayer(
        'destination-service-defaults',
        destination,
        modeOf(destination?.entry.MeshGateway),
        `service-defaults '${upstream.destinationName}' (the destination; applied in the chain compile when nothing above sets a mode)`,
      );
      this.destinationRungs.set(name, namespace, partition, rung);
    }
    return rung;
  }
}

const BUILTIN: ModeLayer = { kind: 'builtin-default', mode: 'none', note: "Consul's default: no mesh gateway" };

/**
 * The precedence ladder for one upstream of one instance, highest first (see the module comment for the Consul
 * functions each rung comes from).
 */
export function modeLadder(
  instance: ServiceInstanceDecl,
  upstream: UpstreamDecl,
  index: EntryIndex,
  rungs: LadderRungs = new LadderRungs(index),
): ModeLayer[] {
  return ladder(upstream, rungs, rungs.callerOf(instance), rungs.instance(instance));
}

/** `modeLadder` with the instance's own rungs already looked up (they are the same for all of its upstreams). */
function ladder(upstream: UpstreamDecl, rungs: LadderRungs, caller: CallerRungs, instanceRung: ModeLayer): ModeLayer[] {
  // One exactly-sized array and one new rung per upstream; every other rung is shared (see `LadderRungs`).
  const [upstreamConfigDefaults, serviceDefaults, proxyDefaults] = caller.rungs;
  return [
    upstreamRung(upstream),
    rungs.overrideOf(caller, upstream),
    instanceRung,
    upstreamConfigDefaults!,
    serviceDefaults!,
    proxyDefaults!,
    rungs.destination(upstream),
    BUILTIN,
  ];
}

const UPSTREAM_NOTE = 'upstreams[].mesh_gateway';

/**
 * `upstreams[].mesh_gateway` of the upstream itself: the one rung made per upstream, as an object literal per shape
 * (a single allocation with its fields in the object itself).
 */
function upstreamRung(upstream: UpstreamDecl): ModeLayer {
  const { meshGateway: mode, path, span } = upstream;
  if (mode === undefined) {
    return span
      ? { kind: 'upstream', path, span, note: UPSTREAM_NOTE }
      : { kind: 'upstream', path, note: UPSTREAM_NOTE };
  }
  return span
    ? { kind: 'upstream', mode, path, span, note: UPSTREAM_NOTE }
    : { kind: 'upstream', mode, path, note: UPSTREAM_NOTE };
}

/**
 * The mesh-gateway mode of one upstream of one instance; its precedence `ladder` is built when first read.
 *
 * A compile decides the mode of every upstream (tens of thousands) but only `explain` and the compiled-chains
 * artifact read a ladder, so the decision keeps what the ladder is built from (the instance, the upstream and the
 * shared rungs, all immutable) instead of eight rungs per upstream. `mode` and `from` are the ladder's first rung
 * that sets a mode (`decideMode`), computed from the same inputs without building it (`UpstreamResolver.shape`; a
 * property test checks the two agree). `toJSON` prints the three fields as the plain decision did.
 */
class LazyModeDecision implements ModeDecision {
  readonly mode: GatewayMode;
  readonly from: ModeLayerKind;
  readonly #instance: ServiceInstanceDecl;
  readonly #upstream: UpstreamDecl;
  readonly #rungs: LadderRungs;
  #ladder: readonly ModeLayer[] | undefined;

  constructor(
    mode: GatewayMode,
    from: ModeLayerKind,
    instance: ServiceInstanceDecl,
    upstream: UpstreamDecl,
    rungs: LadderRungs,
  ) {
    this.mode = mode;
    this.from = from;
    this.#instance = instance;
    this.#upstream = upstream;
    this.#rungs = rungs;
    this.#ladder = undefined;
  }

  get ladder(): readonly ModeLayer[] {
    if (this.#ladder === undefined) {
      const rungs = this.#rungs;
      this.#ladder = ladder(this.#upstream, rungs, rungs.callerOf(this.#instance), rungs.instance(this.#instance));
    }
    return this.#ladder;
  }

  toJSON(): { mode: GatewayMode; from: ModeLayerKind; ladder: readonly ModeLayer[] } {
    return { mode: this.mode, from: this.from, ladder: this.ladder };
  }
}

/**
 * What resolving the upstreams of one calling service (service, namespace, partition) needs from its entries, looked
 * up once per service: for the mode, the first of its `UpstreamConfig.Defaults`, its top-level `MeshGateway` and
 * proxy-defaults that sets one (the rungs below the instance; the rungs themselves, with their notes, are only built
 * when a ladder is read, `LadderRungs.callerOf`); for the chain request, the protocol and timeout its entries give.
 */
interface Caller {
  readonly service: string;
  readonly namespace: string;
  readonly partition: string;
  readonly entry: ServiceDefaultsEntry | undefined;
  /** Whether the caller has `UpstreamConfig.Overrides` (then each upstream looks for its own). */
  readonly hasOverrides: boolean;
  readonly mode: GatewayMode | undefined;
  readonly from: ModeLayerKind;
  /** `UpstreamConfig.Defaults.Protocol` (unset when empty). */
  readonly defaultsProtocol: string | undefined;
  /** `UpstreamConfig.Defaults.ConnectTimeoutMs` (unset when 0). */
  readonly defaultsTimeoutMs: number | undefined;
  /** `defaultsTimeoutMs` as the request's `OverrideConnectTimeout`. */
  readonly connectTimeout: string | undefined;
  /** The `protocol` of the proxy-defaults of its partition. */
  readonly proxyProtocol: string | undefined;
}

/** What resolving the upstreams to one destination service needs: looked up once per destination. */
interface Destination {
  /** Its own service-defaults `MeshGateway` mode (applied in the chain compile when nothing above sets one). */
  readonly mode: GatewayMode | undefined;
  /** Its service-defaults `Protocol` (unset when empty). */
  readonly protocol: string | undefined;
  /**
   * Its chain requests so far: a few (datacenters × protocol/timeout overrides), so a short list. Lists here grow by
   * copying into an exactly sized array (a `push` would give each of the 10,000 lists of a 10k mesh room for 17).
   */
  families: readonly ChainFamily[];
  /** The requests of its upstreams' shapes so far (a few: families × mode decisions), searched by their keys. */
  shapes: readonly ShapeRequest[];
  /** The one found last (most upstreams to a destination share one), checked before the list. */
  last: ShapeRequest | undefined;
}

/**
 * Resolves upstreams into shared `UpstreamShape`s: the mode decision (as `LazyModeDecision` decides it) and the chain
 * request a sidecar would send (as `upstreamChainOverrides` builds it), with one lookup per upstream (its
 * destination) and one per calling service.
 */
class UpstreamResolver {
  private readonly callers = new ServiceMap<Caller>();
  private lastCaller: Caller | undefined;
  private readonly destinations = new ServiceMap<Destination>();
  private readonly overrides = new OverridesTable();
  private readonly decisions: SharedDecision[] = [];
  /** Protocols lower-cased so far (a mesh names a few). */
  private readonly lowered = new Map<string, string>();
  readonly rungs: LadderRungs;

  constructor(private readonly index: EntryIndex) {
    this.rungs = new LadderRungs(index);
  }

  /** The calling service's part (instances come service by service, so the last one is checked first). */
  callerOf(instance: ServiceInstanceDecl): Caller {
    return this.callerFor(instance.service, instance.namespace, instance.partition);
  }

  /** `callerOf` an instance of this service (its fields read by the caller). */
  callerFor(service: string, namespace: string, partition: string): Caller {
    const last = this.lastCaller;
    if (
      last !== undefined &&
      last.service === service &&
      last.namespace === namespace &&
      last.partition === partition
    ) {
      return last;
    }
    let c = this.callers.get(service, namespace, partition);
    if (!c) {
      // The same entries and `modeOf` as `LadderRungs.callerOf`'s rungs, and `upstreamChainOverrides`'s lookups.
      const entry = this.index.serviceDefaults(service, namespace, partition)?.entry;
      const defaults = entry?.UpstreamConfig?.Defaults;
      const defaultsMode = modeOf(defaults?.MeshGateway);
      const own = modeOf(entry?.MeshGateway);
      const proxyDefaults = this.index.proxyDefaults(partition)?.entry;
      const proxy = modeOf(proxyDefaults?.MeshGateway);
      const [mode, from]: [GatewayMode | undefined, ModeLayerKind] =
        defaultsMode !== undefined
          ? [defaultsMode, 'upstream-config-defaults']
          : own !== undefined
            ? [own, 'service-defaults']
            : proxy !== undefined
              ? [proxy, 'proxy-defaults']
              : [undefined, 'builtin-default'];
      const defaultsTimeoutMs = defaults?.ConnectTimeoutMs || undefined;
      c = {
        service,
        namespace,
        partition,
        entry,
        hasOverrides: entry?.UpstreamConfig?.Overrides !== undefined,
        mode,
        from,
        defaultsProtocol: defaults?.Protocol || undefined,
        defaultsTimeoutMs,
        connectTimeout: connectTimeoutOverride(defaultsTimeoutMs),
        proxyProtocol: weakString(proxyDefaults?.Config?.protocol),
      };
      this.callers.set(service, namespace, partition, c);
    }
    this.lastCaller = c;
    return c;
  }

  private destinationOf(upstream: UpstreamDecl): Destination {
    const { destinationName: name, destinationNamespace: ns, destinationPartition: ap } = upstream;
    let d = this.destinations.get(name, ns, ap);
    if (!d) {
      const entry = this.index.serviceDefaults(name, ns, ap)?.entry;
      d = {
        mode: modeOf(entry?.MeshGateway),
        protocol: entry?.Protocol || undefined,
        families: [],
        shapes: [],
        last: undefined,
      };
      this.destinations.set(name, ns, ap, d);
    }
    return d;
  }

  private lower(protocol: string): string {
    let lower = this.lowered.get(protocol);
    if (lower === undefined) {
      lower = protocol.toLowerCase();
      this.lowered.set(protocol, lower);
    }
    return lower;
  }

  /** The shape of one upstream of one instance (`caller` is `callerOf(instance)`). */
  shape(
    instanceDc: string,
    instanceMode: GatewayMode | undefined,
    caller: Caller,
    upstream: UpstreamDecl,
  ): UpstreamShape {
    const d = this.destinationOf(upstream);
    const override: UpstreamConfigOverride | undefined = caller.hasOverrides
      ? matchingOverride(caller.entry, upstream)
      : undefined;

    // The mode: the ladder's rungs in its order (`ladder`), each with the mode its rung would hold (`upstreamRung`,
    // `overrideOf`, `instance` keep a set mode as given; entry rungs go through `modeOf`). The sidecar sends it as the
    // request's override unless only the destination's own defaults (or nothing) set it (`sidecarOverride`).
    let mode: GatewayMode;
    let from: ModeLayerKind;
    let sent = true;
    const overrideMode = override === undefined ? undefined : modeOf(override.MeshGateway);
    if (upstream.meshGateway !== undefined) {
      mode = upstream.meshGateway;
      from = 'upstream';
    } else if (overrideMode !== undefined) {
      mode = overrideMode;
      from = 'upstream-config-override';
    } else if (instanceMode !== undefined) {
      mode = instanceMode;
      from = 'instance';
    } else if (caller.mode !== undefined) {
      mode = caller.mode;
      from = caller.from;
    } else if (d.mode !== undefined) {
      mode = d.mode;
      from = 'destination-service-defaults';
      sent = false;
    } else {
      mode = 'none';
      from = 'builtin-default';
      sent = false;
    }

    // Protocol and connect timeout, as `upstreamChainOverrides` computes them (`requestProtocol`, `requestTimeoutMs`),
    // with the per-service parts looked up once per caller and destination. The caller's defaults timeout is
    // formatted once per caller.
    const config = upstream.config;
    let protocol = requestProtocol(config, override, caller.defaultsProtocol, d.protocol, caller.proxyProtocol);
    const timeoutMs = requestTimeoutMs(config, override, caller.defaultsTimeoutMs);
    const connectTimeout =
      timeoutMs === caller.defaultsTimeoutMs ? caller.connectTimeout : connectTimeoutOverride(timeoutMs);
    if (protocol !== undefined) protocol = this.lower(protocol);

    const dc = upstream.datacenter ?? instanceDc;
    // `sent` follows from `from`, so (datacenter, protocol, timeout, mode, from) identifies a shape: a request's are
    // its shape's target datacenter and decision, and its family's protocol and timeout.
    const last = d.last;
    if (last !== undefined && sameKey(last, dc, mode, from, protocol, connectTimeout)) return last.shape;
    const requests = d.shapes;
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i]!;
      if (sameKey(r, dc, mode, from, protocol, connectTimeout)) {
        d.last = r;
        return r.shape;
      }
    }
    const shape: UpstreamShape = {
      decision: this.sharedDecision(mode, from),
      targetDatacenter: dc,
      chain: undefined,
      error: undefined,
      request: undefined,
    };
    const request: ShapeRequest = {
      shape,
      family: this.family(d, upstream, dc, protocol, connectTimeout),
      sidecarMode: sent ? mode : undefined,
      numbering: undefined,
      chainNumber: -1,
      groupDc: undefined,
      group: -1,
    };
    shape.request = request;
    d.shapes = requests.length === 0 ? [request] : [...requests, request];
    d.last = request;
    return shape;
  }

  /** The one `SharedDecision` of a (mode, from) pair (a compile has a few). */
  private sharedDecision(mode: GatewayMode, from: ModeLayerKind): SharedDecision {
    for (const d of this.decisions) if (d.mode === mode && d.from === from) return d;
    const d: SharedDecision = { mode, from, ladders: this.rungs };
    this.decisions.push(d);
    return d;
  }

  /** The chain request of a new shape: shared by the shapes that differ only in their mode decision. */
  private family(
    d: Destination,
    upstream: UpstreamDecl,
    dc: string,
    protocol: string | undefined,
    connectTimeout: string | undefined,
  ): ChainFamily {
    for (const f of d.families) {
      if (f.dc === dc && f.protocol === protocol && f.connectTimeout === connectTimeout) return f;
    }
    const family: ChainFamily = {
      serviceName: upstream.destinationName,
      namespace: upstream.destinationNamespace,
      partition: upstream.destinationPartition,
      dc,
      protocol,
      connectTimeout,
      overrides: this.overrides.get(undefined, protocol, connectTimeout),
      base: undefined,
    };
    d.families = d.families.length === 0 ? [family] : [...d.families, family];
    return family;
  }
}

/** Whether a shape request has this key (see `UpstreamResolver.shape`). */
function sameKey(
  r: ShapeRequest,
  dc: string,
  mode: GatewayMode,
  from: ModeLayerKind,
  protocol: string | undefined,
  connectTimeout: string | undefined,
): boolean {
  const shape = r.shape;
  const decision = shape.decision;
  const family = r.family;
  return (
    shape.targetDatacenter === dc &&
    decision.mode === mode &&
    decision.from === from &&
    family.protocol === protocol &&
    family.connectTimeout === connectTimeout
  );
}

/** Resolves the mode of one upstream of one instance (its ladder is built when read). */
export function resolveUpstreamMode(
  instance: ServiceInstanceDecl,
  upstream: UpstreamDecl,
  index: EntryIndex,
  rungs?: LadderRungs,
): ModeDecision {
  if (rungs !== undefined) return decideMode(modeLadder(instance, upstream, index, rungs));
  const resolver = new UpstreamResolver(index);
  const d = resolver.shape(instance.datacenter, instance.meshGateway, resolver.callerOf(instance), upstream).decision;
  return d.ladders.decision(d.mode, d.from, instance, upstream);
}

/**
 * One upstream of one instance with its mode decision and chain request: the compiled upstream itself, whose chain
 * the chain pass (`compileUpstreamChains`) fills in (see `UpstreamRecord`).
 */
export type ResolvedUpstream = UpstreamRecord;

/**
 * Pass: resolves the mode and the chain request of every (instance, upstream) in the model, in declaration order.
 *
 * Instances of one service in one datacenter often share their upstream list (e.g. a canary group): when an
 * instance has the same list, service, datacenter and instance-level mode as the one before it, every input of its
 * shapes is the same (see `UpstreamResolver.shape`), so it takes that instance's shapes without reading its
 * upstreams again.
 */
export function resolveGatewayModes(model: MeshModel, index: EntryIndex): PassResult<ResolvedUpstream[]> {
  const value: UpstreamRecord[] = [];
  const resolver = new UpstreamResolver(index);
  const shapes: UpstreamShape[] = [];
  let prevUpstreams: readonly UpstreamDecl[] | undefined;
  let prevCaller: Caller | undefined;
  let prevDc: string | undefined;
  let prevMode: GatewayMode | undefined;
  // The validation passes' read of the declarations (`decl-facts.ts`) is done in this walk, from the same reads of
  // each instance's fields: a model's instances rarely share a hidden class (the L7 10k bench's 17,000 have
  // thousands), so every field read is a megamorphic property load that mostly misses V8's stub cache (≈ 0.15 µs
  // each, measured warm); reading each field once per compile instead of once per walk (and per use) saves them.
  const decls = new DeclReader(model);
  const instances = model.instances;
  for (let i = 0; i < instances.length; i++) {
    const instance = instances[i]!;
    const service = instance.service;
    const namespace = instance.namespace;
    const partition = instance.partition;
    const datacenter = instance.datacenter;
    const upstreams = instance.upstreams;
    const meshGateway = instance.meshGateway;
    decls.instance(i, instance, service, namespace, partition, datacenter, upstreams, meshGateway);
    const n = upstreams.length;
    if (n === 0) continue;
    const caller = resolver.callerFor(service, namespace, partition);
    const same =
      upstreams === prevUpstreams && caller === prevCaller && datacenter === prevDc && meshGateway === prevMode;
    const at: UpstreamCaller = { instance, service: caller.service, datacenter };
    for (let k = 0; k < n; k++) {
      const upstream = upstreams[k]!;
      let shape: UpstreamShape;
      if (same) shape = shapes[k]!;
      else {
        shape = resolver.shape(datacenter, meshGateway, caller, upstream);
        shapes[k] = shape;
      }
      value.push(new UpstreamRecord(at, upstream, shape));
    }
    prevUpstreams = upstreams;
    prevCaller = caller;
    prevDc = datacenter;
    prevMode = meshGateway;
  }
  // check-platform and the validation passes find the facts by the upstream list (`declFacts`), which the chain pass
  // hands on as it is (`compileUpstreamChains` returns this very array).
  presetDeclFacts(model, value, decls.facts());
  return { value, diagnostics: [] };
}
