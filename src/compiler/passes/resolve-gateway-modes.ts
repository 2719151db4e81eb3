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
import type { EntryIndex, Indexed } from '../entry-index.ts';
import { orDefault, ServiceMap } from '../service-map.ts';
import type { ModeDecision, ModeLayer, ModeLayerKind } from '../types.ts';

/** The layers a sidecar resolves itself and sends to Consul as the chain's `OverrideMeshGateway`. */
const SIDECAR_LAYERS: ReadonlySet<ModeLayerKind> = new Set<ModeLayerKind>([
  'upstream',
  'upstream-config-override',
  'instance',
  'upstream-config-defaults',
  'service-defaults',
  'proxy-defaults',
]);

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

/** The caller's `UpstreamConfig.Overrides` entry for a destination (the last one wins, as in Consul's map). */
export function matchingOverride(
  caller: ServiceDefaultsEntry | undefined,
  upstream: UpstreamDecl,
): UpstreamConfigOverride | undefined {
  // Overrides match the destination by name, namespace and partition; an override for a peer never matches a
  // local upstream.
  const overrides = caller?.UpstreamConfig?.Overrides ?? [];
  for (let i = overrides.length - 1; i >= 0; i--) {
    const o = overrides[i]!;
    if (
      o.Name === upstream.destinationName &&
      orDefault(o.Namespace) === orDefault(upstream.destinationNamespace) &&
      orDefault(o.Partition) === orDefault(upstream.destinationPartition) &&
      !o.Peer
    ) {
      return o;
    }
  }
  return undefined;
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
export class LadderRungs {
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
 * What deciding the modes of one calling service's upstreams needs from its entries: the first of its
 * `UpstreamConfig.Defaults`, its top-level `MeshGateway` and proxy-defaults that sets a mode (the rungs below the
 * instance). The rungs themselves, with their notes, are only built when a ladder is read (`LadderRungs.callerOf`).
 */
interface CallerModes {
  readonly caller: Indexed<ServiceDefaultsEntry> | undefined;
  /** Whether the caller has `UpstreamConfig.Overrides` (then each upstream looks for its own). */
  readonly hasOverrides: boolean;
  readonly mode: GatewayMode | undefined;
  readonly from: ModeLayerKind;
}

/**
 * The mesh-gateway mode of one upstream of one instance; its precedence `ladder` is built when first read.
 *
 * A compile decides the mode of every upstream (tens of thousands) but only `explain` and the compiled-chains
 * artifact read a ladder, so the decision keeps what the ladder is built from (the instance, the upstream and the
 * shared rungs, all immutable) instead of eight rungs per upstream. `mode` and `from` are the ladder's first rung
 * that sets a mode (`decideMode`), computed from the same inputs without building it (`decide`; a property test
 * checks the two agree). `toJSON` prints the three fields as the plain decision did.
 *
 * It is also the pass's `ResolvedUpstream`: `instance` and `upstream` are getters (not own keys, so a decision's own
 * keys, JSON and equality stay `mode`, `from`, `ladder`), so the pass makes one object per upstream, not two.
 */
class LazyModeDecision implements ResolvedUpstream {
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

  get instance(): ServiceInstanceDecl {
    return this.#instance;
  }

  get upstream(): UpstreamDecl {
    return this.#upstream;
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

/** Decides modes without building ladders: per-caller and per-destination parts looked up once. */
class ModeDecider {
  private readonly callers = new ServiceMap<CallerModes>();
  /** The destination's own service-defaults mode (`null`: none), only looked up when nothing above sets a mode. */
  private readonly destinations = new ServiceMap<GatewayMode | null>();
  readonly rungs: LadderRungs;

  constructor(private readonly index: EntryIndex) {
    this.rungs = new LadderRungs(index);
  }

  /** The caller's part, as `LadderRungs.callerOf` builds its rungs (same entries, same `modeOf`). */
  callerOf(instance: ServiceInstanceDecl): CallerModes {
    let c = this.callers.get(instance.service, instance.namespace, instance.partition);
    if (!c) {
      const caller = this.index.serviceDefaults(instance.service, instance.namespace, instance.partition);
      const defaults = modeOf(caller?.entry.UpstreamConfig?.Defaults?.MeshGateway);
      const own = modeOf(caller?.entry.MeshGateway);
      const proxy = modeOf(this.index.proxyDefaults(instance.partition)?.entry.MeshGateway);
      const [mode, from]: [GatewayMode | undefined, ModeLayerKind] =
        defaults !== undefined
          ? [defaults, 'upstream-config-defaults']
          : own !== undefined
            ? [own, 'service-defaults']
            : proxy !== undefined
              ? [proxy, 'proxy-defaults']
              : [undefined, 'builtin-default'];
      c = { caller, hasOverrides: caller?.entry.UpstreamConfig?.Overrides !== undefined, mode, from };
      this.callers.set(instance.service, instance.namespace, instance.partition, c);
    }
    return c;
  }

  private destinationMode(upstream: UpstreamDecl): GatewayMode | undefined {
    const { destinationName: name, destinationNamespace: ns, destinationPartition: ap } = upstream;
    let mode = this.destinations.get(name, ns, ap);
    if (mode === undefined) {
      mode = modeOf(this.index.serviceDefaults(name, ns, ap)?.entry.MeshGateway) ?? null;
      this.destinations.set(name, ns, ap, mode);
    }
    return mode ?? undefined;
  }

  /**
   * The decision of one upstream: the ladder's rungs in its order (`ladder`), each with the mode its rung would hold
   * (`upstreamRung`, `overrideOf`, `instance` keep a set mode as given; entry rungs go through `modeOf`).
   */
  decide(instance: ServiceInstanceDecl, caller: CallerModes, upstream: UpstreamDecl): ResolvedUpstream {
    const rungs = this.rungs;
    if (upstream.meshGateway !== undefined) {
      return new LazyModeDecision(upstream.meshGateway, 'upstream', instance, upstream, rungs);
    }
    if (caller.hasOverrides) {
      const override = modeOf(matchingOverride(caller.caller?.entry, upstream)?.MeshGateway);
      if (override !== undefined) {
        return new LazyModeDecision(override, 'upstream-config-override', instance, upstream, rungs);
      }
    }
    if (instance.meshGateway !== undefined) {
      return new LazyModeDecision(instance.meshGateway, 'instance', instance, upstream, rungs);
    }
    if (caller.mode !== undefined) return new LazyModeDecision(caller.mode, caller.from, instance, upstream, rungs);
    const destination = this.destinationMode(upstream);
    if (destination !== undefined) {
      return new LazyModeDecision(destination, 'destination-service-defaults', instance, upstream, rungs);
    }
    return new LazyModeDecision('none', 'builtin-default', instance, upstream, rungs);
  }
}

/** Resolves the mode of one upstream of one instance (its ladder is built when read). */
export function resolveUpstreamMode(
  instance: ServiceInstanceDecl,
  upstream: UpstreamDecl,
  index: EntryIndex,
  rungs?: LadderRungs,
): ModeDecision {
  if (rungs !== undefined) return decideMode(modeLadder(instance, upstream, index, rungs));
  const decider = new ModeDecider(index);
  return decider.decide(instance, decider.callerOf(instance), upstream);
}

/**
 * The `OverrideMeshGateway` a sidecar would send when it asks Consul for this upstream's chain: the decided mode when
 * a sidecar-side layer set it, otherwise nothing (the chain compile then applies the destination's defaults).
 */
export function sidecarOverride(decision: ModeDecision): GatewayMode | undefined {
  return SIDECAR_LAYERS.has(decision.from) ? decision.mode : undefined;
}

/**
 * One upstream of one instance with its mode decision: the decision itself, which knows its instance and upstream
 * (one object per upstream; see `LazyModeDecision`).
 */
export interface ResolvedUpstream extends ModeDecision {
  readonly instance: ServiceInstanceDecl;
  readonly upstream: UpstreamDecl;
}

/** Pass: resolves the mode of every (instance, upstream) in the model, in declaration order. */
export function resolveGatewayModes(model: MeshModel, index: EntryIndex): PassResult<ResolvedUpstream[]> {
  const value: ResolvedUpstream[] = [];
  const decider = new ModeDecider(index);
  for (const instance of model.instances) {
    if (instance.upstreams.length === 0) continue;
    const caller = decider.callerOf(instance);
    for (const upstream of instance.upstreams) {
      value.push(decider.decide(instance, caller, upstream));
    }
  }
  return { value, diagnostics: [] };
}
