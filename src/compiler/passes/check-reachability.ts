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
import type { MeshModel } from '../../model/types.ts';
import { indexMesh, type MeshIndex, reachUpstream, serviceKey, type TargetPath } from '../reach.ts';
import type { CompiledUpstream } from '../types.ts';

function dcRelated(index: MeshIndex, dc: string, message: string): RelatedLocation[] {
  const d = index.datacenters.get(dc);
  return d ? [{ path: d.path, ...(d.span ? { span: d.span } : {}), message }] : [];
}

function targetName(t: TargetPath): string {
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

function gatewayDiagnostics(
  index: MeshIndex,
  u: CompiledUpstream,
  t: TargetPath,
  failoverAt: RelatedLocation | undefined,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const upstream = `${u.service} → ${u.destination}`;
  for (const p of t.problems) {
    const at = (related: RelatedLocation[]) => ({
      path: u.path,
      ...(u.span ? { span: u.span } : {}),
      related: t.role === 'failover' && failoverAt ? [...related, failoverAt] : related,
    });
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
  return out;
}

/** Checks every compiled upstream's targets. Upstreams whose chain does not compile are reported elsewhere (MC2002). */
export function checkReachability(model: MeshModel, upstreams: readonly CompiledUpstream[]): PassResult<void> {
  const index = indexMesh(model);
  const failovers = failoverLocations(model);
  const diagnostics: Diagnostic[] = [];
  for (const u of upstreams) {
    if (u.error) continue;
    const r = reachUpstream(index, u);
    const upstream = `${u.service} → ${u.destination}`;
    const failoverAt = u.chain
      ? failovers.get(serviceKey(u.chain.ServiceName, u.chain.Namespace, u.chain.Partition))
      : undefined;
    for (const t of r.targets) diagnostics.push(...gatewayDiagnostics(index, u, t, failoverAt));
    const primaries = r.targets.filter((t) => t.role === 'primary');
    const failoverTargets = r.targets.filter((t) => t.role === 'failover');
    const covered = failoverTargets.some((t) => t.reachable);
    for (const t of primaries) {
      if (!t.problems.some((p) => p.kind === 'not-deployed') || covered) continue;
      const dcs = index.deployedIn.get(serviceKey(t.service, t.namespace, t.partition)) ?? [];
      diagnostics.push(
        diag(
          DestinationNotDeployed,
          { path: u.path, ...(u.span ? { span: u.span } : {}) },
          {
            upstream,
            service: t.service,
            dc: t.datacenter,
            deployedIn: dcs.length === 0 ? 'in no datacenter' : `only in ${dcs.map((d) => `'${d}'`).join(', ')}`,
          },
        ),
      );
    }
    for (const t of failoverTargets) {
      if (!t.problems.some((p) => p.kind === 'not-deployed' || p.kind === 'unknown-datacenter')) continue;
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
