/**
 * The mesh as a graph for rendering: datacenters (groups) holding gateways and services, and one edge per
 * (upstream, target) — primary and failover — labelled with the destination and mode, marked unreachable when the
 * reachability report says so. Chains with a router or splitter get one edge per leg and target, labelled with the
 * route (`route 1 (path prefix /v2/)`) or the split weight (`90%`) and the subset (`api/v2`). Sorted, so the same
 * mesh always draws the same way.
 */
import { indexMesh, type MeshIndex, reachReport, serviceKey, type UpstreamReach } from '../compiler/reach.ts';
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
  /** The cluster the datacenter belongs to (peered meshes only: groups are then drawn inside cluster boxes). */
  readonly cluster?: string;
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
  /** The caller's cluster (peered meshes only). */
  readonly cluster?: string;
  /** Set when the edge goes into another cluster (an upstream with `peer`, a failover or redirect to a peer). */
  readonly peer?: string;
}

/** A cluster box of a peered mesh. */
export interface GraphCluster {
  readonly name: string;
  readonly label: string;
}

/** A peering, drawn from the dialing cluster's box to the accepting one's. */
export interface GraphPeering {
  readonly dialer: string;
  readonly acceptor: string;
  readonly label: string;
  /** Live state when known (a plan's picture): false draws it as broken. */
  readonly active?: boolean;
}

export interface MeshGraph {
  readonly groups: readonly GraphGroup[];
  readonly edges: readonly GraphEdge[];
  /** Peered meshes: the clusters (each group names its cluster) and the peerings between them. */
  readonly clusters?: readonly GraphCluster[];
  readonly peerings?: readonly GraphPeering[];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds the graph from the model and the compiled upstreams (or their reachability reports, when the caller has
 * them: a peered mesh passes `meshReachReport`'s, whose peer targets are followed into the exporting cluster and
 * drawn there).
 */
export function meshGraph(
  model: MeshModel,
  upstreams: readonly CompiledUpstream[],
  index: MeshIndex = indexMesh(model),
  reports: readonly UpstreamReach[] = reachReport(model, upstreams, index),
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
  const known = new Set(model.datacenters.map((d) => d.name));
  for (const r of reports) {
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
      // A peer's service: into the exporting cluster's datacenter when the model has it (the path's last hop), else
      // in a box of that peer (what runs there is the peer cluster's to know).
      const last = t.hops[t.hops.length - 1];
      const peer = t.datacenter.startsWith('peer:') ? t.datacenter.slice('peer:'.length) : undefined;
      const into = peer && last?.kind === 'instance' && known.has(last.datacenter) ? last.datacenter : undefined;
      const to = `${into ?? t.datacenter}/svc/${t.service}`;
      if (into && t.problems.some((p) => p.kind === 'not-deployed'))
        add(into, { id: to, kind: 'missing', label: `${t.service} (not deployed)` });
      else if (peer && !into) add(t.datacenter, { id: to, kind: 'service', label: t.service });
      else if (t.problems.some((p) => p.kind === 'not-deployed' || p.kind === 'unknown-datacenter')) {
        add(t.datacenter, { id: to, kind: 'missing', label: `${t.service} (not deployed)` });
      }
      // Routes and splits are drawn as labelled edges: `route 1 (path prefix /v2/) · api/v2 · local`, `90% · api/v1`.
      const leg = t.leg?.replace(/^default route → /, '').replace(/^split \d+ \((.*)\)$/, '$1');
      const target = t.subset ? `${t.service}/${t.subset}` : t.service;
      const label = `${leg ? `${leg} · ` : ''}${t.role === 'failover' ? 'failover ' : ''}${into ? `peer ${peer}: ` : ''}${target} · ${t.mode}`;
      edges.push({
        ...(into && peer ? { peer } : {}),
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
