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
import { type ChainFacts, type UpstreamChains, upstreamChains } from '../chain-legs.ts';
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
 * Upstreams that share a compiled chain, seen from one datacenter with one fallback mode, have the same targets: each
 * distinct (chain, caller datacenter, mode) is analysed and summarised once, so the pass is linear in the upstreams.
 */
class TargetReachCache {
  /** Per chain number (`upstreamChains`), the few (caller datacenter, mode) pairs it is seen from: a short list. */
  private readonly byChain: ({ dc: string; mode: GatewayMode | undefined; summary: TargetSummary }[] | undefined)[] =
    [];

  private readonly check: ReachCheck;

  constructor(
    private readonly index: MeshIndex,
    private readonly chains: UpstreamChains,
  ) {
    this.check = new ReachCheck(index);
  }

  /** The summary of `u`, the upstream at index `k` of the list `chains` numbers. */
  get(u: CompiledUpstream, k: number): TargetSummary {
    const id = this.chains.chainOf[k]!;
    if (id < 0) return this.compute(u, undefined);
    const facts = this.chains.facts[id]!;
    // Targets that all carry a mode are reached the same whatever the upstream's fallback mode: not read then.
    const mode = facts.modeFree ? undefined : u.mode.mode;
    let seen = this.byChain[id];
    if (seen) {
      for (const s of seen) if (s.dc === u.datacenter && s.mode === mode) return s.summary;
    } else {
      seen = [];
      this.byChain[id] = seen;
    }
    const summary = this.compute(u, facts);
    seen.push({ dc: u.datacenter, mode, summary });
    return summary;
  }

  private compute(u: CompiledUpstream, facts: ChainFacts | undefined): TargetSummary {
    // The targets the legs reach are among the chain's `Targets`: when every one of those is reachable, so is every
    // leg's (the common case), and the legs need not be walked at all.
    if (facts && this.check.all(u.datacenter, facts.targets, u.mode.mode)) return CLEAN;
    const refs = upstreamTargets(u);
    // The common case is checked without building a report per target.
    if (refs.every((r) => this.check.reaches(u.datacenter, r.target, u.mode.mode))) return CLEAN;
    return summarise(
      refs.map((r) => {
        const t = targetReach(this.index, u.datacenter, r.role, r.target, u.mode.mode);
        return r.leg ? { ...t, leg: r.leg.label } : t;
      }),
    );
  }
}

/** Checks every compiled upstream's targets. Upstreams whose chain does not compile are reported elsewhere (MC2002). */
export function checkReachability(model: MeshModel, upstreams: readonly CompiledUpstream[]): PassResult<void> {
  const index = indexMesh(model);
  const cache = new TargetReachCache(index, upstreamChains(upstreams));
  // Only needed when something is to be reported: built on first use.
  let failovers: Map<string, RelatedLocation> | undefined;
  const diagnostics: Diagnostic[] = [];
  for (let k = 0; k < upstreams.length; k++) {
    const u = upstreams[k]!;
    if (u.error) continue;
    const sum = cache.get(u, k);
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
