/**
 * The compiler's own results as reviewable artifacts: for every service instance, each upstream's mesh-gateway mode
 * decision (the whole precedence ladder, which layer won) and its compiled discovery chain in Consul's
 * `GET /v1/discovery-chain/:service` shape (`compiled/<dc>/<service>.json`), plus the mesh picture (`mesh.mmd`).
 * Source locations are left out on purpose: they are absolute paths and would differ between machines.
 */
import type { Compilation, CompiledUpstream, ModeLayer } from '../compiler/types.ts';
import { renderMermaid } from '../graph/mermaid.ts';
import { meshGraph } from '../graph/mesh-graph.ts';
import { type Artifact, RenderedArtifact, stableJson } from './artifact.ts';

function layerJson(l: ModeLayer): Record<string, unknown> {
  return {
    kind: l.kind,
    mode: l.mode ?? null,
    ...(l.path ? { path: l.path } : {}),
    ...(l.note ? { note: l.note } : {}),
  };
}

function upstreamJson(u: CompiledUpstream): Record<string, unknown> {
  return {
    destination: u.destination,
    path: u.path,
    targetDatacenter: u.targetDatacenter,
    meshGateway: { mode: u.mode.mode, decidedBy: u.mode.from, ladder: u.mode.ladder.map(layerJson) },
    ...(u.chain ? { chain: { Chain: u.chain } } : {}),
    ...(u.error ? { error: u.error.message } : {}),
  };
}

/** The upstreams of one service in one datacenter, for its `compiled/<dc>/<service>.json`. */
interface InstanceUpstreams {
  readonly service: string;
  readonly datacenter: string;
  readonly list: readonly CompiledUpstream[];
}

function instanceText({ service, datacenter, list }: InstanceUpstreams): string {
  const upstreams = [...list].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map(upstreamJson);
  return stableJson({ service, datacenter, upstreams });
}

function meshText(c: Compilation): string {
  return renderMermaid(meshGraph(c.model, c.upstreams));
}

/** `compiled/<dc>/<service>.json` per service instance with upstreams, and `mesh.mmd` (each rendered when read). */
export function emitCompiledChains(c: Compilation): Artifact[] {
  const byInstance = new Map<string, CompiledUpstream[]>();
  for (const u of c.upstreams) {
    const key = `${u.datacenter}/${u.service}`;
    const list = byInstance.get(key) ?? [];
    list.push(u);
    byInstance.set(key, list);
  }
  const out: Artifact[] = [];
  for (const [key, list] of byInstance) {
    const [datacenter, service] = key.split('/') as [string, string];
    out.push(new RenderedArtifact(`compiled/${key}.json`, { service, datacenter, list }, instanceText));
  }
  out.push(new RenderedArtifact('mesh.mmd', c, meshText));
  return out;
}
