/**
 * What the validation passes read of a compiled chain's graph — its nodes (type, resolver target and failovers, routes,
 * splits) and its targets — without building the chain's `Nodes` / `Targets` JSON: a chain compiled by meshcc keeps a
 * compact form (`ChainWork`, `passes/chain-json.ts`) and builds that JSON only when something reads it. A chain from
 * elsewhere (parsed JSON, e.g. Consul's `/v1/discovery-chain`) is read through its JSON. Either way the values are those
 * the JSON holds. Pure; internal to the compiler.
 */
import type { ServiceRoute, ServiceSplit } from '../model/entries.ts';
import { float32Json } from '../model/split-weight.ts';
import { type ChainWork, chainTargetList, chainWork, isL7Node } from './passes/chain-json.ts';
import type { ChainNode, ChainTarget, CompiledChain } from './types.ts';

export interface RouteView {
  readonly definition: ServiceRoute;
  readonly nextNode: string;
}

export interface SplitView {
  /** The split's JSON `Weight` (0 when it has none: `omitempty`). */
  readonly weight: number;
  readonly definition: ServiceSplit;
  readonly nextNode: string;
}

/** One node of `Nodes`, as read. */
export interface NodeView {
  readonly key: string;
  readonly type: ChainNode['Type'];
  /** Whether the node has a `Resolver` (every resolver node). */
  readonly resolver: boolean;
  /** Its `Resolver.Target`. */
  readonly target: string | undefined;
  /** A resolver's `Resolver.Failover.Targets`. */
  readonly failover: readonly string[] | undefined;
  readonly routes: readonly RouteView[] | undefined;
  readonly splits: readonly SplitView[] | undefined;
}

/** A chain's graph, as read. */
export interface ChainView {
  /** In `Nodes` key order (sorted, for a chain compiled by meshcc). Shared by chains that share their nodes. */
  readonly nodes: readonly NodeView[];
  /** `Object.keys(Targets)`, in order. */
  readonly targetIds: readonly string[];
  /** `Object.values(Targets)`, in order (the same objects `Targets` holds). */
  readonly targets: readonly ChainTarget[];
}

/** Node views per `Nodes` object (a chain from JSON). */
const nodesMemo = new WeakMap<object, readonly NodeView[]>();
/** Node views and target IDs per work form (shared by a chain and its mode variants). */
const workMemo = new WeakMap<
  ChainWork,
  { readonly nodes: readonly NodeView[]; readonly targetIds: readonly string[] }
>();
const viewMemo = new WeakMap<CompiledChain, ChainView>();

/** The view of a chain, built once per chain object. */
export function chainView(chain: CompiledChain): ChainView {
  let v = viewMemo.get(chain);
  if (v === undefined) {
    const work = chainWork(chain);
    if (work !== undefined) {
      const shared = workViews(work);
      v = { nodes: shared.nodes, targetIds: shared.targetIds, targets: chainTargetList(chain)! };
    } else {
      let nodes = nodesMemo.get(chain.Nodes);
      if (nodes === undefined) {
        nodes = Object.keys(chain.Nodes).map((k) => jsonNodeView(k, chain.Nodes[k]!));
        nodesMemo.set(chain.Nodes, nodes);
      }
      v = { nodes, targetIds: Object.keys(chain.Targets), targets: Object.values(chain.Targets) };
    }
    viewMemo.set(chain, v);
  }
  return v;
}

/** The node with key `key` (a chain has a handful: a scan). */
export function viewNode(v: ChainView, key: string): NodeView | undefined {
  for (const n of v.nodes) if (n.key === key) return n;
  return undefined;
}

/** The target with ID `id`, as `Targets[id]` reads it. */
export function viewTarget(v: ChainView, id: string): ChainTarget | undefined {
  const ids = v.targetIds;
  for (let i = 0; i < ids.length; i++) if (ids[i] === id) return v.targets[i];
  return undefined;
}

function workViews(work: ChainWork): { readonly nodes: readonly NodeView[]; readonly targetIds: readonly string[] } {
  let out = workMemo.get(work);
  if (out === undefined) {
    const nodes = work.nodes.map((n): NodeView => {
      if (!isL7Node(n)) {
        return {
          key: n.key,
          type: 'resolver',
          resolver: true,
          target: n.targetId,
          failover: n.failover?.targets,
          routes: undefined,
          splits: undefined,
        };
      }
      if (n.type === 'router') {
        const routes = (n.routes ?? []).map((r) => ({ definition: r.definition!, nextNode: r.nextNode }));
        return {
          key: n.key,
          type: 'router',
          resolver: false,
          target: undefined,
          failover: undefined,
          routes,
          splits: undefined,
        };
      }
      // The JSON `Weight` as `renderL7` writes it: none for a zero weight, a split as written has its definition's.
      const splits = (n.splits ?? []).map((s) => ({
        weight: s.weight === 0 ? 0 : s.splitter !== undefined ? (s.definition!.Weight ?? 0) : float32Json(s.weight),
        definition: s.definition!,
        nextNode: s.nextNode,
      }));
      return {
        key: n.key,
        type: 'splitter',
        resolver: false,
        target: undefined,
        failover: undefined,
        routes: undefined,
        splits,
      };
    });
    out = { nodes, targetIds: work.targets.map((t) => t.id) };
    workMemo.set(work, out);
  }
  return out;
}

function jsonNodeView(key: string, n: ChainNode): NodeView {
  return {
    key,
    type: n.Type,
    resolver: n.Resolver !== undefined && n.Resolver !== null,
    target: n.Resolver?.Target,
    failover: n.Resolver?.Failover?.Targets,
    routes: n.Routes?.map((r) => ({ definition: r.Definition, nextNode: r.NextNode })),
    splits: n.Splits?.map((s) => ({ weight: s.Weight ?? 0, definition: s.Definition, nextNode: s.NextNode })),
  };
}
