/**
 * Topology: datacenter names unique, exactly one primary, Connect enabled everywhere, every datacenter configured with
 * the mesh's primary, and — when the mesh federates through mesh gateways — a gateway with a WAN address in every
 * datacenter.
 */
import {
  ConnectDisabled,
  DuplicateDatacenter,
  FederationGatewayMissing,
  PrimaryDatacenterCount,
  PrimaryDatacenterDisagreement,
} from '../../diagnostics/codes/reachability.ts';
import { type Diagnostic, diag, type PassResult } from '../../diagnostics/diagnostic.ts';
import type { DatacenterDecl, MeshModel } from '../../model/types.ts';

function at(d: DatacenterDecl) {
  return { path: d.path, ...(d.span ? { span: d.span } : {}) };
}

/**
 * Why the mesh federates through gateways, or undefined when it does not: Kubernetes federation (consul-k8s) always
 * goes through mesh gateways; otherwise gateways declared in more than one datacenter mean they carry WAN traffic.
 */
function federationReason(model: MeshModel): string | undefined {
  if (model.datacenters.length < 2) return undefined;
  const k8s = model.datacenters.find((d) => d.platform === 'kubernetes');
  if (k8s) return `datacenter '${k8s.name}' runs on Kubernetes, where federation always uses mesh gateways`;
  const withGateways = new Set(model.gateways.map((g) => g.datacenter));
  if (withGateways.size >= 2) return `mesh gateways are declared in ${[...withGateways].sort().join(', ')}`;
  return undefined;
}

/** Checks the datacenters of the mesh. */
export function checkTopology(model: MeshModel): PassResult<void> {
  const diagnostics: Diagnostic[] = [];
  const first = new Map<string, DatacenterDecl>();
  for (const d of model.datacenters) {
    const prev = first.get(d.name);
    if (prev) {
      diagnostics.push(
        diag(
          DuplicateDatacenter,
          { ...at(d), related: [{ ...at(prev), message: `'${d.name}' first declared here` }] },
          { name: d.name },
        ),
      );
    } else first.set(d.name, d);
  }
  const primaries = model.datacenters.filter((d) => d.primary);
  if (primaries.length !== 1) {
    const where = primaries[1] ?? model.datacenters[0];
    diagnostics.push(
      diag(
        PrimaryDatacenterCount,
        {
          ...(where ? at(where) : { path: model.path, ...(model.span ? { span: model.span } : {}) }),
          related: primaries.slice(0, 1).map((p) => ({ ...at(p), message: `'${p.name}' is also marked primary` })),
        },
        { count: primaries.length, names: primaries.map((p) => p.name).join(', ') },
      ),
    );
  }
  const primary = primaries[0]?.name ?? model.primaryDatacenter;
  for (const d of first.values()) {
    if (!d.connectEnabled)
      diagnostics.push(diag(ConnectDisabled, at(d), { dc: d.name, kubernetes: d.platform === 'kubernetes' }));
    if (primary && d.primaryDatacenter !== primary) {
      diagnostics.push(
        diag(PrimaryDatacenterDisagreement, at(d), { dc: d.name, configured: d.primaryDatacenter, primary }),
      );
    }
  }
  const reason = federationReason(model);
  if (reason) {
    const wan = new Set(model.gateways.filter((g) => g.wan !== undefined).map((g) => g.datacenter));
    for (const d of first.values()) {
      if (!wan.has(d.name)) diagnostics.push(diag(FederationGatewayMissing, at(d), { dc: d.name, reason }));
    }
  }
  return { value: undefined, diagnostics };
}
