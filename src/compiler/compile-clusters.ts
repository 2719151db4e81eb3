/**
 * `compileClusters(model)`: a peered mesh compiled cluster by cluster. Each cluster is split off as a mesh of its own
 * (`model/clusters.ts`) and goes through the ordinary `compile()` (its own trust domain, primary, entries); then the
 * cross-cluster checks (`check-peering`) run over the whole. Chains with peer targets come out exactly as Consul
 * compiles them in that cluster (target ID `<svc>.<ns>.default.external.<peer>`, no SNI: Consul fills peered SNI
 * names in from the peer's trust domain when it builds the proxy config). Pure.
 */
import { compareDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.ts';
import { isPeeredMesh, type PeerUpstream, splitClusters } from '../model/clusters.ts';
import type { ClusterDecl, MeshModel } from '../model/types.ts';
import { compile } from './compile.ts';
import { checkPeering } from './passes/check-peering.ts';
import type { Compilation } from './types.ts';

export interface ClusterCompilation {
  readonly cluster: ClusterDecl;
  readonly compilation: Compilation;
  readonly peerUpstreams: readonly PeerUpstream[];
}

export interface PeeredCompilation {
  readonly model: MeshModel;
  readonly clusters: readonly ClusterCompilation[];
  /** Every cluster's findings and the cross-cluster ones, each once (mesh-wide constructs are seen by every cluster). */
  readonly diagnostics: readonly Diagnostic[];
}

/** Compiles a peered mesh (one with `clusters`). */
export function compileClusters(model: MeshModel): PeeredCompilation {
  const split = splitClusters(model);
  const clusters = split.map(
    (cm): ClusterCompilation => ({
      cluster: cm.cluster,
      compilation: compile(cm.model),
      peerUpstreams: cm.peerUpstreams,
    }),
  );
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const all = [...clusters.flatMap((c) => c.compilation.diagnostics), ...checkPeering(model, split).diagnostics];
  for (const d of all) {
    const key = `${d.code}\u0000${d.path}\u0000${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics.push(d);
  }
  return { model, clusters, diagnostics: diagnostics.sort(compareDiagnostics) };
}

/**
 * One Compilation for commands that look at the whole mesh (validate, reach, graph, explain): the mesh itself when it
 * has no clusters; for peered clusters, each cluster compiled on its own and the results side by side (every
 * cluster's entries and upstreams, the findings of `compileClusters`). Its `entries` are not one Consul's: write
 * entries per cluster (`compileClusters`), never from this.
 */
export function compileMesh(model: MeshModel): Compilation {
  if (!isPeeredMesh(model)) return compile(model);
  const pc = compileClusters(model);
  return {
    model,
    entries: pc.clusters.flatMap((c) => c.compilation.entries),
    upstreams: pc.clusters.flatMap((c) => c.compilation.upstreams),
    diagnostics: [...pc.diagnostics],
  };
}

/** The model a datacenter's chains compile in: its cluster's own model (a mesh without clusters is its own). */
export function modelOfDatacenter(model: MeshModel, datacenter: string): MeshModel {
  if (!isPeeredMesh(model)) return model;
  return splitClusters(model).find((c) => c.cluster.datacenters.includes(datacenter))?.model ?? model;
}
