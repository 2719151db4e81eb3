/**
 * What the validation passes read of a compiled chain's graph — its nodes (type, resolver target and failovers, routes,
 * splits) and its targets — without building the chain's `Nodes` / `Targets` JSON: a chain compiled by meshcc keeps a
 * compact form (`ChainWork`, `passes/chain-json.ts`) and builds that JSON only when something reads it. A chain from
 * elsewhere (parsed JSON, e.g. Consul's `/v1/discovery-chain`) is read through its JSON. Either way the values are those
 * the JSON holds. Pure; internal to the compiler.
 */
import type { ServiceRoute, ServiceSplit } from '../model/entries.ts';
import { float32Json } from '../model/split-weight.ts';
import {
  type ChainWork,
  fillL7Definitions,
  type LazyChain,
  lazyChainState,
  targetListOf,
} from './passes/chain-json.ts';
import type { ChainNode, ChainTarget, CompiledChain } from './types.ts';

export interface RouteView {
  readonly definition: ServiceRoute;
  readonly nextNode: string;
}

export interface SplitView {
  /** The split's JSON `Weight` (0 when it has none: `omitempty`). */
  readonly jsonWeight: number;
  readonly definition: ServiceSplit;
  readonly nextNode: string;
}

/**
 * One node of `Nodes`, as read. A compiled chain's resolver and router work nodes are their own views (the field names
 * match, and a work route's definition is filled in before the chain is built); a splitter gets one (its JSON weights).
 */
export interface NodeView {
  readonly key: string;
  readonly type: ChainNode['Type'];
  /** `Resolver.Target`; undefined for a node without `Resolver` (every resolver node has one). */
  readonly targetId?: string | undefined;
  /** `Resolver.Failover` (its `Targets`). */
  readonly failover?: { readonly targets: readonly string[] } | undefined;
  readonly routes?: readonly RouteView[] | undefined;
  readonly splits?: readonly SplitView[] | undefined;
}

/** A chain's graph, as read. */
export interface ChainView {
  /** In `Nodes` key order (sorted, for a chain compiled by meshcc). Shared by chains that share their nodes. */
  readonly nodes: readonly NodeView[];
  /** The keys of `Targets` (`id`), in order: one per target. */
  readonly keys: readonly { readonly id: string }[];
  /** `Object.values(Targets)`, in order (the same objects `Targets` holds). */
  readonly targets: readonly ChainTarget[];
}

/** Views of chains from JSON (a lazily built chain keeps its own), and their node views per `Nodes` object. */
const jsonViews = new WeakMap<CompiledChain, ChainView>();
const jsonNodes = new WeakMap<object, readonly NodeView[]>();

/**
 * The view of a chain compiled here: its targets are rendered when first read (`targetListOf` keeps them), so a pass
 * that reads only the nodes or the work targets (`ChainFacts`) renders none.
 */
class WorkView implements ChainView {
  readonly keys: readonly { readonly id: string }[];

  constructor(
    readonly nodes: readonly NodeView[],
    private readonly state: LazyChain,
  ) {
    this.keys = state.work.targets;
  }

  get targets(): readonly ChainTarget[] {
    return targetListOf(this.state);
  }
}

/**
 * The type of the node with key `key` (`viewNode(chainView(chain), key)?.type`): a chain compiled here is read from
 * its work nodes (a splitter's view differs from its work node only in its splits), without making its view.
 */
export function nodeType(chain: CompiledChain, key: string): ChainNode['Type'] | undefined {
  const s = lazyChainState(chain);
  if (s === undefined) return viewNode(chainView(chain), key)?.type;
  const nodes = s.work.nodes;
  for (let i = 0; i < nodes.length; i++) if (nodes[i]!.key === key) return nodes[i]!.type;
  return undefined;
}

/** The view of a chain, built once per chain object. */
export function chainView(chain: CompiledChain): ChainView {
  const s = lazyChainState(chain);
  if (s !== undefined) {
    let v = s.view as ChainView | undefined;
    if (v === undefined) {
      v = new WorkView(workNodeViews(s.work), s);
      s.view = v;
    }
    return v;
  }
  let v = jsonViews.get(chain);
  if (v === undefined) {
    let nodes = jsonNodes.get(chain.Nodes);
    if (nodes === undefined) {
      nodes = Object.keys(chain.Nodes).map((k) => jsonNodeView(k, chain.Nodes[k]!));
      jsonNodes.set(chain.Nodes, nodes);
    }
    v = { nodes, keys: Object.keys(chain.Targets).map((id) => ({ id })), targets: Object.values(chain.Targets) };
    jsonViews.set(chain, v);
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
  const keys = v.keys;
  for (let i = 0; i < keys.length; i++) if (keys[i]!.id === id) return v.targets[i];
  return undefined;
}

/** The node views of a work form (shared by a chain and its mode variants): the work nodes, splitters viewed. */
function workNodeViews(work: ChainWork): readonly NodeView[] {
  let out = work.nodeViews as readonly NodeView[] | undefined;
  if (out === undefined) {
    const nodes = work.nodes;
    out = nodes as readonly NodeView[];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (n.type === 'resolver') continue;
      fillL7Definitions(n);
      if (n.type !== 'splitter') continue;
      if (out === nodes) out = nodes.slice() as NodeView[];
      // The JSON `Weight` as `renderL7` writes it: none for a zero weight, a split as written has its definition's.
      const splits = (n.splits ?? []).map((s) => ({
        jsonWeight: s.weight === 0 ? 0 : s.splitter !== undefined ? (s.definition!.Weight ?? 0) : float32Json(s.weight),
        definition: s.definition!,
        nextNode: s.nextNode,
      }));
      (out as NodeView[])[i] = { key: n.key, type: 'splitter', splits };
    }
    work.nodeViews = out;
  }
  return out;
}

function jsonNodeView(key: string, n: ChainNode): NodeView {
  const r = n.Resolver;
  return {
    key,
    type: n.Type,
    targetId: r?.Target,
    failover: r?.Failover ? { targets: r.Failover.Targets ?? [] } : undefined,
    routes: n.Routes?.map((x) => ({ definition: x.Definition, nextNode: x.NextNode })),
    splits: n.Splits?.map((x) => ({ jsonWeight: x.Weight ?? 0, definition: x.Definition, nextNode: x.NextNode })),
  };
}
