/**
 * The overrides a sidecar sends with its discovery-chain request for one upstream: the resolved mesh-gateway mode,
 * protocol and connect timeout of that upstream.
 *
 * Mirrors `agent/proxycfg/connect_proxy.go` (the `DiscoveryChainRequest` with `OverrideMeshGateway:
 * proxyCfg.MeshGateway.OverlayWith(u.MeshGateway)`, `OverrideProtocol: cfg.Protocol`, `OverrideConnectTimeout:
 * cfg.ConnectTimeout()` where `cfg = ParseUpstreamConfigNoDefaults(u.Config)`), with `u.Config` as
 * `agent/configentry/resolve.go` `ComputeResolvedServiceConfig` builds it (lowest first: proxy-defaults `protocol`,
 * the destination's service-defaults `Protocol`, the caller's `UpstreamConfig.Defaults`, the caller's
 * `UpstreamConfig.Overrides` for this destination) and `MergeServiceConfig` lets the upstream's own `config` win.
 */
import type { ServiceDefaultsEntry, UpstreamConfigOverride } from '../../model/entries.ts';
import type { GatewayMode, ServiceInstanceDecl, UpstreamDecl } from '../../model/types.ts';
import { formatGoDuration } from '../duration.ts';
import type { EntryIndex } from '../entry-index.ts';
import { orDefault } from '../service-map.ts';
import type { ChainOverrides, ModeDecision, ModeLayerKind } from '../types.ts';

/** The layers a sidecar resolves itself and sends to Consul as the chain's `OverrideMeshGateway`. */
const SIDECAR_LAYERS: ReadonlySet<ModeLayerKind> = new Set<ModeLayerKind>([
  'upstream',
  'upstream-config-override',
  'instance',
  'upstream-config-defaults',
  'service-defaults',
  'proxy-defaults',
]);

/**
 * The `OverrideMeshGateway` a sidecar would send when it asks Consul for this upstream's chain: the decided mode when
 * a sidecar-side layer set it, otherwise nothing (the chain compile then applies the destination's defaults).
 */
export function sidecarOverride(decision: Pick<ModeDecision, 'mode' | 'from'>): GatewayMode | undefined {
  return SIDECAR_LAYERS.has(decision.from) ? decision.mode : undefined;
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

/** mapstructure's weak decode of a scalar to a string; other shapes are ignored. */
export function weakString(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function weakInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

/**
 * The protocol the sidecar sends for an upstream, highest first: the upstream's own `config.protocol`, the caller's
 * `UpstreamConfig.Overrides` entry for the destination, the caller's `UpstreamConfig.Defaults`, the destination's
 * service-defaults `Protocol`, the `protocol` of the caller's proxy-defaults (as given, not lower-cased). The lower
 * parts are passed as values (empty ones as undefined): the compiler looks them up once per service.
 */
export function requestProtocol(
  config: UpstreamDecl['config'],
  override: UpstreamConfigOverride | undefined,
  callerDefaults: string | undefined,
  destination: string | undefined,
  proxy: string | undefined,
): string | undefined {
  return weakString(config?.protocol) ?? (override?.Protocol || undefined) ?? callerDefaults ?? destination ?? proxy;
}

/**
 * The connect timeout (ms) the sidecar sends, highest first: the upstream's own `config.connect_timeout_ms`, the
 * caller's override for the destination, the caller's `UpstreamConfig.Defaults.ConnectTimeoutMs` (unset when 0).
 */
export function requestTimeoutMs(
  config: UpstreamDecl['config'],
  override: UpstreamConfigOverride | undefined,
  callerDefaults: number | undefined,
): number | undefined {
  return weakInt(config?.connect_timeout_ms) ?? (override?.ConnectTimeoutMs || undefined) ?? callerDefaults;
}

/** The chain-request overrides the sidecar of `instance` sends for `upstream`. */
export function upstreamChainOverrides(
  instance: ServiceInstanceDecl,
  upstream: UpstreamDecl,
  index: EntryIndex,
  mode: ModeDecision,
  shared?: OverridesTable,
  /** The destination's service-defaults, when the caller has looked it up already (`null`: it has none). */
  destinationDefaults?: ServiceDefaultsEntry | null,
): ChainOverrides {
  const table = shared ?? new OverridesTable();
  const caller = table.callerDefaults(instance, index);
  const defaults = caller?.UpstreamConfig?.Defaults;
  const override = matchingOverride(caller, upstream);
  const local = upstream.config;

  const destination =
    destinationDefaults === undefined
      ? index.serviceDefaults(upstream.destinationName, upstream.destinationNamespace, upstream.destinationPartition)
          ?.entry
      : (destinationDefaults ?? undefined);
  const protocol = requestProtocol(
    local,
    override,
    defaults?.Protocol || undefined,
    destination?.Protocol || undefined,
    weakString(index.proxyDefaults(instance.partition)?.entry.Config?.protocol),
  );
  const timeoutMs = requestTimeoutMs(local, override, defaults?.ConnectTimeoutMs || undefined);
  const meshGateway = sidecarOverride(mode);
  return table.get(meshGateway, protocol?.toLowerCase(), connectTimeoutOverride(timeoutMs));
}

/** The `OverrideConnectTimeout` of a resolved `connect_timeout_ms` (none unless positive). */
export function connectTimeoutOverride(timeoutMs: number | undefined): string | undefined {
  return timeoutMs !== undefined && timeoutMs > 0 ? formatGoDuration(timeoutMs * 1e6) : undefined;
}

/**
 * One `ChainOverrides` object per distinct (mode, protocol, timeout): a mesh has a few, shared by all its upstreams, so
 * the chain cache can tell two requests apart by identity.
 */
export class OverridesTable {
  private readonly byMode = new Map<string, Map<string, Map<string, ChainOverrides>>>();
  /** The caller's service-defaults, for the last instance asked about (upstreams come instance by instance). */
  private lastInstance: ServiceInstanceDecl | undefined;
  private lastCaller: ServiceDefaultsEntry | undefined;

  callerDefaults(instance: ServiceInstanceDecl, index: EntryIndex): ServiceDefaultsEntry | undefined {
    if (instance !== this.lastInstance) {
      this.lastInstance = instance;
      this.lastCaller = index.serviceDefaults(instance.service, instance.namespace, instance.partition)?.entry;
    }
    return this.lastCaller;
  }

  /** The same overrides without the mesh-gateway mode (shared, like every object of the table). */
  withoutMode(o: ChainOverrides): ChainOverrides {
    return o.meshGateway === undefined ? o : this.get(undefined, o.protocol, o.connectTimeout);
  }

  get(meshGateway: GatewayMode | undefined, protocol: string | undefined, connectTimeout: string | undefined) {
    let byProtocol = this.byMode.get(meshGateway ?? '');
    if (!byProtocol) {
      byProtocol = new Map();
      this.byMode.set(meshGateway ?? '', byProtocol);
    }
    let byTimeout = byProtocol.get(protocol ?? '');
    if (!byTimeout) {
      byTimeout = new Map();
      byProtocol.set(protocol ?? '', byTimeout);
    }
    let o = byTimeout.get(connectTimeout ?? '');
    if (!o) {
      const made: { -readonly [K in keyof ChainOverrides]: ChainOverrides[K] } = {};
      if (meshGateway !== undefined) made.meshGateway = meshGateway;
      if (protocol !== undefined) made.protocol = protocol;
      if (connectTimeout !== undefined) made.connectTimeout = connectTimeout;
      o = made;
      byTimeout.set(connectTimeout ?? '', o);
    }
    return o;
  }
}
