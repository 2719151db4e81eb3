/**
 * Reachability check: for every (instance, upstream, target), primary and failover, the mesh-gateway mode must have the
 * gateways it needs and the target datacenter must run the service. Reads the paths computed by `reach.ts`.
 */
import {
  DestinationNotDeployed,
  DirectAcrossNetworks,
  FailoverTargetNotDeployed,
  LocalModeNoSourceGateway,
  NoRemoteGateway,
} from '../../diagnostics/codes/reachability.ts';
import { type Diagnostic, diag, type PassResult, type RelatedLocation } from '../../diagnostics/diagnostic.ts';
import type { GatewayMode, MeshModel } from '../../model/types.ts';
import { type FactTarget, upstreamChains } from '../chain-legs.ts';
import {
  indexMesh,
  type MeshIndex,
  ReachCheck,
  serviceKey,
  type TargetReach,
  targetReach,
  upstreamTargets,
} from '../reach.ts';
import type { CompiledUpstream } from '../types.ts';

function dcRelated(index: MeshIndex, dc: string, message: string): RelatedLocation[] {
  const d = index.datacenters.get(dc);
  return d ? [{ path: d.path, ...(d.span ? { span: d.span } : {}), message }] : [];
}

function targetName(t: TargetReach): string {
  return t.role === 'failover' ? `${t.service} (failover target)` : t.service;
}

/**
 * Where each service's failover is declared: the resolver's deepest `Failover` field, e.g. its `Datacenters` (the line inside a raw entry file when
 * it came from one), so a finding about a failover target also points at the failover that introduced it.
 */
function failoverLocations(model: MeshModel): Map<string, RelatedLocation> {
  const out = new Map<string, RelatedLocation>();
  for (const d of model.entries) {
    if (d.entry.Kind !== 'service-resolver' || d.entry.Failover === undefined) continue;
    const field = Object.keys(d.fieldSpans ?? {})
      .filter((k) => k.startsWith('/Failover'))
      .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))[0];
    const span = (field !== undefined ? d.fieldSpans?.[field] : undefined) ?? d.span;
    out.set(serviceKey(d.entry.Name, d.entry.Namespace, d.entry.Partition), {
      path: d.path,
      ...(span ? { span } : {}),
      message: `failover of '${d.entry.Name}' declared here`,
    });
  }
  return out;
}

/** Adds the gateway findings of one target of `u` to `out`. */
function gatewayDiagnostics(
  index: MeshIndex,
  u: CompiledUpstream,
  t: TargetReach,
  failoverAt: RelatedLocation | undefined,
  out: Diagnostic[],
): void {
  if (t.problems.length === 0) return;
  const upstream = `${u.service} → ${u.destination}${t.leg ? ` (${t.leg})` : ''}`;
  const at = (related: RelatedLocation[]) => ({
    path: u.path,
    ...(u.span ? { span: u.span } : {}),
    related: t.role === 'failover' && failoverAt ? [...related, failoverAt] : related,
  });
  for (const p of t.problems) {
    if (p.kind === 'no-source-gateway') {
      out.push(
        diag(
          LocalModeNoSourceGateway,
          at(dcRelated(index, u.datacenter, `datacenter '${u.datacenter}' declared here`)),
          { upstream, target: targetName(t), dc: u.datacenter, targetDc: t.datacenter },
        ),
      );
    } else if (p.kind === 'no-remote-gateway') {
      out.push(
        diag(NoRemoteGateway, at(dcRelated(index, t.datacenter, `datacenter '${t.datacenter}' declared here`)), {
          upstream,
          target: targetName(t),
          targetDc: t.datacenter,
          mode: t.mode,
          why: p.why,
        }),
      );
    } else if (p.kind === 'direct-across-networks') {
      out.push(
        diag(DirectAcrossNetworks, at(dcRelated(index, t.datacenter, `datacenter '${t.datacenter}' declared here`)), {
          upstream,
          target: targetName(t),
          dc: u.datacenter,
          targetDc: t.datacenter,
          network: p.network,
          targetNetwork: p.targetNetwork,
        }),
      );
    }
  }
}

interface TargetSummary {
  readonly targets: readonly TargetReach[];
  readonly primaries: readonly TargetReach[];
  readonly failoverTargets: readonly TargetReach[];
  /** Legs (undefined: the plain chain) where some failover target is reachable, so an undeployed primary is covered. */
  readonly covered: ReadonlySet<string | undefined>;
  /** Nothing to report beyond what the gateway checks say (the common case: skip the per-upstream work). */
  readonly clean: boolean;
}

const NONE: readonly TargetReach[] = Object.freeze([]);

/** Every target reachable: nothing to report (most upstreams), and nothing to keep. */
const CLEAN: TargetSummary = Object.freeze({
  targets: NONE,
  primaries: NONE,
  failoverTargets: NONE,
  covered: new Set<string | undefined>(),
  clean: true,
});

function summarise(targets: readonly TargetReach[]): TargetSummary {
  // Most chains have primary targets only: then the list itself is the primaries (no filtered copies).
  const failoverTargets = targets.some((t) => t.role === 'failover')
    ? targets.filter((t) => t.role === 'failover')
    : NONE;
  return {
    targets,
    primaries: failoverTargets === NONE ? targets : targets.filter((t) => t.role === 'primary'),
    failoverTargets,
    covered: new Set(failoverTargets.filter((t) => t.reachable).map((t) => t.leg)),
    clean: targets.every((t) => t.problems.length === 0),
  };
}

/**
 * Per work number (`UpstreamChains.workOf`: a chain and its mode variants have the same targets but for their modes),
 * whether every non-peer target runs where it is (`ReachCheck.placedAt`, which neither a caller nor a mode changes):
 * 0 not known yet, 1 yes, 2 no.
 */
type Placed = Uint8Array;

/**
 * Whether every target of a chain (`targets[from]` up to `targets[to]`: its work form's fact targets,
 * `UpstreamChains.factTargets`, work number `work`; `variant` and
 * `variantMode`: its `UpstreamChains.variants` and `variantModes`) is reachable for a caller in `dc` with fallback
 * mode `fallback` (a reach group's), in one read of the targets: the caller's side of each (`ReachCheck.routesTo`),
 * and its placement unless already known for the chain's work form (then recorded). The targets are the chain's fact
 * targets (the rendered target's fields, nothing rendered).
 */
function allReached(
  check: ReachCheck,
  dc: string,
  fallback: GatewayMode,
  work: number,
  targets: readonly FactTarget[],
  from: number,
  to: number,
  variant: number,
  variantMode: GatewayMode | undefined,
  placed: Placed,
): boolean {
  const known = placed[work];
  if (known === 2) return false;
  for (let i = from; i < to; i++) {
    const t = targets[i]!;
    // The target's mode as rendered (`variantTargetMode`), else the fallback.
    const mode = (variant !== 0 && !t.external ? variantMode || undefined : t.mode) ?? fallback;
    if (!check.routesTo(dc, t.peer, t.datacenter, mode)) return false;
    if (known === 0 && t.peer === undefined) {
      if (!check.placedAt(t.service, t.namespace, t.partition, t.datacenter, t.filter)) {
        placed[work] = 2;
        return false;
      }
    }
  }
  placed[work] = 1;
  return true;
}

/** What a caller in `u.datacenter` with `u`'s fallback mode reaches of `u`'s targets (`clean`: all of its chain's). */
function summary(check: ReachCheck, u: CompiledUpstream, clean: boolean): TargetSummary {
  // The targets the legs reach are among the chain's `Targets`: when every one of those is reachable, so is every
  // leg's (the common case), and the legs need not be walked at all.
  if (clean) return CLEAN;
  const refs = upstreamTargets(u);
  // The common case is checked without building a report per target.
  if (refs.every((r) => check.reaches(u.datacenter, r.target, u.mode.mode))) return CLEAN;
  return summarise(
    refs.map((r) => {
      const t = targetReach(check.index, u.datacenter, r.role, r.target, u.mode.mode);
      return r.leg ? { ...t, leg: r.leg.label } : t;
    }),
  );
}

/**
 * Checks every compiled upstream's targets. Upstreams whose chain does not compile are reported elsewhere (MC2002).
 * Upstreams that share a compiled chain, seen from one datacenter with one fallback mode, have the same targets: each
 * such group (`upstreamChains`) is analysed and summarised once, at its first upstream, and only the upstreams of a
 * group with something to report (and those without a chain) are visited.
 */
export function checkReachability(model: MeshModel, upstreams: readonly CompiledUpstream[]): PassResult<void> {
  const index = indexMesh(model);
  const check = new ReachCheck(index);
  const chains = upstreamChains(upstreams);
  const { groupOf, groupFirst, groupDc, groupMode, chainOf, workOf, factTargets, workStart } = chains;
  const { variants, variantModes, modeFrees } = chains;
  // Per group, its summary when it is not clean (few: most groups reach every target), flagged in `unclean`; a clean
  // group has none (a map of the few rather than an array of 30,000 entries in the L7 10k mesh).
  const summaries = new Map<number, TargetSummary>();
  const unclean = new Uint8Array(groupFirst.length);
  let from = upstreams.length;
  const placed: Placed = new Uint8Array(chains.works);
  // A group's caller datacenter and fallback mode come with the numbering: its first upstream is read only when
  // something is to be reported. Targets that all carry a mode are reached the same whatever the fallback mode (the
  // group has none then: any mode stands in, unused).
  for (let g = 0; g < groupFirst.length; g++) {
    const k = groupFirst[g]!;
    const id = chainOf[k]!;
    const w = workOf[id]!;
    const fallback = modeFrees[id]! ? 'none' : groupMode[g]!;
    const start = workStart[w]!;
    const end = workStart[w + 1]!;
    if (allReached(check, groupDc[g]!, fallback, w, factTargets, start, end, variants[id]!, variantModes[id], placed)) {
      continue;
    }
    const s = summary(check, upstreams[k]!, false);
    if (s.clean) continue;
    summaries.set(g, s);
    unclean[g] = 1;
    if (k < from) from = k;
  }
  if (chains.unchained.length > 0 && chains.unchained[0]! < from) from = chains.unchained[0]!;
  // Only needed when something is to be reported: built on first use.
  let failovers: Map<string, RelatedLocation> | undefined;
  const diagnostics: Diagnostic[] = [];
  for (let k = from; k < upstreams.length; k++) {
    const group = groupOf[k]!;
    if (group >= 0 && unclean[group] === 0) continue;
    const u = upstreams[k]!;
    if (u.error) continue;
    const sum = group >= 0 ? summaries.get(group)! : summary(check, u, false);
    if (sum.clean) continue;
    failovers ??= failoverLocations(model);
    const failoverAt = u.chain
      ? failovers.get(serviceKey(u.chain.ServiceName, u.chain.Namespace, u.chain.Partition))
      : undefined;
    for (const t of sum.targets) gatewayDiagnostics(index, u, t, failoverAt, diagnostics);
    const { primaries, failoverTargets, covered } = sum;
    const missing = (t: TargetReach) => t.problems.some((p) => p.kind === 'not-deployed' || p.kind === 'subset-empty');
    for (const t of primaries) {
      if (!missing(t) || covered.has(t.leg)) continue;
      const upstream = `${u.service} → ${u.destination}${t.leg ? ` (${t.leg})` : ''}`;
      const subset = t.problems.find((p) => p.kind === 'subset-empty');
      const dcs = [...(index.placements.get(t.service, t.namespace, t.partition)?.keys() ?? [])];
      diagnostics.push(
        diag(
          DestinationNotDeployed,
          { path: u.path, ...(u.span ? { span: u.span } : {}) },
          {
            upstream,
            service: subset?.kind === 'subset-empty' ? `${t.service} subset ${subset.subset}` : t.service,
            dc: t.datacenter,
            deployedIn:
              subset?.kind === 'subset-empty'
                ? `in '${t.datacenter}' with no instance matching ${subset.filter}`
                : dcs.length === 0
                  ? 'in no datacenter'
                  : `only in ${dcs.map((d) => `'${d}'`).join(', ')}`,
          },
        ),
      );
    }
    for (const t of failoverTargets) {
      // A datacenter the mesh does not declare at all is MC2006 at the resolver (check-entry-graph): once, an error.
      if (!missing(t) || t.problems.some((p) => p.kind === 'unknown-datacenter')) continue;
      const upstream = `${u.service} → ${u.destination}${t.leg ? ` (${t.leg})` : ''}`;
      diagnostics.push(
        diag(
          FailoverTargetNotDeployed,
          { path: u.path, ...(u.span ? { span: u.span } : {}), ...(failoverAt ? { related: [failoverAt] } : {}) },
          { upstream, service: t.service, dc: t.datacenter },
        ),
      );
    }
  }
  return { value: undefined, diagnostics };
}
