/**
 * The mesh as a graph for rendering: datacenters (groups) holding gateways and services, and one edge per
 * (upstream, target) — primary and failover — labelled with the destination and mode, marked unreachable when the
 * reachability report says so. Chains with a router or splitter get one edge per leg and target, labelled with the
 * route (`route 1 (path prefix /v2/)`) or the split weight (`90%`) and the subset (`api/v2`). Sorted, so the same
 * mesh always draws the same way.
 */
import { indexMesh, type MeshIndex, reachReport, serviceKey } from '../compiler/reach.ts';
import type { CompiledUpstream } from '../compiler/types.ts';
import type { GatewayMode, MeshModel } from '../model/types.ts';

export interface GraphNode {
  /** Stable id: `<dc>/svc/<name>` or `<dc>/gw/<name>`. */
  readonly id: string;
  readonly kind: 'service' | 'gateway' | 'missing';
  readonly label: string;
}

export interface GraphGroup {
  readonly datacenter: string;
  readonly label: string;
  readonly nodes: readonly GraphNode[];
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** The calling service and the upstream's destination (the target may differ after a redirect or failover). */
  readonly source: string;
  readonly upstream: string;
  readonly label: string;
  readonly mode: GatewayMode;
  readonly role: 'primary' | 'failover';
  readonly reachable: boolean;
}

export interface MeshGraph {
  readonly groups: readonly GraphGroup[];
  readonly edges: readonly GraphEdge[];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds the graph from the model and the compiled upstreams. */
export function meshGraph(
  model: MeshModel,
  upstreams: readonly CompiledUpstream[],
  index: MeshIndex = indexMesh(model),
): MeshGraph {
  const nodes = new Map<string, Map<string, GraphNode>>();
  const add = (dc: string, n: GraphNode) => {
    const m = nodes.get(dc) ?? new Map<string, GraphNode>();
    if (!m.has(n.id)) m.set(n.id, n);
    nodes.set(dc, m);
  };
  for (const d of model.datacenters) nodes.set(d.name, nodes.get(d.name) ?? new Map());
  for (const g of model.gateways) {
    const wan = g.wan ? ` wan ${g.wan.address}:${g.wan.port}` : ' (no wan)';
    add(g.datacenter, { id: `${g.datacenter}/gw/${g.name}`, kind: 'gateway', label: `${g.name}${wan}` });
  }
  for (const i of model.instances)
    add(i.datacenter, { id: `${i.datacenter}/svc/${i.service}`, kind: 'service', label: i.service });
  const edges: GraphEdge[] = [];
  for (const r of reachReport(model, upstreams, index)) {
    const from = `${r.datacenter}/svc/${r.service}`;
    if (r.error) {
      const to = `${r.targetDatacenter}/svc/${r.destination}`;
      if (!index.instances.has(`${serviceKey(r.destination)}@${r.targetDatacenter}`)) {
        add(r.targetDatacenter, { id: to, kind: 'missing', label: `${r.destination} (not deployed)` });
      }
      edges.push({
        from,
        to,
        source: r.service,
        upstream: r.destination,
        label: `${r.destination} (chain error)`,
        mode: 'none',
        role: 'primary',
        reachable: false,
      });
      continue;
    }
    for (const t of r.targets) {
      const to = `${t.datacenter}/svc/${t.service}`;
      // A peer's service: drawn in a box of that peer (what runs there is the peer cluster's to know).
      if (t.datacenter.startsWith('peer:')) add(t.datacenter, { id: to, kind: 'service', label: t.service });
      else if (t.problems.some((p) => p.kind === 'not-deployed' || p.kind === 'unknown-datacenter')) {
        add(t.datacenter, { id: to, kind: 'missing', label: `${t.service} (not deployed)` });
      }
      // Routes and splits are drawn as labelled edges: `route 1 (path prefix /v2/) · api/v2 · local`, `90% · api/v1`.
      const leg = t.leg?.replace(/^default route → /, '').replace(/^split \d+ \((.*)\)$/, '$1');
      const target = t.subset ? `${t.service}/${t.subset}` : t.service;
      const label = `${leg ? `${leg} · ` : ''}${t.role === 'failover' ? 'failover ' : ''}${target} · ${t.mode}`;
      edges.push({
        from,
        to,
        source: r.service,
        upstream: r.destination,
        label,
        mode: t.mode,
        role: t.role,
        reachable: t.reachable,
      });
    }
  }
  const primary = new Set(model.datacenters.filter((d) => d.primary).map((d) => d.name));
  const groups = [...nodes.keys()].sort(cmp).map((dc) => ({
    datacenter: dc,
    label: primary.has(dc) ? `${dc} (primary)` : dc.startsWith('peer:') ? `peer ${dc.slice(5)}` : dc,
    nodes: [...(nodes.get(dc)?.values() ?? [])].sort((a, b) => cmp(a.id, b.id)),
  }));
  const seen = new Set<string>();
  const unique = edges
    .sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.label, b.label))
    .filter((e) => {
      const k = `${e.from}|${e.to}|${e.label}|${e.reachable}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  return { groups, edges: unique };
}
