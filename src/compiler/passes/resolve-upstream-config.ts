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
import type { ServiceInstanceDecl, UpstreamDecl } from '../../model/types.ts';
import { formatGoDuration } from '../duration.ts';
import type { EntryIndex } from '../entry-index.ts';
import type { ChainOverrides, ModeDecision } from '../types.ts';
import { matchingOverride, sidecarOverride } from './resolve-gateway-modes.ts';

/** mapstructure's weak decode of a scalar to a string; other shapes are ignored. */
function weakString(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function weakInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

/** The chain-request overrides the sidecar of `instance` sends for `upstream`. */
export function upstreamChainOverrides(
  instance: ServiceInstanceDecl,
  upstream: UpstreamDecl,
  index: EntryIndex,
  mode: ModeDecision,
): ChainOverrides {
  const caller = index.serviceDefaults(instance.service, instance.namespace, instance.partition)?.entry;
  const defaults = caller?.UpstreamConfig?.Defaults;
  const override = matchingOverride(caller, upstream);
  const destination = index.serviceDefaults(
    upstream.destinationName,
    upstream.destinationNamespace,
    upstream.destinationPartition,
  )?.entry;
  const local = upstream.config ?? {};

  const protocol =
    weakString(local.protocol) ??
    (override?.Protocol || undefined) ??
    (defaults?.Protocol || undefined) ??
    (destination?.Protocol || undefined) ??
    weakString(index.proxyDefaults(instance.partition)?.entry.Config?.protocol);
  const timeoutMs =
    weakInt(local.connect_timeout_ms) ??
    (override?.ConnectTimeoutMs || undefined) ??
    (defaults?.ConnectTimeoutMs || undefined);
  const meshGateway = sidecarOverride(mode);
  return {
    ...(meshGateway !== undefined ? { meshGateway } : {}),
    ...(protocol !== undefined ? { protocol: protocol.toLowerCase() } : {}),
    ...(timeoutMs !== undefined && timeoutMs > 0 ? { connectTimeout: formatGoDuration(timeoutMs * 1e6) } : {}),
  };
}
