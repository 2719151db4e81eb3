/**
 * Discovery-chain compile: what Consul's `GET /v1/discovery-chain/:service` returns, computed from the config
 * entries alone: proxy-defaults, service-defaults, service-router, service-splitter and service-resolver.
 *
 * Mirrors `agent/consul/discoverychain/compile.go` step for step (`Compile`, `compile`, `assembleChain`,
 * `getSplitterOrResolverNode`, `getSplitterNode`, `getResolverNode`, `newTarget`, `rewriteTarget`,
 * `recordServiceProtocol`, `detectCircularReferences`, `flattenAdjacentSplitterNodes`, `removeUnusedNodes`,
 * `determineIfDefaultChain`) and the JSON of `agent/structs/discovery_chain.go` (`omitempty` everywhere; durations as
 * Go strings except the resolver's `RequestTimeout`, which is nanoseconds; split weights as float32). A chain Consul
 * refuses is returned as an error with Consul's message, in the order Consul finds them. `AutoVirtualIPs` /
 * `ManualVirtualIPs` come from Consul's catalog state, not the compiler, and are left out.
 */
import type {
  ProxyDefaultsEntry,
  ServiceResolverEntry,
  ServiceSplit,
  ServiceSplitterEntry,
} from '../../model/entries.ts';
import { flat } from '../../model/flat-string.ts';
import { nestedSplitWeight, normalizeSplitWeight } from '../../model/split-weight.ts';
import { ChainMemo } from '../chain-memo.ts';
import { customizationHash } from '../customization-hash.ts';
import type { ChainEntries, EntryIndex } from '../entry-index.ts';
import { durationNs, hasKeys, type ResolverFacts, resolverFacts } from '../resolver-facts.ts';
import { orDefault } from '../service-map.ts';
import { targetId } from '../sni.ts';
import type { ChainCompileError, ChainOverrides, CompiledChain } from '../types.ts';
import {
  type AnyWorkNode,
  isL7Node,
  lazyChainOf,
  localNames,
  newChainWork,
  sortNodes,
  sortTargets,
  type TargetOpts,
  type WorkL7Node,
  type WorkNode,
  type WorkRoute,
  type WorkSplit,
  type WorkTarget,
} from './chain-json.ts';
import { ChainBase, chainWithMode } from './chain-mode-variant.ts';
import { mergePanics, mergeParent, splitDefinitionsOf } from './l7-definitions.ts';

/** What to compile: one service's chain as seen from one datacenter (`compile-dc`). */
export interface ChainRequest {
  readonly serviceName: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** @default 'default' */
  readonly partition?: string;
  /** The datacenter the chain is compiled for (the caller's, or the upstream's `datacenter`). */
  readonly evaluateInDatacenter: string;
  readonly trustDomain: string;
  readonly entries: EntryIndex;
  readonly overrides?: ChainOverrides;
}

export type { ChainBase };

export type ChainResult = { readonly chain: CompiledChain } | { readonly error: ChainCompileError };

const DEFAULT_CONNECT_TIMEOUT_NS = 5e9;

/** The resolver of a service that has none: it configures nothing (never modified, shared by every chain). */
const NO_RESOLVER: ServiceResolverEntry = Object.freeze({ Kind: 'service-resolver', Name: '' });
/** Its facts (no problem: Consul's default resolver is valid). */
const NO_RESOLVER_FACTS: ResolverFacts = Object.freeze(resolverFacts(NO_RESOLVER, undefined));

/** What a redirect or failover target may change (the field names of Consul's `Redirect` and failover targets). */
export interface RewriteParts {
  readonly Service?: string | undefined;
  readonly ServiceSubset?: string | undefined;
  readonly Namespace?: string | undefined;
  readonly Partition?: string | undefined;
  readonly Datacenter?: string | undefined;
  readonly Peer?: string | undefined;
}

/** Consul's `structs.IsProtocolHTTPLike`: the protocols that allow routers and splitters. */
export function isHttpLike(protocol: string): boolean {
  return protocol === 'http' || protocol === 'http2' || protocol === 'grpc';
}

/** A `structs.ConfigEntryGraphError`: the chain does not compile. Thrown inside, returned outside. */
class GraphError extends Error {}

/** Marker on the depth-first stack of `detectCircularReferences`. */
const POP_VISIT = '_popvisit';

/**
 * The node walks' stack and path (`detectCircularReferences`, `removeUnusedNodes`), reused by every chain: a compile
 * runs to its end without starting another, and neither walk keeps them (each chain made two arrays per walk, grown
 * by push: ≈ 1 KB of garbage per L7 chain).
 */
const scratchTodo: string[] = [];
const scratchPath: string[] = [];

/** `LoadBalancer.IsHashBased`. */
function hashBased(lb: Readonly<Record<string, unknown>> | undefined): boolean {
  return lb?.Policy === 'maglev' || lb?.Policy === 'ring_hash';
}

/** `TransparentProxy.DialedDirectly` of a service-defaults or proxy-defaults entry. */
function dialedDirectly(e: unknown): boolean {
  return (
    (e as { TransparentProxy?: { DialedDirectly?: boolean } } | undefined)?.TransparentProxy?.DialedDirectly === true
  );
}

/**
 * The targets a node kept (`retained`), in load order, as an exact-length array (the chain keeps it): most chains
 * keep every target loaded, and a `filter`ed array grows by room for 16.
 */
function retainedTargets(loaded: readonly WorkTarget[]): WorkTarget[] {
  let n = 0;
  for (let i = 0; i < loaded.length; i++) if (loaded[i]!.retained) n++;
  const out: WorkTarget[] = new Array(n);
  let j = 0;
  for (let i = 0; i < loaded.length; i++) if (loaded[i]!.retained) out[j++] = loaded[i]!;
  return out;
}

export type ChainBaseResult = { readonly base: ChainBase } | { readonly error: ChainCompileError };

/**
 * Compiles one discovery chain as Consul does, ignoring the request's mesh-gateway override (see `ChainBase`). Pure;
 * never throws for bad entries. Chains compiled together (one `compile()`) pass the same `memo`, so they share target
 * names and resolver checks.
 */
export function compileChainBase(req: ChainRequest, memo?: ChainMemo): ChainBaseResult {
  try {
    return { base: new ChainCompiler(req, memo).compile() };
  } catch (e) {
    if (e instanceof GraphError) return { error: { message: e.message } satisfies ChainCompileError };
    throw e;
  }
}

/** Compiles one discovery chain, as Consul does, with every override of the request. Pure; never throws for bad entries. */
export function compileChain(req: ChainRequest, memo?: ChainMemo): ChainResult {
  const r = compileChainBase(req, memo);
  return 'error' in r ? r : { chain: chainWithMode(r.base, req.overrides?.meshGateway) };
}

/**
 * Consul's message when it would refuse to compile the chain, else undefined: `compileChain` without building the
 * chain's JSON (for checks that compile many chains only to see whether they compile).
 */
export function chainError(req: ChainRequest, memo?: ChainMemo): string | undefined {
  try {
    new ChainCompiler(req, memo).check();
    return undefined;
  } catch (e) {
    if (e instanceof GraphError) return e.message;
    throw e;
  }
}

/**
 * One service's entries as a chain compile reads them (`EntryIndex` lookups by the same name, namespace and
 * partition), looked up once per chain: a chain reads its own service's entries many times (protocol, resolver,
 * splitter, service-defaults for each route and target).
 */
interface ServiceEntries {
  readonly service: string;
  readonly namespace: string;
  readonly partition: string;
  /**
   * The index's own record of the service's chain entries (undefined: none), read through rather than copied into
   * five fields of an object per service per chain.
   */
  readonly kinds: ChainEntries | undefined;
}

/** Single-use compile state, like Consul's `compiler` struct; kept private to this module. */
class ChainCompiler {
  private readonly ns: string;
  private readonly partition: string;
  private readonly entries: EntryIndex;
  private readonly overrideTimeoutNs: number;
  private readonly overrideProtocol: string;
  private readonly disableAdvanced: boolean;
  /** Which overrides changed the compile (the mesh-gateway mode is applied afterwards, by `chainWithMode`). */
  private customizedProtocol = false;
  private customizedConnectTimeout = false;
  private protocol = '';
  private startNode = '';
  /** Set when a router or splitter is in the chain (Consul's `usesAdvancedRoutingFeatures`). */
  private usesAdvanced = false;
  /**
   * Set when a split leads to a splitter node. Without such a split the node graph has no cycle and nothing to
   * flatten or remove, so `detectCircularReferences`, `flattenAdjacentSplitterNodes` and `removeUnusedNodes` would
   * change nothing and are skipped: a router node is only ever the start (no route or split leads to a router), a
   * route leads to a splitter or resolver, a split then only to a resolver, and a resolver node leads nowhere (its
   * failover targets are not nodes), so every path ends within three nodes; and every node recorded is the next node
   * of the route or split that asked for it, or the start (a failover target's resolver is not recorded), so every
   * node is reached from the start.
   */
  private splitsToSplitter = false;
  /**
   * Every node, in the order recorded (Consul's `nodes` map by key; its `resolveNodes` by target ID and `splitterNodes`
   * by name are the resolver and splitter nodes among them, recorded together, see `recordNode`). A chain has a handful
   * of nodes and targets, so these are lists searched in order (`node`, `resolveNode`, `splitterNode`,
   * `loadedTarget`) rather than four maps per chain.
   */
  private readonly nodes: AnyWorkNode[] = [];
  /** Consul's `loadedTargets`, in the order loaded; one per ID (the kept ones once compiled). */
  private loadedTargets: WorkTarget[] = [];
  /**
   * The entries of the first service this chain read (nearly always its own, and often the only one) in fields, and
   * of the others in a list made when a second service is read: a list and an object per service per chain were
   * ≈ 250 B of garbage per chain (see `entriesOf`).
   */
  private firstService: string | undefined = undefined;
  private firstNamespace = '';
  private firstPartition = '';
  private firstEntries: ChainEntries | undefined = undefined;
  private moreServices: ServiceEntries[] | undefined = undefined;
  /** The proxy-defaults of the first partition read (`firstProxyDefaultsOf`), of the others in a list. */
  private firstProxyDefaultsOf: string | undefined = undefined;
  private firstProxyDefaults: ProxyDefaultsEntry | undefined = undefined;
  private moreProxyDefaults: { partition: string; entry: ProxyDefaultsEntry | undefined }[] | undefined = undefined;
  private readonly memo: ChainMemo;

  constructor(
    private readonly req: ChainRequest,
    memo: ChainMemo | undefined,
  ) {
    this.memo = memo !== undefined && memo.trustDomain === req.trustDomain ? memo : new ChainMemo(req.trustDomain);
    this.ns = orDefault(req.namespace);
    this.partition = orDefault(req.partition);
    this.entries = req.entries;
    const o = req.overrides;
    this.overrideTimeoutNs = durationNs(o?.connectTimeout);
    this.overrideProtocol = o?.protocol ?? '';
    this.disableAdvanced = this.overrideProtocol !== '' && !isHttpLike(this.overrideProtocol);
  }

  /** Every step of Consul's `compile()` that can fail; throws `GraphError` with Consul's message. */
  check(): void {
    this.assembleChain();
    if (this.usesAdvanced) {
      if (this.splitsToSplitter) {
        this.detectCircularReferences();
        this.flattenAdjacentSplitterNodes();
      }
      if (!isHttpLike(this.protocol)) {
        throw new GraphError(
          `discovery chain "${this.req.serviceName}" uses a protocol "${this.protocol}" that does not permit advanced routing or splitting behavior`,
        );
      }
    }
  }

  compile(): ChainBase {
    this.check();
    if (this.usesAdvanced && this.splitsToSplitter) this.removeUnusedNodes();
    // Targets loaded along the way but not kept by any node (e.g. pre-redirect targets) are dropped.
    const targets = sortTargets(retainedTargets(this.loadedTargets));
    this.loadedTargets = targets;
    if (this.overrideProtocol !== '' && this.overrideProtocol !== this.protocol) {
      this.protocol = this.overrideProtocol;
      this.customizedProtocol = true;
    }
    const customProtocol = this.customizedProtocol ? this.overrideProtocol : '';
    const customConnectTimeoutNs = this.customizedConnectTimeout ? this.overrideTimeoutNs : 0;
    const hash =
      this.customizedProtocol || this.customizedConnectTimeout
        ? customizationHash({
            meshGatewayMode: '',
            protocol: customProtocol,
            connectTimeoutNanos: customConnectTimeoutNs,
          })
        : undefined;
    // Route and split `Definition`s and targets' `Subset` JSON are filled in when the nodes or targets are first rendered
    // or viewed (`fillL7Definitions`, `subsetJson`): nothing in a compile reads them.
    const meta = this.entriesOf(this.req.serviceName, this.ns, this.partition)?.serviceDefaults?.entry.Meta;
    // An exact-length copy of the nodes (the list grew by `push`): the chain keeps this array.
    const work = newChainWork(sortNodes(this.nodes).slice(), targets);
    const chain = lazyChainOf(
      this.req.serviceName,
      this.ns,
      this.partition,
      this.req.evaluateInDatacenter,
      hash,
      this.determineIfDefaultChain(),
      this.protocol,
      meta && hasKeys(meta) ? this.memo.serviceMeta(meta) : undefined,
      this.startNode,
      work,
    );
    return new ChainBase(chain, work, customProtocol, customConnectTimeoutNs);
  }

  /**
   * `assembleChain`: the chain's own router (the only router consulted) with one route per entry route plus the
   * catch-all; without one, the splitter or resolver of the service itself.
   */
  private assembleChain(): void {
    const svc = this.req.serviceName;
    let router = this.entriesOf(svc, this.ns, this.partition)?.router?.entry;
    if (router && this.disableAdvanced) {
      router = undefined;
      this.customizedProtocol = true;
    }
    if (!router) {
      const node = this.getSplitterOrResolverNode(svc, this.ns, this.partition);
      this.startNode = node.key;
      return;
    }
    const problem = this.memo.l7Problem(router);
    if (problem) throw new GraphError(problem);
    const routerNs = orDefault(router.Namespace);
    const routerAp = orDefault(router.Partition);
    const { name, routerKey } = this.memo.l7Names(router.Name, routerNs, routerAp);
    const entryRoutes = router.Routes ?? [];
    // Exact length (the entry's routes and the catch-all), filled in order: the chain keeps it (a `push`ed array has
    // room for 16).
    const routes: WorkRoute[] = new Array(entryRoutes.length + 1);
    const routeNode: WorkL7Node = {
      type: 'router',
      key: routerKey,
      name,
      router,
      routes,
      splits: undefined,
      loadBalancer: undefined,
    };
    this.usesAdvanced = true;
    this.recordServiceProtocol(router.Name, routerNs, routerAp);
    for (let i = 0; i < entryRoutes.length; i++) {
      const route: WorkRoute = { definition: undefined, nextNode: '' };
      routes[i] = route;
      const dest = entryRoutes[i]?.Destination;
      const service = dest?.Service || svc;
      const namespace = dest?.Namespace || routerNs;
      const partition = dest?.Partition || routerAp;
      const node = dest?.ServiceSubset
        ? this.getResolverNode(this.newTarget(service, dest.ServiceSubset, namespace, partition, '', ''), false)
        : this.getSplitterOrResolverNode(service, namespace, partition);
      route.nextNode = node.key;
    }
    const fallback = this.getSplitterOrResolverNode(router.Name, routerNs, routerAp);
    routes[entryRoutes.length] = { definition: undefined, nextNode: fallback.key };
    this.startNode = routeNode.key;
    this.recordNode(routeNode);
  }

  /** `detectCircularReferences`: a depth-first walk from the start node; a node already on the path is a cycle. */
  private detectCircularReferences(): void {
    const todo = scratchTodo;
    todo.length = 0;
    todo.push(this.startNode);
    // Consul keeps a `visited` set of the nodes on the current path, which is `visitChain` itself (a node is added
    // to both and removed from both together, and never twice): so the path is searched instead (a few nodes).
    const visitChain = scratchPath;
    visitChain.length = 0;
    for (let current = todo.pop(); current !== undefined; current = todo.pop()) {
      if (current === POP_VISIT) {
        visitChain.pop();
        continue;
      }
      const seen = visitChain.includes(current);
      visitChain.push(current);
      if (seen) {
        throw new GraphError(`detected circular reference: [${visitChain.join(' -> ')}]`);
      }
      todo.push(POP_VISIT);
      const node = this.node(current);
      if (node && isL7Node(node)) {
        for (const r of node.routes ?? []) todo.push(r.nextNode);
        for (const sp of node.splits ?? []) todo.push(sp.nextNode);
      }
    }
  }

  /**
   * `flattenAdjacentSplitterNodes`: a split onto another splitter is replaced by that splitter's splits, weighted
   * (outer × inner / 100) and with the outer split's headers merged in, until no split leads to a splitter.
   */
  private flattenAdjacentSplitterNodes(): void {
    for (let anyChanged = true; anyChanged; ) {
      anyChanged = false;
      for (const node of this.nodes) {
        if (!isL7Node(node) || node.type !== 'splitter') continue;
        const splits = node.splits ?? [];
        let fixed: WorkSplit[] | undefined;
        for (let i = 0; i < splits.length; i++) {
          const split = splits[i]!;
          const next = this.node(split.nextNode);
          if (!next || !isL7Node(next) || next.type !== 'splitter') {
            fixed?.push(split);
            continue;
          }
          fixed ??= splits.slice(0, i);
          for (const inner of next.splits ?? []) {
            fixed.push({
              definition: this.mergeSplit(
                this.splitDefinition(inner),
                this.splitDefinition(split),
                node.name,
                next.name,
              ),
              splitter: undefined,
              index: 0,
              weight: nestedSplitWeight(split.weight, inner.weight),
              nextNode: inner.nextNode,
            });
          }
        }
        if (fixed) {
          node.splits = fixed.slice();
          anyChanged = true;
        }
      }
    }
  }

  /** The `Definition` of a split (see `WorkSplit`). */
  private splitDefinition(s: WorkSplit): ServiceSplit {
    if (s.definition === undefined) s.definition = splitDefinitionsOf(s.splitter!)[s.index]!;
    return s.definition;
  }

  /** `MergeParent`, refusing what makes Consul v1.22 panic (see `mergePanics`). */
  private mergeSplit(inner: ServiceSplit, parent: ServiceSplit, outer: string, nested: string): ServiceSplit {
    if (
      mergePanics(parent.RequestHeaders, inner.RequestHeaders) ||
      mergePanics(inner.ResponseHeaders, parent.ResponseHeaders)
    ) {
      throw new GraphError(
        `splitter "${outer}" splits onto splitter "${nested}" and both modify headers with Add/Set blocks the other lacks: Consul v1.22 crashes compiling this chain (assignment to entry in nil map in MergeHTTPHeaderModifiers); give both splits the same Add and Set blocks (they may be empty)`,
      );
    }
    return mergeParent(inner, parent);
  }

  /** `removeUnusedNodes`: nodes no longer reachable from the start (splitters flattened away) are dropped. */
  private removeUnusedNodes(): void {
    // The keys reached, once each (a list: a chain has a few nodes).
    const visited = scratchPath;
    visited.length = 0;
    const todo = scratchTodo;
    todo.length = 0;
    todo.push(this.startNode);
    for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
      if (visited.includes(next)) continue;
      visited.push(next);
      const node = this.node(next);
      if (node && isL7Node(node)) {
        for (const r of node.routes ?? []) todo.push(r.nextNode);
        for (const sp of node.splits ?? []) todo.push(sp.nextNode);
      }
    }
    const nodes = this.nodes;
    if (visited.length === nodes.length) return;
    // The reached nodes, in order, compacted in place (`filter` without a new array).
    let kept = 0;
    for (let i = 0; i < nodes.length; i++) if (visited.includes(nodes[i]!.key)) nodes[kept++] = nodes[i]!;
    nodes.length = kept;
  }

  private determineIfDefaultChain(): boolean {
    if (this.startNode === '' || this.nodes.length === 0) return true;
    const node = this.node(this.startNode);
    if (!node || isL7Node(node) || !node.isDefault) return false;
    const t = this.loadedTarget(node.targetId);
    return (
      t !== undefined &&
      t.opts.service === this.req.serviceName &&
      t.opts.namespace === this.ns &&
      t.opts.partition === this.partition
    );
  }

  /** `recordServiceProtocol`: service-defaults wins (even with no protocol: tcp), else proxy-defaults `protocol`. */
  private recordServiceProtocol(service: string, namespace: string, partition: string): void {
    const sd = this.entriesOf(service, namespace, partition)?.serviceDefaults;
    let protocol = '';
    if (sd !== undefined) {
      protocol = sd.entry.Protocol ?? '';
    } else {
      // mapstructure.WeakDecode: scalars become strings; anything else is ignored.
      const p = this.proxyDefaults(partition)?.Config?.protocol;
      if (typeof p === 'string' || typeof p === 'number' || typeof p === 'boolean') protocol = String(p);
    }
    this.recordProtocol(service, protocol);
  }

  private recordProtocol(service: string, raw: string): void {
    const protocol = raw === '' ? 'tcp' : raw.toLowerCase();
    if (this.protocol === '') {
      this.protocol = protocol;
    } else if (this.protocol !== protocol) {
      throw new GraphError(
        `discovery chain "${this.req.serviceName}" uses inconsistent protocols; service "${service}" has "${protocol}" which is not "${this.protocol}"`,
      );
    }
  }

  /**
   * `newTarget`: fills datacenter, namespace and partition from the compile context (an empty part means "the
   * chain's"); one object per ID.
   */
  private newTarget(
    service: string,
    subset: string,
    namespace: string,
    partition: string,
    datacenter: string,
    peer: string,
  ): WorkTarget {
    if (peer !== '') {
      const opts = { service, subset, namespace: orDefault(namespace), partition: 'default', datacenter: '', peer };
      const id = targetId(opts);
      // Peered targets get their SNI from the peer's trust domain, which only Consul knows.
      return this.loadedTarget(id) ?? this.loadTarget(id, opts);
    }
    const ns = namespace || this.ns;
    const ap = partition || this.partition;
    const dc = datacenter || this.req.evaluateInDatacenter;
    // A target this chain loaded already (a chain asks for its few targets several times): found by its parts,
    // without the memo's lookup. Its ID is the one the memo would give (one names object per parts); a miss takes
    // the lookup by ID below, as before.
    const loaded = this.loadedTargets;
    for (let i = 0; i < loaded.length; i++) {
      const o = loaded[i]!.opts;
      if (
        o.service === service &&
        o.subset === subset &&
        o.datacenter === dc &&
        o.namespace === ns &&
        o.partition === ap &&
        o.peer === ''
      )
        return loaded[i]!;
    }
    const names = this.memo.targetNames(service, subset, ns, ap, dc);
    const prev = this.loadedTarget(names.id);
    if (prev) return prev;
    // The memo's names object holds exactly these parts (and `peer: ''`): it serves as the options (`localNames`).
    return this.loadTarget(names.id, names);
  }

  private loadTarget(id: string, opts: Required<TargetOpts>): WorkTarget {
    // Every field from the start (one shape: no transitions as getResolverNode fills them in).
    const t: WorkTarget = {
      id,
      opts,
      mode: undefined,
      subset: undefined,
      dialedDirectly: undefined,
      connectTimeoutNs: 0,
      external: false,
      externalSni: undefined,
      retained: false,
    };
    this.loadedTargets.push(t);
    return t;
  }

  /**
   * `rewriteTarget`: a redirect or failover applied to a target (unset or empty parts keep the target's); another
   * service resets the subset.
   */
  private rewriteTarget(t: WorkTarget, o: RewriteParts): WorkTarget {
    const m = t.opts;
    const service = o.Service && o.Service !== m.service ? o.Service : undefined;
    return this.newTarget(
      service ?? m.service,
      o.ServiceSubset || (service !== undefined ? '' : m.subset),
      o.Namespace || o.Peer ? (o.Namespace ?? '') : m.namespace,
      o.Partition || m.partition,
      o.Datacenter || m.datacenter,
      o.Peer ?? '',
    );
  }

  /**
   * `getSplitterOrResolverNode(newTarget(service, "", namespace, partition, ""))`: the service's splitter node, else
   * the resolver node of its target in the chain's datacenter. The target is made only when no splitter takes it:
   * Consul makes it first, but a target nothing resolves is never kept (`retainedTargets`), a later `newTarget` of
   * the same ID makes one with the same fields, and nothing else reads the order targets were loaded in (they are
   * looked up by ID and kept sorted by ID), so the chain is the same without it.
   */
  private getSplitterOrResolverNode(service: string, namespace: string, partition: string): AnyWorkNode {
    const ns = namespace || this.ns;
    const ap = partition || this.partition;
    return (
      this.getSplitterNode(service, ns, ap) ??
      this.getResolverNode(this.newTarget(service, '', ns, ap, this.req.evaluateInDatacenter, ''), false)
    );
  }

  /**
   * `getSplitterNode`: the splitter of a service, recorded before its splits are followed (so a loop ends at it and
   * `detectCircularReferences` reports it). A split onto another service without a subset goes to that service's
   * splitter when it has one, else to a resolver.
   */
  private getSplitterNode(service: string, namespace: string, partition: string): WorkL7Node | undefined {
    // A splitter node is recorded only for a splitter entry: without one, nothing to look for (no name to build).
    let splitter: ServiceSplitterEntry | undefined = this.entriesOf(service, namespace, partition)?.splitter?.entry;
    if (splitter && this.disableAdvanced) {
      splitter = undefined;
      this.customizedProtocol = true;
    }
    if (!splitter) return undefined;
    const { name, splitterKey } = this.memo.l7Names(service, namespace, partition);
    const prev = this.splitterNode(name);
    if (prev) return prev;
    const problem = this.memo.l7Problem(splitter);
    if (problem) throw new GraphError(problem);
    const entrySplits = splitter.Splits ?? [];
    // Exact length, filled in order (the chain keeps it).
    const splits: WorkSplit[] = new Array(entrySplits.length);
    const node: WorkL7Node = {
      type: 'splitter',
      key: splitterKey,
      name,
      router: undefined,
      routes: undefined,
      splits,
      loadBalancer: undefined,
    };
    this.recordNode(node);
    let hasLB = false;
    for (let i = 0; i < entrySplits.length; i++) {
      const split = entrySplits[i]!;
      const compiled: WorkSplit = {
        definition: undefined,
        splitter,
        index: i,
        weight: normalizeSplitWeight(Number(split.Weight ?? 0)),
        nextNode: '',
      };
      splits[i] = compiled;
      const svc = split.Service || service;
      const ns = split.Namespace || namespace;
      const ap = split.Partition || partition;
      const same = svc === service && ns === namespace && ap === partition;
      if (!same && !split.ServiceSubset) {
        const next = this.getSplitterNode(svc, ns, ap);
        if (next) {
          compiled.nextNode = next.key;
          this.splitsToSplitter = true;
          continue;
        }
      }
      const resolved = this.getResolverNode(this.newTarget(svc, split.ServiceSubset ?? '', ns, ap, '', ''), false);
      compiled.nextNode = resolved.key;
      // One hash policy per route: the first hash-based load balancer among the split's resolvers.
      if (!hasLB && hashBased(resolved.loadBalancer)) {
        node.loadBalancer = resolved.loadBalancer;
        hasLB = true;
      }
    }
    this.usesAdvanced = true;
    return node;
  }

  /** `getResolverNode`: redirects, default subset, subsets, timeouts, mesh-gateway mode and failover. */
  private getResolverNode(start: WorkTarget, recursedForFailover: boolean): WorkNode {
    // The targets left behind by redirects and default subsets, in order (for the cycle check); most chains have none.
    let left: string[] | undefined;
    let target = start;
    let facts: ResolverFacts;
    let resolver: ServiceResolverEntry;
    for (;;) {
      const prev = this.resolveNode(target.id);
      if (prev) return prev;
      const { service, namespace, partition } = target.opts;
      if (target.opts.peer === '') this.recordServiceProtocol(service, namespace, partition);
      facts = this.lookupResolver(service, namespace, partition);
      resolver = facts.entry;
      if (left?.includes(target.id)) {
        throw new GraphError(`detected circular resolver redirect: [${[...left, target.id].join(' -> ')}]`);
      }
      const r = resolver.Redirect;
      if (r) {
        const redirected = this.rewriteTarget(target, r);
        if (redirected.id !== target.id) {
          if (!left) left = [];
          left.push(target.id);
          target = redirected;
          continue;
        }
      }
      if (target.opts.subset === '' && resolver.DefaultSubset) {
        if (!left) left = [];
        left.push(target.id);
        target = this.rewriteTarget(target, { ServiceSubset: resolver.DefaultSubset });
        continue;
      }
      break;
    }
    const { service, subset } = target.opts;
    if (subset !== '' && !(resolver.Subsets !== undefined && Object.hasOwn(resolver.Subsets, subset))) {
      throw new GraphError(`service "${service}" does not have a subset named "${subset}"`);
    }
    let connectTimeoutNs = facts.connectTimeoutNs;
    if (connectTimeoutNs < 1) connectTimeoutNs = DEFAULT_CONNECT_TIMEOUT_NS;
    if (this.overrideTimeoutNs > 0 && connectTimeoutNs !== this.overrideTimeoutNs) {
      connectTimeoutNs = this.overrideTimeoutNs;
      this.customizedConnectTimeout = true;
    }
    target.connectTimeoutNs = connectTimeoutNs;
    // Its node key, `resolver:<id>`: a local target's names hold it (built once per target).
    const key = localNames(target)?.nodeKey ?? flat(`resolver:${target.id}`);
    const name = target.id;
    const node: WorkNode = {
      type: 'resolver',
      key,
      name,
      targetId: name,
      isDefault: facts.isDefault,
      connectTimeoutNs,
      requestTimeoutNs: facts.requestTimeoutNs,
      failover: undefined,
      // One object per entry (`ResolverFacts`), shared by its nodes: chains are read-only data.
      loadBalancer: facts.loadBalancer,
    };
    const subsetDef = subset === '' ? undefined : resolver.Subsets?.[subset];
    if (subsetDef) target.subset = subsetDef;
    this.applyServiceDefaults(target, facts);
    target.retained = true;
    if (recursedForFailover) return node;
    this.recordNode(node);
    this.applyFailover(node, target, resolver);
    return node;
  }

  /**
   * The resolver for a service, or the default one. A resolver Consul would not have accepted (its `Validate`)
   * fails the chain with Consul's message: such an entry can never be in Consul.
   */
  private lookupResolver(service: string, namespace: string, partition: string): ResolverFacts {
    const found = this.entriesOf(service, namespace, partition)?.resolver?.entry;
    if (!found) return NO_RESOLVER_FACTS;
    const facts = this.memo.resolver(found);
    if (facts.problem) throw new GraphError(facts.problem);
    return facts;
  }

  /** External SNI and mesh-gateway mode of a target (`getResolverNode`, after the subset check). */
  private applyServiceDefaults(target: WorkTarget, resolver: ResolverFacts): void {
    const { service, namespace, partition } = target.opts;
    const sd = this.entriesOf(service, namespace, partition)?.serviceDefaults?.entry;
    if (sd?.ExternalSNI) {
      target.externalSni = sd.ExternalSNI;
      target.external = true;
    }
    if (target.external) {
      const what = resolver.externalConflict;
      if (what) {
        throw new GraphError(
          `service "${service}" has an external SNI set; cannot define ${what} for external services`,
        );
      }
      // Bypass mesh gateways for an external service.
      target.mode = undefined;
      return;
    }
    // Discovery-chain targets carry a mode whatever datacenter they are in (compile.go: "Regardless of the
    // datacenter/partition where the chain will be used"): the target's service-defaults, else proxy-defaults.
    const pd = this.proxyDefaults(partition);
    target.mode = sd?.MeshGateway?.Mode || pd?.MeshGateway?.Mode || undefined;
    target.dialedDirectly = dialedDirectly(sd) || dialedDirectly(pd);
    // The request's mode override, applied to every such target, is `chainWithMode`'s (after the compile).
  }

  /** Failover keyed by subset, else `*`: Datacenters (in order), else Targets, else one rewritten target. */
  private applyFailover(node: WorkNode, target: WorkTarget, resolver: ServiceResolverEntry): void {
    const f = resolver.Failover;
    if (f === undefined) return;
    const failover = Object.hasOwn(f, target.opts.subset) ? f[target.opts.subset] : f['*'];
    if (!failover) return;
    const candidates: WorkTarget[] = [];
    if (failover.Datacenters && failover.Datacenters.length > 0) {
      const { Service, ServiceSubset, Namespace } = failover;
      for (const Datacenter of failover.Datacenters) {
        candidates.push(this.rewriteTarget(target, { Service, ServiceSubset, Namespace, Datacenter }));
      }
    } else if (failover.Targets && failover.Targets.length > 0) {
      for (const t of failover.Targets) candidates.push(this.rewriteTarget(target, t));
    } else {
      const { Service, ServiceSubset, Namespace } = failover;
      candidates.push(this.rewriteTarget(target, { Service, ServiceSubset, Namespace }));
    }
    // Don't fail over to yourself; with nothing left there is no failover at all.
    const others = candidates.filter((t) => t.id !== target.id);
    if (others.length === 0) return;
    const raw = failover as unknown as { Policy?: { Mode?: string } };
    const policy = raw.Policy?.Mode
      ? raw.Policy
      : (this.proxyDefaults(target.opts.partition) as { FailoverPolicy?: unknown } | undefined)?.FailoverPolicy;
    // `targets` filled in order, exact length (the chain keeps it).
    const targets: string[] = new Array(others.length);
    node.failover = { targets, ...(policy !== undefined ? { policy } : {}) };
    for (let i = 0; i < others.length; i++) targets[i] = this.getResolverNode(others[i]!, true).targetId;
  }

  /**
   * `recordNode`: every node by key (a second node under a key takes the first one's place, as in a map), resolvers
   * also by target and splitters by name.
   */
  private recordNode(node: AnyWorkNode): void {
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) {
      if (nodes[i]!.key === node.key) {
        nodes[i] = node;
        return;
      }
    }
    nodes.push(node);
  }

  /**
   * A service's entries (the index's record; undefined: none), looked up on first use in this chain. One lookup for
   * the four kinds: a service's entries are read many times per chain.
   */
  private entriesOf(service: string, namespace: string, partition: string): ChainEntries | undefined {
    if (this.firstService === service && this.firstNamespace === namespace && this.firstPartition === partition) {
      return this.firstEntries;
    }
    const more = this.moreServices;
    if (more !== undefined) {
      for (let i = 0; i < more.length; i++) {
        const s = more[i]!;
        if (s.service === service && s.namespace === namespace && s.partition === partition) return s.kinds;
      }
    }
    const kinds = this.entries.chainEntries(service, namespace, partition);
    if (this.firstService === undefined) {
      this.firstService = service;
      this.firstNamespace = namespace;
      this.firstPartition = partition;
      this.firstEntries = kinds;
    } else if (more === undefined) this.moreServices = [{ service, namespace, partition, kinds }];
    else more.push({ service, namespace, partition, kinds });
    return kinds;
  }

  /** The proxy-defaults of a partition, looked up on first use in this chain. */
  private proxyDefaults(partition: string): ProxyDefaultsEntry | undefined {
    if (this.firstProxyDefaultsOf === partition) return this.firstProxyDefaults;
    const more = this.moreProxyDefaults;
    if (more !== undefined)
      for (let i = 0; i < more.length; i++) if (more[i]!.partition === partition) return more[i]!.entry;
    const entry = this.entries.proxyDefaults(partition)?.entry;
    if (this.firstProxyDefaultsOf === undefined) {
      this.firstProxyDefaultsOf = partition;
      this.firstProxyDefaults = entry;
    } else if (more === undefined) this.moreProxyDefaults = [{ partition, entry }];
    else more.push({ partition, entry });
    return entry;
  }

  /** The node with a key (Consul's `nodes[key]`). */
  private node(key: string): AnyWorkNode | undefined {
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) if (nodes[i]!.key === key) return nodes[i];
    return undefined;
  }

  /** The resolver node of a target (Consul's `resolveNodes[targetID]`). */
  private resolveNode(targetId: string): WorkNode | undefined {
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (!isL7Node(n) && n.targetId === targetId) return n;
    }
    return undefined;
  }

  /** The splitter node of a name `<svc>.<ns>.<ap>` (Consul's `splitterNodes[name]`). */
  private splitterNode(name: string): WorkL7Node | undefined {
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (isL7Node(n) && n.type === 'splitter' && n.name === name) return n;
    }
    return undefined;
  }

  /** The target loaded with an ID (Consul's `loadedTargets[id]`). */
  private loadedTarget(id: string): WorkTarget | undefined {
    const targets = this.loadedTargets;
    for (let i = 0; i < targets.length; i++) if (targets[i]!.id === id) return targets[i];
    return undefined;
  }
}
