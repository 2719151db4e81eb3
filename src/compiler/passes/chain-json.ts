/**
 * The compiler's working form of chain nodes and targets, and their JSON in the exact shape of Consul's
 * `agent/structs/discovery_chain.go` (`CompiledDiscoveryChain`, `DiscoveryGraphNode`, `DiscoveryResolver`,
 * `DiscoveryTarget`): `omitempty` fields left out, durations as Go strings except the resolver's `RequestTimeout`
 * (nanoseconds, as Consul prints it), map keys sorted.
 */
import type {
  ResolverSubset,
  ServiceRoute,
  ServiceRouterEntry,
  ServiceSplit,
  ServiceSplitterEntry,
} from '../../model/entries.ts';
import { float32Json } from '../../model/split-weight.ts';
import type { GatewayMode } from '../../model/types.ts';
import type { TargetNames } from '../chain-memo.ts';
import { formatGoDuration } from '../duration.ts';
import { perObject } from '../per-object.ts';
import type { ChainNode, ChainRoute, ChainSplit, ChainTarget, CompiledChain } from '../types.ts';
import { catchAllDefinitionOf, routeDefinitionsOf, splitDefinitionsOf } from './l7-definitions.ts';

/** Which service a target names, before defaults are filled in. */
export interface TargetOpts {
  readonly service: string;
  readonly subset?: string;
  readonly namespace?: string;
  readonly partition?: string;
  readonly datacenter?: string;
  readonly peer?: string;
}

/** A target while compiling (mutable fields are set by `getResolverNode`, as in Consul). */
export interface WorkTarget {
  readonly id: string;
  /**
   * The parts of its ID. A local target's are the memo's `TargetNames` (`ChainMemo.targetNames`), which also hold its
   * resolver node's key and its SNI (see `localNames`); a peered target's are a plain object with a `peer`.
   */
  readonly opts: Required<TargetOpts>;
  mode?: GatewayMode;
  subset?: ResolverSubset;
  dialedDirectly?: boolean;
  connectTimeoutNs: number;
  external: boolean;
  /** The service's `ExternalSNI` when it has one (then `external`). */
  externalSni?: string;
  /** Kept by a resolver node (targets loaded on the way, e.g. before a redirect, are dropped). */
  retained: boolean;
}

/**
 * A target's names (its resolver node's key; SNI and `Name`: Consul's service SNI, built on first read): a local
 * target's `opts` are the memo's names object; undefined for a peered target (its SNI comes from the peer's trust
 * domain, which only Consul knows: none). Read from `opts` rather than kept in two more fields of every target.
 */
export function localNames(t: WorkTarget): TargetNames | undefined {
  return t.opts.peer === '' ? (t.opts as TargetNames) : undefined;
}

/** A resolver node while compiling. */
export interface WorkNode {
  readonly type: 'resolver';
  /** Key in the chain's `Nodes`: `resolver:<name>`. */
  readonly key: string;
  readonly name: string;
  readonly targetId: string;
  readonly isDefault: boolean;
  readonly connectTimeoutNs: number;
  readonly requestTimeoutNs: number;
  failover: { targets: string[]; policy?: unknown } | undefined;
  /** The resolver entry's `LoadBalancer`, as written. */
  readonly loadBalancer: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A route of a router node while compiling. Its `definition` is filled in only when the chain's JSON is built
 * (`compileChainBase`): no error depends on it, so `chainError` never builds one.
 */
export interface WorkRoute {
  definition: ServiceRoute | undefined;
  nextNode: string;
}

/**
 * A split of a splitter node while compiling; `weight` is the float32 value (flattening computes with it). The
 * `definition` of a split as written is the `index`-th of its splitter entry's, looked up when first needed (to merge
 * headers when nested splitters are flattened, or to build the JSON); a flattened split has its merged one.
 */
export interface WorkSplit {
  definition: ServiceSplit | undefined;
  readonly splitter: ServiceSplitterEntry | undefined;
  readonly index: number;
  readonly weight: number;
  nextNode: string;
}

/** A router or splitter node while compiling. */
export interface WorkL7Node {
  readonly type: 'router' | 'splitter';
  /** `router:<name>` or `splitter:<name>`. */
  readonly key: string;
  /** `<svc>.<ns>.<ap>`. */
  readonly name: string;
  /** The router entry of a router node (its routes' definitions come from it). */
  readonly router: ServiceRouterEntry | undefined;
  readonly routes: WorkRoute[] | undefined;
  splits: WorkSplit[] | undefined;
  loadBalancer: Readonly<Record<string, unknown>> | undefined;
}

/** Any node of the graph, as Consul's `nodes` map holds them. */
export type AnyWorkNode = WorkNode | WorkL7Node;

/**
 * Every work node has every field of its kind (undefined when unset) and a `type`, so this is one property read on a
 * few shapes (an `in` test over mixed shapes was a slow lookup, and nodes are searched often).
 */
export function isL7Node(n: AnyWorkNode): n is WorkL7Node {
  return n.type !== 'resolver';
}

/**
 * Sorts a chain's few nodes or targets in place by `key` (code-unit order, as Go's `encoding/json` writes map keys and
 * as `Array.prototype.sort` compares strings). An insertion sort: a chain has a handful, and `sort` allocates a work
 * copy per call (it was the largest allocation of the chain pass).
 */
function sortByKey<T>(items: T[], key: (t: T) => string): T[] {
  for (let i = 1; i < items.length; i++) {
    const item = items[i]!;
    const k = key(item);
    let j = i - 1;
    for (; j >= 0 && key(items[j]!) > k; j--) items[j + 1] = items[j]!;
    items[j + 1] = item;
  }
  return items;
}

/** Sorts a chain's targets by ID, in place (the order Go's `encoding/json` writes its `Targets` map in). */
export function sortTargets(targets: WorkTarget[]): WorkTarget[] {
  return sortByKey(targets, (t) => t.id);
}

/** Sorts a chain's nodes by key, in place (Go's `encoding/json` sorts map keys). */
export function sortNodes(nodes: AnyWorkNode[]): AnyWorkNode[] {
  return sortByKey(nodes, (n) => n.key);
}

/**
 * `Nodes` and `Targets` are keyed by target IDs, which are data and (holding a service and datacenter) nearly unique to
 * one chain: a fast-mode object would get hidden classes of its own (one per key, allocated in the old generation and
 * slow to make). So they are made in dictionary mode (a null-prototype object starts as one), then given
 * `Object.prototype`: plain objects nothing tells from `{}`, with their own small hash table instead.
 */
function keyedByTargetId<V>(): Record<string, V> {
  const o = Object.create(null) as Record<string, V>;
  Object.setPrototypeOf(o, Object.prototype);
  return o;
}

/**
 * A node's `Resolver` (`DiscoveryResolver.MarshalJSON`: ConnectTimeout as a string), fields in Consul's order,
 * optional ones only when set. The usual shapes are object literals (one allocation, fields in the object); the rest
 * is built field by field.
 */
function resolverJson(n: WorkNode): Record<string, unknown> {
  const ConnectTimeout = formatGoDuration(n.connectTimeoutNs);
  const Target = n.targetId;
  if (n.requestTimeoutNs === 0 && n.failover === undefined) {
    return n.isDefault ? { ConnectTimeout, Default: true, Target } : { ConnectTimeout, Target };
  }
  const resolver: Record<string, unknown> = { ConnectTimeout };
  if (n.isDefault) resolver.Default = true;
  if (n.requestTimeoutNs !== 0) resolver.RequestTimeout = n.requestTimeoutNs;
  resolver.Target = Target;
  if (n.failover) {
    const failover: Record<string, unknown> = { Targets: [...n.failover.targets] };
    if (n.failover.policy !== undefined) failover.Policy = n.failover.policy;
    resolver.Failover = failover;
  }
  return resolver;
}

/** A resolver node as Consul marshals it. */
function renderResolver(n: WorkNode): ChainNode {
  const resolver = resolverJson(n);
  if (n.loadBalancer) {
    return {
      Type: 'resolver',
      Name: n.name,
      Resolver: resolver as ChainNode['Resolver'],
      LoadBalancer: n.loadBalancer,
    };
  }
  return { Type: 'resolver', Name: n.name, Resolver: resolver as ChainNode['Resolver'] };
}

/**
 * Fills in the `Definition` of a router node's routes (its entry's routes, then the catch-all) and of a splitter node's
 * splits as written (a flattened split got its merged one while compiling), from the definitions built once per entry
 * (`l7-definitions.ts`). A compile reads none of them, so they are filled when a node is first rendered or viewed; a
 * work node is shared by a chain and its mode variants, which have the same definitions.
 */
export function fillL7Definitions(n: WorkL7Node): void {
  const routes = n.routes;
  if (n.router !== undefined && routes !== undefined && routes.length > 0 && routes[0]!.definition === undefined) {
    const defs = routeDefinitionsOf(n.router);
    const last = routes.length - 1;
    for (let i = 0; i < last; i++) routes[i]!.definition = defs[i]!;
    routes[last]!.definition = catchAllDefinitionOf(n.router);
  }
  const splits = n.splits;
  if (splits !== undefined) {
    for (let i = 0; i < splits.length; i++) {
      const s = splits[i]!;
      if (s.definition === undefined) s.definition = splitDefinitionsOf(s.splitter!)[s.index]!;
    }
  }
}

/** A router or splitter node (`DiscoveryGraphNode` with `Routes` / `Splits`). */
function renderL7(n: WorkL7Node): ChainNode {
  fillL7Definitions(n);
  if (n.type === 'router') {
    const work = n.routes ?? [];
    const routes: ChainRoute[] = new Array(work.length);
    for (let i = 0; i < work.length; i++) {
      const r = work[i]!;
      routes[i] = { Definition: r.definition!, NextNode: r.nextNode };
    }
    return { Type: 'router', Name: n.name, Routes: routes };
  }
  // `DiscoverySplit.Weight` is `omitempty`: a split flattened below 0.005 % has none.
  const work = n.splits ?? [];
  const splits: ChainSplit[] = new Array(work.length);
  for (let i = 0; i < work.length; i++) {
    const s = work[i]!;
    splits[i] =
      s.weight === 0
        ? { Definition: s.definition!, NextNode: s.nextNode }
        : {
            Definition: s.definition!,
            // A split as written has its weight in its definition already (the same float32 text); only a
            // flattened split's is computed here.
            Weight: s.splitter !== undefined ? s.definition!.Weight : float32Json(s.weight),
            NextNode: s.nextNode,
          };
  }
  return n.loadBalancer
    ? { Type: 'splitter', Name: n.name, Splits: splits, LoadBalancer: n.loadBalancer }
    : { Type: 'splitter', Name: n.name, Splits: splits };
}

/** The `Nodes` map as Consul marshals it, from the nodes sorted by key (`sortNodes`). */
export function renderNodes(sorted: readonly AnyWorkNode[]): Record<string, ChainNode> {
  const out = keyedByTargetId<ChainNode>();
  for (let i = 0; i < sorted.length; i++) {
    const n = sorted[i]!;
    out[n.key] = isL7Node(n) ? renderL7(n) : renderResolver(n);
  }
  return out;
}

/**
 * The struct-valued fields of a target are mostly empty or one of three modes: those values are shared by every
 * target of every chain (frozen: chains are read-only data).
 */
const EMPTY: Readonly<Record<string, never>> = Object.freeze({});
const MODE_NONE = Object.freeze({ Mode: 'none' as const });
const MODE_LOCAL = Object.freeze({ Mode: 'local' as const });
const MODE_REMOTE = Object.freeze({ Mode: 'remote' as const });
const DIALED_DIRECTLY = Object.freeze({ DialedDirectly: true });

/** `MeshGateway` of a target: `{}` when unset. */
function meshGateway(mode: GatewayMode | undefined): { readonly Mode?: GatewayMode } {
  switch (mode) {
    case undefined:
      return EMPTY;
    case 'none':
      return MODE_NONE;
    case 'local':
      return MODE_LOCAL;
    case 'remote':
      return MODE_REMOTE;
    default:
      // A mode Consul does not know (raw entry data): written as given.
      return mode ? { Mode: mode } : EMPTY;
  }
}

/** A subset's `Subset` JSON with a filter or only-passing: one frozen object per resolver subset (see `subsetJson`). */
const subsetJsonOf = perObject((subset: ResolverSubset): ChainTarget['Subset'] => {
  const out: { Filter?: string; OnlyPassing?: boolean } = {};
  if (subset.Filter) out.Filter = subset.Filter;
  if (subset.OnlyPassing) out.OnlyPassing = true;
  return Object.freeze(out);
});

/**
 * A target's `Subset` (`{}` when it has neither a filter nor only-passing): one frozen object per resolver subset (a
 * pure function of the read-only subset, made when a target of it is first rendered), shared by every target of it in
 * every chain.
 */
export function subsetJson(subset: ResolverSubset): ChainTarget['Subset'] {
  return !subset.Filter && !subset.OnlyPassing ? EMPTY : subsetJsonOf(subset);
}

/** One target as Consul marshals it (`DiscoveryTarget.MarshalJSON`): fields in Consul's order, every one `omitempty`. */
function renderTarget(t: WorkTarget): ChainTarget {
  const o = t.opts;
  const names = localNames(t);
  const Subset = t.subset !== undefined ? subsetJson(t.subset) : EMPTY;
  return targetJson(
    t.id,
    o.service,
    o.subset,
    o.namespace,
    o.partition,
    o.datacenter,
    o.peer,
    meshGateway(t.mode),
    Subset,
    t.dialedDirectly ? DIALED_DIRECTLY : EMPTY,
    t.connectTimeoutNs !== 0 ? formatGoDuration(t.connectTimeoutNs) : undefined,
    t.external,
    t.external ? t.externalSni : names?.sni,
    names?.sni,
  );
}

/**
 * A target object with the given fields, in Consul's order; empty strings, `false` and undefined are left out. A
 * local target in a datacenter with a connect timeout, SNI and name (nearly all of them) is one object literal (one
 * allocation, its fields in the object, a few shared hidden classes); the others are built field by field. Both
 * give the same keys in the same order.
 */
function targetJson(
  ID: string,
  Service: string,
  ServiceSubset: string | undefined,
  Namespace: string,
  Partition: string,
  Datacenter: string | undefined,
  Peer: string | undefined,
  MeshGateway: ChainTarget['MeshGateway'],
  Subset: ChainTarget['Subset'],
  TransparentProxy: ChainTarget['TransparentProxy'],
  ConnectTimeout: string | undefined,
  External: boolean | undefined,
  SNI: string | undefined,
  Name: string | undefined,
): ChainTarget {
  if (Datacenter && !Peer && ConnectTimeout && !External && SNI && Name) {
    return ServiceSubset
      ? {
          ID,
          Service,
          ServiceSubset,
          Namespace,
          Partition,
          Datacenter,
          MeshGateway,
          Subset,
          TransparentProxy,
          ConnectTimeout,
          SNI,
          Name,
        }
      : {
          ID,
          Service,
          Namespace,
          Partition,
          Datacenter,
          MeshGateway,
          Subset,
          TransparentProxy,
          ConnectTimeout,
          SNI,
          Name,
        };
  }
  const out: Record<string, unknown> = { ID, Service };
  if (ServiceSubset) out.ServiceSubset = ServiceSubset;
  out.Namespace = Namespace;
  out.Partition = Partition;
  if (Datacenter) out.Datacenter = Datacenter;
  if (Peer) out.Peer = Peer;
  out.MeshGateway = MeshGateway;
  out.Subset = Subset;
  out.TransparentProxy = TransparentProxy;
  if (ConnectTimeout) out.ConnectTimeout = ConnectTimeout;
  if (External) out.External = true;
  if (SNI) out.SNI = SNI;
  if (Name) out.Name = Name;
  return out as ChainTarget;
}

/** The fields of a compiled chain but its `Nodes` and `Targets` (optional ones left out when undefined or false). */
export interface ChainHead {
  readonly ServiceName: string;
  readonly Namespace: string;
  readonly Partition: string;
  readonly Datacenter: string;
  readonly CustomizationHash: string | undefined;
  readonly Default: boolean | undefined;
  readonly Protocol: string;
  readonly ServiceMeta: Readonly<Record<string, string>> | undefined;
  readonly StartNode: string;
}

/**
 * The compact form a compiled chain keeps instead of its `Nodes` and `Targets` JSON, which only some readers need
 * (explain, the chain emitters, the CLI, tests): the validation passes read this form (`chain-view.ts`), so a
 * `compile()` builds no chain JSON at all. Shared by a chain and its mode variants (`chainWithMode`). It is also the
 * base chain's own lazy state (`work` is itself, no `base` or `mode`): one object per chain fewer (see `newChainWork`).
 */
export interface ChainWork extends LazyChain {
  /** The work nodes, sorted by key (`sortNodes`); read-only once the chain is compiled. */
  readonly nodes: readonly AnyWorkNode[];
  /** The kept work targets, sorted by ID (`sortTargets`); read-only once the chain is compiled. */
  readonly targets: readonly WorkTarget[];
  /** `Nodes`, built on first read (the variants share it, as they always shared their base's). */
  nodesJson: Record<string, ChainNode> | undefined;
  /** What `chain-view.ts` reads of the nodes, built there on first need. */
  nodeViews: unknown;
  /**
   * The token of the chain numbering (`ChainNumbering`, `chain-legs.ts`) that numbered this work form among the
   * chains it numbers (undefined: none yet), and its number there: a chain and its mode variants share it.
   */
  numbering: object | undefined;
  number: number;
}

/** One chain's lazy state: its work form, and the mode override its targets carry (undefined for a base chain). */
export interface LazyChain {
  readonly work: ChainWork;
  /** The base chain's state, for a mode variant (its targets are the base's, some with another `MeshGateway`). */
  readonly base: LazyChain | undefined;
  readonly mode: GatewayMode | undefined;
  /** The rendered targets, in ID order (what `Targets` holds), built on first need. */
  targetList: ChainTarget[] | undefined;
  targetsJson: Record<string, ChainTarget> | undefined;
  /** The chain's view (`chain-view.ts`), built there on first need. */
  view: unknown;
}

/**
 * The lazy state of each chain built here, under a symbol key, not enumerable: invisible to `Object.keys`, `for-in`,
 * `JSON.stringify`, spreading, `structuredClone` and vitest's equality (which reads enumerable symbols only). A
 * `WeakMap` would cost an ephemeron per chain, which every scavenge walks.
 */
const LAZY = Symbol('meshcc.lazyChain');
/** Reused for each `defineProperty` of `LAZY` (only its value changes; `defineProperty` reads it and keeps nothing). */
const LAZY_FIELD: PropertyDescriptor = { value: undefined, enumerable: false, writable: false, configurable: false };

function stateOf(chain: object): LazyChain | undefined {
  return (chain as { [LAZY]?: LazyChain })[LAZY];
}

/** The lazy state of a chain built by `lazyChainOf` / `chainVariant`, else undefined (e.g. a chain parsed from JSON). */
export function lazyChainState(chain: CompiledChain): LazyChain | undefined {
  return stateOf(chain);
}

/**
 * Whether every target of a chain built here carries a mesh-gateway mode (`MeshGateway.Mode` set), read from its work
 * form without rendering a target; undefined for another chain. As `targetListOf` renders them: a base chain's target
 * has its work `mode` (`meshGateway`: set when non-empty); a mode variant's target that is not external has the
 * variant's mode (the base's object when it had that mode already, else `withMeshGateway`), an external one the
 * base's.
 */
export function lazyTargetsCarryMode(chain: CompiledChain): boolean | undefined {
  const s = stateOf(chain);
  if (s === undefined) return undefined;
  const variant = s.base !== undefined;
  const targets = s.work.targets;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    if (!(variant && !t.external ? s.mode : t.mode)) return false;
  }
  return true;
}

/**
 * A lazily built chain's targets, rendered as `Targets` holds them, in ID order (the same objects `Targets` holds once
 * it is built).
 */
export function targetListOf(s: LazyChain): ChainTarget[] {
  let list = s.targetList;
  if (list === undefined) {
    if (s.base === undefined) {
      const work = s.work.targets;
      list = new Array(work.length);
      for (let i = 0; i < work.length; i++) list[i] = renderTarget(work[i]!);
    } else {
      // Consul's `getResolverNode` sets the override on every target that is not external; targets that already had
      // it are the base's objects (the variants always shared those).
      const mode = s.mode!;
      const mg = meshGateway(mode);
      list = targetListOf(s.base).map((t) => (t.External || t.MeshGateway.Mode === mode ? t : withMeshGateway(t, mg)));
    }
    s.targetList = list;
  }
  return list;
}

/**
 * `Nodes` and `Targets` of a lazily built chain: own enumerable accessor properties, defined after the other fields,
 * so the chain's own keys, their order and the values read through them (`JSON.stringify`, deep equality, `Object.keys`,
 * spreading) are those of the plain object built before. Each is built on first read and the same object after.
 */
function getNodes(this: CompiledChain): Record<string, ChainNode> {
  const work = stateOf(this)!.work;
  work.nodesJson ??= renderNodes(work.nodes);
  return work.nodesJson;
}

function getTargets(this: CompiledChain): Record<string, ChainTarget> {
  const s = stateOf(this)!;
  if (s.targetsJson === undefined) {
    const list = targetListOf(s);
    const out = keyedByTargetId<ChainTarget>();
    for (let i = 0; i < list.length; i++) out[list[i]!.ID] = list[i]!;
    s.targetsJson = out;
  }
  return s.targetsJson;
}

const NODES_FIELD: PropertyDescriptor = { get: getNodes, enumerable: true, configurable: true };
const TARGETS_FIELD: PropertyDescriptor = { get: getTargets, enumerable: true, configurable: true };

/**
 * A compiled chain whose `Nodes` and `Targets` are built from `work` on first read (see `getNodes`), from the head's
 * fields as arguments (the chain compile's: no head object is made only to be copied); they come first, in Consul's
 * order.
 */
export function lazyChainOf(
  ServiceName: string,
  Namespace: string,
  Partition: string,
  Datacenter: string,
  CustomizationHash: string | undefined,
  Default: boolean | undefined,
  Protocol: string,
  ServiceMeta: Readonly<Record<string, string>> | undefined,
  StartNode: string,
  work: ChainWork,
): CompiledChain {
  const chain = new NewChainHead(
    ServiceName,
    Namespace,
    Partition,
    Datacenter,
    CustomizationHash,
    Default,
    Protocol,
    ServiceMeta,
    StartNode,
  );
  return withLazyState(chain, work);
}

/** The work form of a chain (not numbered yet), which is its base chain's lazy state too (`work` is itself). */
export function newChainWork(nodes: readonly AnyWorkNode[], targets: readonly WorkTarget[]): ChainWork {
  const w: { -readonly [K in keyof ChainWork]: ChainWork[K] } = {
    nodes,
    targets,
    nodesJson: undefined,
    nodeViews: undefined,
    numbering: undefined,
    number: -1,
    work: undefined as unknown as ChainWork,
    base: undefined,
    mode: undefined,
    targetList: undefined,
    targetsJson: undefined,
    view: undefined,
  };
  w.work = w;
  return w;
}

function withLazyState(chain: Record<string, unknown>, state: LazyChain): CompiledChain {
  // Every chain defines the same two accessors in the same order, so chains of one head shape share hidden classes.
  Object.defineProperty(chain, 'Nodes', NODES_FIELD);
  Object.defineProperty(chain, 'Targets', TARGETS_FIELD);
  LAZY_FIELD.value = state;
  Object.defineProperty(chain, LAZY, LAZY_FIELD);
  LAZY_FIELD.value = undefined;
  return chain as CompiledChain;
}

/**
 * The chain for a mesh-gateway mode override of a chain whose work form is `work` (its head fields `head`, with
 * `CustomizationHash` replaced by `hash`): its nodes, its targets with the mode set on every one that is not external
 * (Consul's `getResolverNode`). Undefined when no target changes (the override customizes nothing), decided from the
 * work targets: a rendered target's `MeshGateway.Mode` is its work `mode` (unset when empty) and `External` its
 * `external`.
 */
export function chainVariant(
  work: ChainWork,
  head: ChainHead,
  hash: string,
  mode: GatewayMode,
): CompiledChain | undefined {
  const targets = work.targets;
  let changes = false;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    if (!t.external && (t.mode || undefined) !== mode) {
      changes = true;
      break;
    }
  }
  if (!changes) return undefined;
  const chain = headWithHash(head, hash);
  return withLazyState(chain, {
    work,
    base: work,
    mode,
    targetList: undefined,
    targetsJson: undefined,
    view: undefined,
  });
}

/**
 * A compiled chain's head, fields in Consul's order (`omitempty` ones only when set), as a constructor fills it in:
 * `new ChainHeadObject(ServiceName, …, StartNode)`. Its `prototype` is `Object.prototype`, so what it makes is a plain object (prototype,
 * `constructor`, keys and their order are those of the literal `{ ServiceName, … }`). Made by a constructor rather
 * than as a literal because V8 gives a constructor's objects room in the object for the properties added after it
 * (`withLazyState`'s `LAZY`; the accessors take none): a literal has room for its own fields only, so each chain had an
 * out-of-object property array (≈ 40 B) as well.
 */
function ChainHeadObject(
  this: Record<string, unknown>,
  ServiceName: string,
  Namespace: string,
  Partition: string,
  Datacenter: string,
  CustomizationHash: string | undefined,
  Default: boolean | undefined,
  Protocol: string,
  ServiceMeta: Readonly<Record<string, string>> | undefined,
  StartNode: string,
): void {
  this.ServiceName = ServiceName;
  this.Namespace = Namespace;
  this.Partition = Partition;
  this.Datacenter = Datacenter;
  if (CustomizationHash) this.CustomizationHash = CustomizationHash;
  if (Default) this.Default = true;
  this.Protocol = Protocol;
  if (ServiceMeta) this.ServiceMeta = ServiceMeta;
  this.StartNode = StartNode;
}
ChainHeadObject.prototype = Object.prototype;
const NewChainHead = ChainHeadObject as unknown as new (
  ServiceName: string,
  Namespace: string,
  Partition: string,
  Datacenter: string,
  CustomizationHash: string | undefined,
  Default: boolean | undefined,
  Protocol: string,
  ServiceMeta: Readonly<Record<string, string>> | undefined,
  StartNode: string,
) => Record<string, unknown>;

/** A head with `p`'s fields but `CustomizationHash`, which is `hash`. */
function headWithHash(p: ChainHead, hash: string | undefined): Record<string, unknown> {
  return new NewChainHead(
    p.ServiceName,
    p.Namespace,
    p.Partition,
    p.Datacenter,
    hash,
    p.Default,
    p.Protocol,
    p.ServiceMeta,
    p.StartNode,
  );
}

/**
 * A copy of a target (as `renderTarget` builds it) with another `MeshGateway`: the same fields added in the same order,
 * so the copies share `renderTarget`'s hidden classes.
 */
function withMeshGateway(t: ChainTarget, mg: ChainTarget['MeshGateway']): ChainTarget {
  // A target as `renderTarget` built it has no empty optional field (it leaves them out), so the copy has the same.
  return targetJson(
    t.ID,
    t.Service,
    t.ServiceSubset,
    t.Namespace,
    t.Partition,
    t.Datacenter,
    t.Peer,
    mg,
    t.Subset,
    t.TransparentProxy ?? EMPTY,
    t.ConnectTimeout,
    t.External,
    t.SNI,
    t.Name,
  );
}
