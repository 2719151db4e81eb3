/**
 * The legs of a compiled discovery chain: every way a request can travel from the start node to a resolver — through
 * a router's route (in order, Consul's catch-all last), then possibly a splitter's split (with its effective weight) —
 * and the resolver's targets, primary then failover. A chain that starts at a resolver has one leg. Reading a chain
 * Consul's shape (`structs.CompiledDiscoveryChain`), never a second compile of it. Pure.
 */
import type { ServiceRoute, ServiceSplit } from '../model/entries.ts';
import type { GatewayMode } from '../model/types.ts';
import { type ChainView, chainView, type NodeView, nodeType, viewNode, viewTarget } from './chain-view.ts';
import { type ChainWork, lazyChainState, lazyTargetsCarryMode, type WorkTarget } from './passes/chain-json.ts';
import type { ChainTarget, CompiledChain } from './types.ts';

export interface LegRoute {
  /** 0-based position in the router node (Consul's catch-all is the last one). */
  readonly index: number;
  /** True for the catch-all Consul appends (`PathPrefix /` to the chain's own service). */
  readonly isDefault: boolean;
  /** What the route matches, e.g. `path prefix /v2/ and header x-canary = always`. */
  readonly match: string;
  readonly definition: ServiceRoute;
}

export interface LegSplit {
  readonly index: number;
  /** Effective share of the splitter's traffic, percent. */
  readonly weight: number;
  readonly definition: ServiceSplit;
}

export interface LegTarget {
  readonly role: 'primary' | 'failover';
  readonly target: ChainTarget;
}

export interface ChainLeg {
  readonly route?: LegRoute;
  readonly split?: LegSplit;
  /** The resolver node the leg ends at, e.g. `resolver:v2.api.default.default.dc1`. */
  readonly resolver: string;
  /** Its targets, primary then failover in order. */
  readonly targets: readonly LegTarget[];
  /** Human label: `route 1 (path prefix /v2/)`, `split 2 (10%)`, `default route → split 1 (90%)`; empty for a plain chain. */
  readonly label: string;
}

const describeHeader = (h: NonNullable<NonNullable<ServiceRoute['Match']>['HTTP']>['Header']): string[] =>
  (h ?? []).map((x) => {
    const not = x.Invert ? 'not ' : '';
    if (x.Present) return `header ${x.Name} ${not}present`;
    if (x.Exact !== undefined && x.Exact !== '') return `header ${x.Name} ${not}= ${x.Exact}`;
    if (x.Prefix) return `header ${x.Name} ${not}starts with ${x.Prefix}`;
    if (x.Suffix) return `header ${x.Name} ${not}ends with ${x.Suffix}`;
    if (x.Regex) return `header ${x.Name} ${not}matches /${x.Regex}/`;
    return `header ${x.Name}`;
  });

/** What a route matches, in words (`any request` when it has no criteria). */
export function describeMatch(route: ServiceRoute): string {
  const http = route.Match?.HTTP;
  if (!http) return 'any request';
  const parts: string[] = [];
  if (http.PathExact) parts.push(`path ${http.PathExact}`);
  if (http.PathPrefix) parts.push(`path prefix ${http.PathPrefix}`);
  if (http.PathRegex) parts.push(`path matches /${http.PathRegex}/`);
  parts.push(...describeHeader(http.Header));
  for (const p of http.QueryParam ?? []) {
    if (p.Present) parts.push(`query ${p.Name} present`);
    else if (p.Exact !== undefined && p.Exact !== '') parts.push(`query ${p.Name} = ${p.Exact}`);
    else if (p.Regex) parts.push(`query ${p.Name} matches /${p.Regex}/`);
  }
  if (http.Methods?.length) parts.push(`method ${http.Methods.join('|')}`);
  return parts.length ? parts.join(' and ') : 'any request';
}

/** Consul's catch-all: the last route, `PathPrefix /`, to the chain's own service with namespace and partition set. */
function isCatchAll(chain: CompiledChain, route: ServiceRoute, index: number, count: number): boolean {
  const d = route.Destination;
  return (
    index === count - 1 &&
    route.Match?.HTTP?.PathPrefix === '/' &&
    d?.Service === chain.ServiceName &&
    d.Namespace !== undefined &&
    d.Partition !== undefined &&
    !d.ServiceSubset
  );
}

function resolverTargets(view: ChainView, node: NodeView | undefined): LegTarget[] {
  if (node?.targetId === undefined) return [];
  const out: LegTarget[] = [];
  const primary = viewTarget(view, node.targetId);
  if (primary) out.push({ role: 'primary', target: primary });
  for (const id of node.failover?.targets ?? []) {
    const t = viewTarget(view, id);
    if (t) out.push({ role: 'failover', target: t });
  }
  return out;
}

/** `describeMatch` per route definition (definitions are frozen and shared by every chain of a router entry). */
const matches = new WeakMap<ServiceRoute, string>();

function matchOf(definition: ServiceRoute): string {
  let m = matches.get(definition);
  if (m === undefined) {
    m = describeMatch(definition);
    matches.set(definition, m);
  }
  return m;
}

function routeLabel(r: LegRoute): string {
  return r.isDefault ? 'default route' : `route ${r.index + 1} (${r.match})`;
}

function splitLabel(s: LegSplit): string {
  return `split ${s.index + 1} (${s.weight}%)`;
}

/** A leg without its targets: what the chain's nodes alone decide. */
interface LegShape {
  readonly route?: LegRoute;
  readonly split?: LegSplit;
  readonly resolver: string;
  readonly label: string;
}

/** Follows a node to the resolvers it leads to, appending leg shapes (reading the chain's graph: `chain-view.ts`). */
function walk(
  chain: CompiledChain,
  view: ChainView,
  name: string,
  route: LegRoute | undefined,
  out: LegShape[],
  depth: number,
): void {
  const node = viewNode(view, name);
  if (!node || depth > 8) return;
  if (node.type === 'resolver') {
    const label = route ? routeLabel(route) : '';
    out.push(route ? { route, resolver: name, label } : { resolver: name, label });
    return;
  }
  if (node.type === 'splitter') {
    const splits = node.splits ?? [];
    for (let index = 0; index < splits.length; index++) {
      const s = splits[index]!;
      const split: LegSplit = { index, weight: s.jsonWeight, definition: s.definition };
      const next = viewNode(view, s.nextNode);
      const label = route ? `${routeLabel(route)} → ${splitLabel(split)}` : splitLabel(split);
      if (next?.type === 'resolver') {
        out.push(route ? { route, split, resolver: s.nextNode, label } : { split, resolver: s.nextNode, label });
      }
    }
    return;
  }
  if (node.type === 'router' && route === undefined) {
    const routes = node.routes ?? [];
    for (let index = 0; index < routes.length; index++) {
      const r = routes[index]!;
      const legRoute: LegRoute = {
        index,
        isDefault: isCatchAll(chain, r.definition, index, routes.length),
        match: matchOf(r.definition),
        definition: r.definition,
      };
      walk(chain, view, r.nextNode, legRoute, out, depth + 1);
    }
  }
}

/**
 * Leg shapes per nodes (`ChainView.nodes`): the chains of one destination compiled for different mesh-gateway modes
 * share their nodes (`chain-mode-variant.ts`) and differ only in their targets.
 */
const shapesMemo = new WeakMap<object, { readonly chain: CompiledChain; readonly shapes: readonly LegShape[] }>();

function legShapes(chain: CompiledChain, view: ChainView): readonly LegShape[] {
  const seen = shapesMemo.get(view.nodes);
  if (seen && seen.chain.StartNode === chain.StartNode && seen.chain.ServiceName === chain.ServiceName)
    return seen.shapes;
  const shapes: LegShape[] = [];
  walk(chain, view, chain.StartNode, undefined, shapes, 0);
  shapesMemo.set(view.nodes, { chain, shapes });
  return shapes;
}

/**
 * Legs per chain object: compiled chains are shared by every upstream that compiles the same (destination, datacenter,
 * overrides), and several passes read the legs of each, so each chain is walked once.
 */
const legsMemo = new WeakMap<CompiledChain, readonly ChainLeg[]>();

/** The legs of a chain, in route order then split order (shared and frozen: callers must not mutate it). */
export function chainLegs(chain: CompiledChain): readonly ChainLeg[] {
  let out = legsMemo.get(chain);
  if (!out) {
    const legs: ChainLeg[] = [];
    const view = chainView(chain);
    for (const shape of legShapes(chain, view)) {
      // Legs ending at the same resolver have the same targets (one list; a chain has a few legs).
      let targets = legs.find((l) => l.resolver === shape.resolver)?.targets;
      targets ??= resolverTargets(view, viewNode(view, shape.resolver));
      const { route, split, resolver, label } = shape;
      legs.push(
        route
          ? split
            ? { route, split, resolver, targets, label }
            : { route, resolver, targets, label }
          : split
            ? { split, resolver, targets, label }
            : { resolver, targets, label },
      );
    }
    out = Object.freeze(legs);
    legsMemo.set(chain, out);
  }
  return out;
}

/**
 * What the validation passes read of one chain target: the fields of its `ChainTarget` they use, as the rendered
 * target holds them (`renderTarget` leaves an empty string out: an empty datacenter, peer, mode or filter is unset),
 * read once from a compiled chain's work form (`WorkTarget`, `passes/chain-json.ts`) without rendering it, or from a
 * chain's JSON. A compact copy: the work targets lie scattered in the old generation (the chain pass allocated them
 * among its garbage), and each pass reading them there paid a cache and TLB miss or two per target, measured at
 * about 25 ms per L7 10k compile; these are made together, one list per work form (a chain and its mode variants).
 */
export interface FactTarget {
  readonly service: string;
  /** `ServiceSubset`, '' when none. */
  readonly subset: string;
  readonly namespace: string;
  readonly partition: string;
  readonly datacenter: string | undefined;
  readonly peer: string | undefined;
  /** `MeshGateway.Mode` of the base chain's target (a mode variant's: `targetMode`). */
  readonly mode: GatewayMode | undefined;
  /** `Subset.Filter`. */
  readonly filter: string | undefined;
  /** `External`. */
  readonly external: boolean;
}

/** What the validation passes read of every chain before anything else (`chainFacts`; `hasL7` when needed). */
export interface ChainFacts {
  /**
   * The chain's `Targets`, in key order, as `FactTarget`s: every target a leg, a resolver or a failover can reach is
   * among them, so a pass can rule a chain out (every target reachable, none of another service, none with a
   * failover) without walking its legs (nor rendering a target).
   */
  readonly targets: readonly FactTarget[];
  /**
   * The chain's `ServiceName`. In a `compile()`, the destination of every upstream holding the chain: a chain is
   * compiled for one destination (`ChainFamily.serviceName`, its upstreams' `destinationName`), so a pass can read
   * it here instead of reading an upstream.
   */
  readonly destination: string;
  /**
   * The chain's `Datacenter` (where it is compiled). In a `compile()`, the `targetDatacenter` of every upstream
   * holding the chain (a chain is compiled in its upstreams' target datacenter, `ChainFamily.dc`).
   */
  readonly datacenter: string;
  /**
   * A mesh-gateway mode variant (`chainVariant`): its targets are its base's work targets, and every one that is not
   * external has the variant's mode (`variantMode`, Consul's `getResolverNode`).
   */
  readonly variant: boolean;
  readonly variantMode: GatewayMode | undefined;
  /**
   * Every target carries its mesh-gateway mode (`MeshGateway.Mode`), so what reaches them does not depend on the
   * caller's fallback mode.
   */
  readonly modeFree: boolean;
}

/**
 * A target's `MeshGateway.Mode` as rendered (`targetListOf`): a variant's target that is not external has the
 * variant's mode (unset when empty, as `meshGateway` renders it), any other its own.
 */
export function targetMode(f: ChainFacts, t: FactTarget): GatewayMode | undefined {
  return f.variant && !t.external ? f.variantMode || undefined : t.mode;
}

/**
 * `targetMode` for a chain given by its numbering's arrays (`UpstreamChains.variants`, `variantModes`): no
 * `ChainFacts` object needed.
 */
export function variantTargetMode(
  variant: number,
  variantMode: GatewayMode | undefined,
  t: FactTarget,
): GatewayMode | undefined {
  return variant !== 0 && !t.external ? variantMode || undefined : t.mode;
}

/** The `FactTarget` of a work target, as `renderTarget` renders it. */
function workFactTarget(t: WorkTarget): FactTarget {
  const o = t.opts;
  return {
    service: o.service,
    subset: o.subset,
    namespace: o.namespace,
    partition: o.partition,
    datacenter: o.datacenter || undefined,
    peer: o.peer || undefined,
    mode: t.mode || undefined,
    filter: t.subset?.Filter || undefined,
    external: t.external,
  };
}

/** The `FactTarget` of a rendered target (a chain from JSON). */
function jsonFactTarget(t: ChainTarget): FactTarget {
  return {
    service: t.Service,
    subset: t.ServiceSubset ?? '',
    namespace: t.Namespace,
    partition: t.Partition,
    datacenter: t.Datacenter,
    peer: t.Peer,
    mode: t.MeshGateway?.Mode,
    filter: t.Subset?.Filter,
    external: t.External === true,
  };
}

/** The `FactTarget`s of a chain from JSON: its `Targets`, in key order. */
function jsonFactTargets(chain: CompiledChain): FactTarget[] {
  return chainView(chain).targets.map(jsonFactTarget);
}

/** Appends the `FactTarget`s of a work form's targets to `out`, in order. */
function pushWorkFactTargets(work: ChainWork, out: FactTarget[]): void {
  const targets = work.targets;
  for (let i = 0; i < targets.length; i++) out.push(workFactTarget(targets[i]!));
}

/** The `FactTarget`s of a work form's targets, in order. */
function workFactTargets(work: ChainWork): FactTarget[] {
  const targets = work.targets;
  const out: FactTarget[] = new Array(targets.length);
  for (let i = 0; i < targets.length; i++) out[i] = workFactTarget(targets[i]!);
  return out;
}

/**
 * A chain's facts (`modeFree`: when the caller knows it already, e.g. `ChainNumbering`; `targets`: the fact targets
 * of its work form when the caller has them, shared by a chain and its mode variants). A chain compiled here is read
 * from its work form (nothing rendered); a chain from JSON through its `Targets`.
 */
export function chainFacts(chain: CompiledChain, modeFree?: boolean, targets?: readonly FactTarget[]): ChainFacts {
  const s = lazyChainState(chain);
  if (s !== undefined) {
    const variant = s.base !== undefined;
    return {
      targets: targets ?? workFactTargets(s.work),
      destination: chain.ServiceName,
      datacenter: chain.Datacenter,
      variant,
      variantMode: variant ? s.mode : undefined,
      modeFree: modeFree ?? lazyTargetsCarryMode(chain)!,
    };
  }
  const list = targets ?? jsonFactTargets(chain);
  const facts = {
    targets: list,
    destination: chain.ServiceName,
    datacenter: chain.Datacenter,
    variant: false,
    variantMode: undefined,
    modeFree: true,
  };
  for (const t of list) if (targetMode(facts, t) === undefined) facts.modeFree = false;
  return facts;
}

/**
 * The first target of each leg of `chain`, in leg order (`chainLegs(chain).map((l) => l.targets[0]?.target)`, those
 * undefined left out), read from its facts (`facts`: `chainFacts(chain)`): no leg, label or target is built. A leg's
 * first target is its resolver's target, else (not among `Targets`) its first failover target among them.
 */
export function legFirstTargets(
  chain: CompiledChain,
  facts: Pick<ChainFacts, 'targets'>,
  /** Where the chain's fact targets start in `facts.targets` (`UpstreamChains.factTargets`: `workStart`). */
  offset = 0,
): FactTarget[] {
  // A chain compiled here is walked through its work nodes and work target IDs as they are: its view
  // (`chainView`) would fill in every router's and splitter's definitions (`fillL7Definitions`), which nothing here
  // reads. The view's nodes are those very work nodes in the same order (a splitter's view differs only in its
  // splits' weights and definitions; `nextNode` is copied), and its `keys` are the work targets.
  const s = lazyChainState(chain);
  let nodes: readonly LegNode[];
  let keys: readonly { readonly id: string }[];
  if (s !== undefined) {
    nodes = s.work.nodes;
    keys = s.work.targets;
  } else {
    const view = chainView(chain);
    nodes = view.nodes;
    keys = view.keys;
  }
  const resolvers: string[] = [];
  legResolvers(nodes, chain.StartNode, false, resolvers, 0);
  const out: FactTarget[] = [];
  for (const name of resolvers) {
    const node = legNode(nodes, name);
    if (node?.targetId === undefined) continue;
    let first = factTargetAt(keys, facts, offset, node.targetId);
    if (first === undefined) {
      for (const id of node.failover?.targets ?? []) {
        first = factTargetAt(keys, facts, offset, id);
        if (first !== undefined) break;
      }
    }
    if (first !== undefined) out.push(first);
  }
  return out;
}

/**
 * What `legFirstTargets` reads of a node: a `NodeView` (a chain from JSON) or a work node as it is (the same fields,
 * `passes/chain-json.ts`).
 */
interface LegNode {
  readonly key: string;
  readonly type: string;
  readonly targetId?: string | undefined;
  readonly failover?: { readonly targets: readonly string[] } | undefined;
  readonly routes?: readonly { readonly nextNode: string }[] | undefined;
  readonly splits?: readonly { readonly nextNode: string }[] | undefined;
}

/** The node with key `key` (`viewNode` over a node list). */
function legNode(nodes: readonly LegNode[], key: string): LegNode | undefined {
  for (let i = 0; i < nodes.length; i++) if (nodes[i]!.key === key) return nodes[i];
  return undefined;
}

/** The fact target of ID `id`: `keys` (`ChainView.keys`) and `facts.targets` are both the chain's `Targets` in key order. */
function factTargetAt(
  keys: readonly { readonly id: string }[],
  facts: Pick<ChainFacts, 'targets'>,
  offset: number,
  id: string,
): FactTarget | undefined {
  for (let i = 0; i < keys.length; i++) if (keys[i]!.id === id) return facts.targets[offset + i];
  return undefined;
}

/** The resolver each leg ends at, in leg order: `walk` without building leg shapes. */
function legResolvers(nodes: readonly LegNode[], name: string, routed: boolean, out: string[], depth: number): void {
  const node = legNode(nodes, name);
  if (!node || depth > 8) return;
  if (node.type === 'resolver') {
    out.push(name);
    return;
  }
  if (node.type === 'splitter') {
    for (const s of node.splits ?? []) if (legNode(nodes, s.nextNode)?.type === 'resolver') out.push(s.nextNode);
    return;
  }
  if (node.type === 'router' && !routed) {
    for (const r of node.routes ?? []) legResolvers(nodes, r.nextNode, true, out, depth + 1);
  }
}

/**
 * The distinct chains of a list of compiled upstreams, numbered in the order of the first upstream holding each:
 * the passes that work per chain (reachability, failover, chain intentions) share one lookup per upstream instead of
 * a map or set keyed by chain object each. The same walk groups the upstreams reachability analyses together.
 */
export interface UpstreamChains {
  /** Per upstream (same index), its chain's number; -1 for an upstream without a chain. */
  readonly chainOf: Int32Array;
  /** Per chain number, the index of the first upstream holding it (increasing with the number). */
  readonly first: Int32Array;
  /** The indexes of the upstreams without a chain, increasing. */
  readonly unchained: readonly number[];
  /**
   * Per chain number, its `chainFacts` (made on first read: the passes read the arrays below, which hold the same
   * values without an object per chain).
   */
  readonly facts: readonly ChainFacts[];
  /**
   * Every work form's fact targets, one after another in work order: work `w`'s are `factTargets[workStart[w]]` up to
   * `factTargets[workStart[w + 1]]` (one array for all, not one per work form: 10,000 in the L7 10k mesh).
   */
  readonly factTargets: readonly FactTarget[];
  readonly workStart: Int32Array;
  /**
   * Per work number, its fact targets as a list (`ChainFacts.targets` of each of its chains), made on first read:
   * the passes read `factTargets`.
   */
  readonly workTargets: readonly (readonly FactTarget[])[];
  /** Per chain number, `ChainFacts.destination` (its `ServiceName`). */
  readonly destinations: readonly string[];
  /** Per chain number, `ChainFacts.datacenter` (its `Datacenter`). */
  readonly datacenters: readonly string[];
  /** Per chain number, 1 when `ChainFacts.variant`, else 0. */
  readonly variants: Uint8Array;
  /** Per chain number, `ChainFacts.variantMode`. */
  readonly variantModes: readonly (GatewayMode | undefined)[];
  /** Per chain number, `ChainFacts.modeFree`. */
  readonly modeFrees: readonly boolean[];
  /**
   * Per upstream, its reach group: upstreams with the same chain, caller datacenter and fallback mode (the mode not
   * counted when every target of the chain carries its own, `modeFree`) reach the same targets the same way. -1 for
   * an upstream without a chain.
   */
  readonly groupOf: Int32Array;
  /** Per group number, the index of its first upstream (increasing with the number). */
  readonly groupFirst: Int32Array;
  /**
   * Per chain number, the number of its work form: chains that share one (a chain and its mesh-gateway mode
   * variants: the same nodes and the same target list, `ChainFacts.targets`) share it; a chain from JSON has one of
   * its own. Numbered in chain order, from 0 to `works - 1`.
   */
  readonly workOf: Int32Array;
  readonly works: number;
  /**
   * Per group number, its upstreams' caller datacenter and fallback mode (undefined when its chain is `modeFree`):
   * what reachability asks of a group, without reading its first upstream.
   */
  readonly groupDc: readonly string[];
  readonly groupMode: readonly (GatewayMode | undefined)[];
}

/** What `upstreamChains` reads of an upstream. */
interface ChainedUpstream {
  readonly chain?: CompiledChain;
  readonly datacenter: string;
  readonly mode: { readonly mode: GatewayMode };
}

/**
 * Builds an `UpstreamChains`, upstream by upstream in list order: `upstreamChains` for any list, and the chain pass
 * (`compileUpstreamChains`) while it visits every compiled upstream anyway, so that the validation passes find the
 * numbering made without a walk of their own (`presetUpstreamChains`).
 */
export class ChainNumbering {
  readonly chainOf: Int32Array;
  readonly groupOf: Int32Array;
  // Chains and groups are at most one per upstream: their arrays are made at that size (no growing while numbering),
  // and `result` hands out the filled part.
  private readonly first: Int32Array;
  private chainCount = 0;
  private readonly workOf: Int32Array;
  private workCount = 0;
  private readonly unchained: number[] = [];
  /**
   * Per chain number, what `chainFacts` reads of the chain itself (its `ServiceName`, `Datacenter`, whether it is a
   * mode variant and its mode), read here, where the chain pass has just made or met the chain (so its object is in
   * the cache): `result` then reads no chain, and no `ChainFacts` object is made unless asked for.
   */
  private readonly destinations: string[] = [];
  private readonly datacenters: string[] = [];
  private readonly variants: Uint8Array;
  private readonly variantModes: (GatewayMode | undefined)[] = [];
  /** Per chain number, `chainFacts(chain).modeFree`, read from the chain's work form when it has one. */
  private readonly modeFrees: boolean[] = [];
  /**
   * Per work number, its work form (a chain compiled here: its fact targets are read from it when the numbering is
   * first used, `result`), or undefined for a chain from JSON, whose `Targets` are read then (`workChains`).
   */
  private readonly works: (ChainWork | undefined)[] = [];
  private readonly workChains: (CompiledChain | undefined)[] = [];
  private readonly groupFirst: Int32Array;
  private groupCount = 0;
  // Per chain number, its groups: a short list (a chain is seen from a datacenter or two, with a mode or two),
  // linked through `groupNext` from the chain's latest group (no array per chain).
  private readonly lastGroup: Int32Array;
  private readonly groupNext: Int32Array;
  private readonly groupDc: string[] = [];
  private readonly groupMode: (GatewayMode | undefined)[] = [];
  private readonly ids = new Map<CompiledChain, number>();
  /**
   * What the chain pass marks its per-shape and per-variant bookkeeping with ("numbered by this numbering"): a small
   * object of its own, so that nothing keeps the numbering's arrays alive through it.
   */
  readonly token: object = {};

  constructor(count: number) {
    this.chainOf = new Int32Array(count);
    this.groupOf = new Int32Array(count);
    this.first = new Int32Array(count);
    this.workOf = new Int32Array(count);
    this.variants = new Uint8Array(count);
    this.lastGroup = new Int32Array(count);
    this.groupFirst = new Int32Array(count);
    this.groupNext = new Int32Array(count);
  }

  /** Upstream `k` has no chain. */
  none(k: number): void {
    this.chainOf[k] = -1;
    this.groupOf[k] = -1;
    this.unchained.push(k);
  }

  /** The number of `chain`, numbered now if upstream `k` is the first to hold it. */
  chainId(chain: CompiledChain, k: number): number {
    let id = this.ids.get(chain);
    if (id === undefined) {
      id = this.add(chain, k);
      this.ids.set(chain, id);
    }
    return id;
  }

  /**
   * Numbers a chain met for the first time at upstream `k`, for a caller that knows it is new (and keeps its number
   * itself: `chainId` will not find it).
   */
  add(chain: CompiledChain, k: number): number {
    const id = this.chainCount++;
    this.first[id] = k;
    // A work form met before by this numbering (the chain is a mode variant of a chain numbered already, or the
    // other way round) has its number on it (`token`): no map from work to number.
    const s = lazyChainState(chain);
    const work = s?.work;
    if (work !== undefined && work.numbering === this.token) this.workOf[id] = work.number;
    else {
      const w = this.workCount++;
      this.workOf[id] = w;
      if (work !== undefined) {
        work.numbering = this.token;
        work.number = w;
        this.works.push(work);
        this.workChains.push(undefined);
      } else {
        this.works.push(undefined);
        this.workChains.push(chain);
      }
    }
    // `chainFacts`' fields, read as it reads them.
    this.destinations.push(chain.ServiceName);
    this.datacenters.push(chain.Datacenter);
    const variant = s !== undefined && s.base !== undefined;
    this.variants[id] = variant ? 1 : 0;
    this.variantModes.push(variant ? s.mode : undefined);
    this.modeFrees.push(lazyTargetsCarryMode(chain) ?? chainFacts(chain).modeFree);
    this.lastGroup[id] = -1;
    return id;
  }

  /** Whether chain `id`'s targets all carry their mode (then upstreams' fallback modes do not split groups). */
  modeFree(id: number): boolean {
    return this.modeFrees[id]!;
  }

  /**
   * The reach group of upstream `k` (chain number `id`, caller datacenter `dc`, fallback mode `m`: undefined when
   * `modeFree(id)`), made now if it is the group's first upstream. Not recorded: the caller sets `groupOf[k]`.
   */
  group(id: number, dc: string, m: GatewayMode | undefined, k: number): number {
    let group = this.lastGroup[id]!;
    while (group >= 0 && (this.groupDc[group] !== dc || this.groupMode[group] !== m)) group = this.groupNext[group]!;
    if (group < 0) {
      group = this.groupCount++;
      this.groupFirst[group] = k;
      this.groupDc.push(dc);
      this.groupMode.push(m);
      this.groupNext[group] = this.lastGroup[id]!;
      this.lastGroup[id] = group;
    }
    return group;
  }

  /**
   * The numbering, with each work form's fact targets read now. The chain pass records the numbering unfinished
   * (`presetUpstreamChains`), so that the fact targets are read by the first pass that uses them, after the chain
   * pass: read in the chain pass, among its short-lived garbage, the objects they build (kept with the numbering)
   * measured about twice as dear to collect.
   */
  result(): UpstreamChains {
    const { chainOf, unchained, groupOf, destinations, datacenters, variantModes, modeFrees } = this;
    // The fact targets of every work form, made in work order (together: see `FactTarget`), in one array.
    const factTargets: FactTarget[] = [];
    const workStart = new Int32Array(this.workCount + 1);
    for (let w = 0; w < this.workCount; w++) {
      const work = this.works[w];
      if (work !== undefined) pushWorkFactTargets(work, factTargets);
      else {
        const list = jsonFactTargets(this.workChains[w]!);
        for (let i = 0; i < list.length; i++) factTargets.push(list[i]!);
      }
      workStart[w + 1] = factTargets.length;
    }
    let workTargets: (readonly FactTarget[])[] | undefined;
    const targetsOf = (): (readonly FactTarget[])[] => {
      if (workTargets === undefined) {
        workTargets = new Array(this.workCount);
        for (let w = 0; w < workTargets.length; w++) workTargets[w] = factTargets.slice(workStart[w], workStart[w + 1]);
      }
      return workTargets;
    };
    const first = this.first.slice(0, this.chainCount);
    const groupFirst = this.groupFirst.slice(0, this.groupCount);
    const workOf = this.workOf.slice(0, this.chainCount);
    const variants = this.variants.slice(0, this.chainCount);
    const { groupDc, groupMode, workCount: works } = this;
    let facts: ChainFacts[] | undefined;
    return {
      chainOf,
      first,
      unchained,
      // What `chainFacts(chain, modeFree, targets)` returns, from the arrays (same fields, same order): nothing in
      // `compile()` reads it.
      get facts(): readonly ChainFacts[] {
        if (facts === undefined) {
          facts = new Array(first.length);
          for (let id = 0; id < first.length; id++) {
            facts[id] = {
              targets: targetsOf()[workOf[id]!]!,
              destination: destinations[id]!,
              datacenter: datacenters[id]!,
              variant: variants[id] === 1,
              variantMode: variantModes[id],
              modeFree: modeFrees[id]!,
            };
          }
        }
        return facts;
      },
      factTargets,
      workStart,
      get workTargets(): readonly (readonly FactTarget[])[] {
        return targetsOf();
      },
      destinations,
      datacenters,
      variants,
      variantModes,
      modeFrees,
      workOf,
      works,
      groupOf,
      groupFirst,
      groupDc,
      groupMode,
    };
  }
}

/** Per upstream list (the one `compile()` hands every pass; read-only, so the numbering stays true). */
const upstreamChainsMemo = new WeakMap<readonly object[], UpstreamChains | ChainNumbering>();

/** The chain numbering of `upstreams`, computed once per list (or made by the chain pass, `presetUpstreamChains`). */
export function upstreamChains(upstreams: readonly ChainedUpstream[]): UpstreamChains {
  let out = upstreamChainsMemo.get(upstreams);
  if (out instanceof ChainNumbering) {
    out = out.result();
    upstreamChainsMemo.set(upstreams, out);
  }
  if (out === undefined || out.chainOf.length !== upstreams.length) {
    const numbering = new ChainNumbering(upstreams.length);
    for (let k = 0; k < upstreams.length; k++) {
      const u = upstreams[k]!;
      const chain = u.chain;
      if (chain === undefined) {
        numbering.none(k);
        continue;
      }
      const id = numbering.chainId(chain, k);
      numbering.chainOf[k] = id;
      const mode = numbering.modeFree(id) ? undefined : u.mode.mode;
      numbering.groupOf[k] = numbering.group(id, u.datacenter, mode, k);
    }
    out = numbering.result();
    upstreamChainsMemo.set(upstreams, out);
  }
  return out;
}

/**
 * Records `chains` as the numbering of `upstreams` (made by the chain pass, which visits every upstream in order with
 * what `upstreamChains` reads: the same numbers, without a second walk). The list must not change afterwards.
 */
export function presetUpstreamChains(upstreams: readonly object[], chains: ChainNumbering): void {
  upstreamChainsMemo.set(upstreams, chains);
}

/**
 * Forgets the numbering of `upstreams` (the validation passes call it after the last pass that reads it, so a
 * compilation does not keep it alive; a later call computes it again).
 */
export function releaseUpstreamChains(upstreams: readonly ChainedUpstream[]): void {
  upstreamChainsMemo.delete(upstreams);
}

/** Whether a chain routes or splits (its start node is not a resolver). */
export function hasL7(chain: CompiledChain | undefined): boolean {
  return chain !== undefined && nodeType(chain, chain.StartNode) !== 'resolver';
}
