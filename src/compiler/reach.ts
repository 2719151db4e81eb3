/**
 * Reachability: for every compiled upstream, the path its traffic takes to each chain target (primary and failover),
 * hop by hop — sidecar → local gateway → remote gateway → instance — with the SNI used, and whether it gets there.
 *
 * Mode rules (Consul's mesh-gateway modes): a target in the caller's own datacenter never uses gateways; across
 * datacenters `none` dials the instances directly (only possible on a flat network), `local` goes through a gateway in
 * the caller's datacenter and then the target datacenter's gateway (WAN address), `remote` dials the target
 * datacenter's gateway (WAN address) directly.
 *
 * Cost: one pass to build per-datacenter indexes, then O(upstreams × targets) map lookups.
 */
import type {
  DatacenterDecl,
  GatewayMode,
  MeshGatewayDecl,
  MeshModel,
  ServiceInstanceDecl,
  SourceSpan,
} from '../model/types.ts';
import { type ChainLeg, chainLegs, hasL7 } from './chain-legs.ts';
import { type ChainView, chainView, viewNode, viewTarget } from './chain-view.ts';
import { orDefault, ServiceMap } from './service-map.ts';
import { filterMatches } from './subset-filter.ts';
import type { ChainTarget, CompiledChain, CompiledUpstream } from './types.ts';

/** Per-datacenter lookups built once per validation. */
export interface MeshIndex {
  readonly datacenters: ReadonlyMap<string, DatacenterDecl>;
  /** Gateways per datacenter, in declaration order. */
  readonly gateways: ReadonlyMap<string, readonly MeshGatewayDecl[]>;
  /** `partition/namespace/name@dc` → the first instance declaration there. */
  readonly instances: ReadonlyMap<string, ServiceInstanceDecl>;
  /**
   * The same, by service identity then datacenter (its keys: the datacenters the service is deployed in, in
   * declaration order): looked up per chain target without building a key string.
   */
  readonly placements: ServiceMap<ReadonlyMap<string, ServiceInstanceDecl>>;
  /** Every instance group of a service per datacenter (a canary group beside the stable one), for subset filters. */
  readonly groups: ServiceMap<ReadonlyMap<string, readonly ServiceInstanceDecl[]>>;
  /**
   * Every instance of a service, in model order: what `groups` is made of (each datacenter's list is the
   * subsequence of that datacenter), one list per service (made on first use; the validation passes read
   * `byService`, the same lists without an array each: a service runs on a few instances, scanned).
   */
  readonly services: ServiceMap<readonly ServiceInstanceDecl[]>;
  readonly byService: ServiceInstances;
}

/** Key of a service identity: `partition/namespace/name`. */
export function serviceKey(name: string, namespace?: string, partition?: string): string {
  return `${orDefault(partition)}/${orDefault(namespace)}/${name}`;
}

/**
 * Builds the per-datacenter indexes (linear in the model). `instances`, keyed by strings, is built on first use: the
 * validation passes look instances up by `placements`.
 */
export function indexMesh(model: MeshModel): MeshIndex {
  const datacenters = new Map<string, DatacenterDecl>();
  for (const dc of model.datacenters) if (!datacenters.has(dc.name)) datacenters.set(dc.name, dc);
  const gateways = new Map<string, MeshGatewayDecl[]>();
  for (const g of model.gateways) {
    const list = gateways.get(g.datacenter);
    if (list) list.push(g);
    else gateways.set(g.datacenter, [g]);
  }
  // One walk numbers each service and lists its instances (what the passes read per target: `ServiceInstances`, no
  // array per service); the groups per datacenter and the first instance per datacenter (`placements`) are derived
  // from those lists on first use (findings and reports).
  const byService = new ServiceInstances(model.instances);
  let groups: ServiceMap<Map<string, ServiceInstanceDecl[]>> | undefined;
  const groupsOf = () => {
    if (!groups) {
      // In model order, as one walk over the instances would make them: a service's datacenters in the order of
      // their first instance, each datacenter's instances in model order.
      groups = new ServiceMap();
      const seen = new ServiceMap<true>();
      for (const i of model.instances) {
        if (seen.get(i.service, i.namespace, i.partition)) continue;
        seen.set(i.service, i.namespace, i.partition, true);
        const byDc = new Map<string, ServiceInstanceDecl[]>();
        for (const j of byService.list(byService.id(i.service, i.namespace, i.partition))) {
          const here = byDc.get(j.datacenter);
          if (here) here.push(j);
          else byDc.set(j.datacenter, [j]);
        }
        groups.set(i.service, i.namespace, i.partition, byDc);
      }
    }
    return groups;
  };
  let services: ServiceMap<readonly ServiceInstanceDecl[]> | undefined;
  let placements: ServiceMap<Map<string, ServiceInstanceDecl>> | undefined;
  let instances: Map<string, ServiceInstanceDecl> | undefined;
  return {
    datacenters,
    gateways,
    get placements() {
      if (!placements) {
        placements = new ServiceMap();
        const seen = new ServiceMap<true>();
        for (const i of model.instances) {
          if (seen.get(i.service, i.namespace, i.partition)) continue;
          seen.set(i.service, i.namespace, i.partition, true);
          const byDc = new Map<string, ServiceInstanceDecl>();
          for (const [dc, list] of groupsOf().get(i.service, i.namespace, i.partition)!) byDc.set(dc, list[0]!);
          placements.set(i.service, i.namespace, i.partition, byDc);
        }
      }
      return placements;
    },
    get instances() {
      if (!instances) {
        instances = new Map();
        for (const i of model.instances) {
          const at = `${serviceKey(i.service, i.namespace, i.partition)}@${i.datacenter}`;
          if (!instances.has(at)) instances.set(at, i);
        }
      }
      return instances;
    },
    get groups() {
      return groupsOf();
    },
    byService,
    get services() {
      if (!services) {
        services = new ServiceMap();
        for (const i of model.instances) {
          const id = byService.id(i.service, i.namespace, i.partition);
          if (services.get(i.service, i.namespace, i.partition) === undefined)
            services.set(i.service, i.namespace, i.partition, byService.list(id));
        }
      }
      return services;
    },
  };
}

/**
 * Every instance of each service, in model order, without an array per service (a `MeshIndex` is made per
 * reachability pass and dropped after it: 10,000 arrays in the L7 10k mesh were most of its 1.7 MB, all of it
 * promoted garbage). Services are numbered in the order of their first instance (`id`); `order` lists the instance
 * indexes grouped by service number, each service's in model order (a counting sort of the numbers), and service `s`
 * owns `order[start[s]]` up to `order[start[s + 1]]`. When the instances of each service come one after another (as
 * models list them), `order` is the identity and is not made.
 */
export class ServiceInstances {
  private readonly ids = new ServiceMap<number>();
  private readonly start: Int32Array;
  /** Undefined: the identity. */
  private readonly order: Int32Array | undefined;

  constructor(readonly instances: readonly ServiceInstanceDecl[]) {
    const n = instances.length;
    const of = new Int32Array(n);
    const count = new Int32Array(n + 1);
    let services = 0;
    let grouped = true;
    let last: ServiceInstanceDecl | undefined;
    let lastId = -1;
    // Index loops: this runs once per pass over every instance, mostly before V8 optimizes it.
    for (let k = 0; k < n; k++) {
      const i = instances[k]!;
      let id: number;
      // Instances of a service usually come one after another: the previous instance's number is tried first.
      if (
        last !== undefined &&
        i.service === last.service &&
        i.namespace === last.namespace &&
        i.partition === last.partition
      )
        id = lastId;
      else {
        const known = this.ids.addIfAbsent(i.service, i.namespace, i.partition, services);
        if (known === undefined) id = services++;
        else {
          id = known;
          // A service met again after another: its instances are not one run.
          grouped = false;
        }
      }
      of[k] = id;
      count[id + 1]!++;
      last = i;
      lastId = id;
    }
    // Prefix sums: service `s` starts where the services before it end.
    const start = new Int32Array(services + 1);
    for (let s = 0; s < services; s++) start[s + 1] = start[s]! + count[s + 1]!;
    this.start = start;
    if (grouped) {
      // Numbered in order of first instance and each one run: the runs are in service order already.
      this.order = undefined;
      return;
    }
    const order = new Int32Array(n);
    const next = start.slice(0, services);
    for (let k = 0; k < n; k++) order[next[of[k]!]!++] = k;
    this.order = order;
  }

  /** The number of a service (-1: it has no instance). */
  id(name: string, namespace?: string, partition?: string): number {
    return this.ids.get(name, namespace, partition) ?? -1;
  }

  /** The positions of service `id`'s instances: `at(p)` for `p` from `from(id)` up to `to(id)`. */
  from(id: number): number {
    return this.start[id]!;
  }

  to(id: number): number {
    return this.start[id + 1]!;
  }

  /** The instance at position `p` (see `from`). */
  at(p: number): ServiceInstanceDecl {
    const order = this.order;
    return this.instances[order === undefined ? p : order[p]!]!;
  }

  /** Service `id`'s instances, in model order (a new array). */
  list(id: number): ServiceInstanceDecl[] {
    const out: ServiceInstanceDecl[] = [];
    if (id < 0) return out;
    for (let p = this.from(id); p < this.to(id); p++) out.push(this.at(p));
    return out;
  }
}

/** The first instance declaration of a service in a datacenter. */
export function instanceAt(
  index: MeshIndex,
  service: string,
  namespace: string | undefined,
  partition: string | undefined,
  dc: string,
): ServiceInstanceDecl | undefined {
  return index.placements.get(service, namespace, partition)?.get(dc);
}

/** The gateway used to enter a datacenter from outside: the first with a WAN address. */
export function wanGateway(index: MeshIndex, dc: string): MeshGatewayDecl | undefined {
  return index.gateways.get(dc)?.find((g) => g.wan !== undefined);
}

export type HopKind = 'sidecar' | 'local-gateway' | 'remote-gateway' | 'instance';

/** One hop of a path. */
export interface Hop {
  readonly kind: HopKind;
  readonly datacenter: string;
  /** Service or gateway name. */
  readonly name: string;
  /** `host:port` dialled at this hop, when known. */
  readonly address?: string;
}

/** Why a target cannot be reached. */
export type Problem =
  | { readonly kind: 'unknown-datacenter' }
  | { readonly kind: 'not-deployed' }
  /** The service runs there, but no instance group matches the target's subset filter. */
  | { readonly kind: 'subset-empty'; readonly subset: string; readonly filter: string }
  | { readonly kind: 'no-source-gateway' }
  | { readonly kind: 'no-remote-gateway'; readonly why: string }
  | { readonly kind: 'direct-across-networks'; readonly network: string; readonly targetNetwork: string }
  /** An upstream to a cluster peer (`reach-peered.ts`): the caller's cluster has no peering of that name. */
  | { readonly kind: 'unknown-peer'; readonly peer: string; readonly cluster: string }
  /** The peer's cluster does not export the service to the caller's cluster. */
  | { readonly kind: 'not-exported'; readonly exporter: string }
  /** ACL default deny and no intention in the exporting cluster allows the caller (as that cluster names its peer). */
  | {
      readonly kind: 'peer-intention-missing';
      readonly cluster: string;
      readonly source: string;
      readonly peer: string;
    };

/** The path to one chain target. */
export interface TargetPath {
  readonly role: 'primary' | 'failover';
  readonly targetId: string;
  readonly service: string;
  readonly namespace: string;
  readonly partition: string;
  readonly datacenter: string;
  /** The target's subset, when it has one. */
  readonly subset?: string;
  readonly mode: GatewayMode;
  readonly sni: string;
  readonly hops: readonly Hop[];
  readonly reachable: boolean;
  /** Gateway problems come first; a target can also be `not-deployed`. */
  readonly problems: readonly Problem[];
  /** The route/split leg this target belongs to (chains with a router or splitter), e.g. `split 2 (10%)`. */
  readonly leg?: string;
}

/** The reachability of one leg of a routing/splitting chain: reachable when its primary or a failover target is. */
export interface LegReach {
  readonly label: string;
  /** Effective share of the splitter's traffic, when the leg goes through a split. */
  readonly weight?: number;
  readonly targets: readonly TargetPath[];
  readonly reachable: boolean;
}

/** The report for one upstream. */
export interface UpstreamReach {
  readonly path: string;
  readonly span?: SourceSpan;
  readonly service: string;
  readonly datacenter: string;
  readonly destination: string;
  readonly targetDatacenter: string;
  readonly targets: readonly TargetPath[];
  /** Chains with a router or splitter: each leg (route, split) with its own targets. */
  readonly legs?: readonly LegReach[];
  /**
   * True when the primary target, or at least one failover target, is reachable and deployed — for a routing or
   * splitting chain, on every leg (a request taking a dead leg fails).
   */
  readonly reachable: boolean;
  /** Consul's chain compile error, when the chain does not compile. */
  readonly error?: string;
}

export interface ChainTargetRef {
  readonly role: 'primary' | 'failover';
  readonly target: ChainTarget;
  /** The leg, for chains with a router or splitter. */
  readonly leg?: ChainLeg;
}

/**
 * The chain's targets in order: for each resolver reachable from the start node, its target then its failovers. A
 * chain with a router or splitter lists them leg by leg (a target on two legs is listed on each).
 */
export function chainTargets(u: CompiledUpstream): readonly ChainTargetRef[] {
  const chain = u.chain;
  if (!chain) return [];
  let out = targetsMemo.get(chain);
  if (!out) {
    out = Object.freeze(computeChainTargets(chain));
    targetsMemo.set(chain, out);
  }
  return out;
}

/** Targets per chain object (chains are shared by the upstreams that compile the same one; several passes read them). */
const targetsMemo = new WeakMap<CompiledChain, readonly ChainTargetRef[]>();

function computeChainTargets(chain: CompiledChain): ChainTargetRef[] {
  if (hasL7(chain)) {
    const refs: ChainTargetRef[] = [];
    for (const leg of chainLegs(chain)) for (const t of leg.targets) refs.push({ role: t.role, target: t.target, leg });
    return refs;
  }
  const view = chainView(chain);
  const start = viewNode(view, chain.StartNode);
  const resolvers =
    start?.type === 'resolver'
      ? [start]
      : [...view.nodes]
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
          .filter((n) => n.type === 'resolver');
  const out: ChainTargetRef[] = [];
  for (const n of resolvers) {
    if (n.targetId === undefined) continue;
    addTarget(view, 'primary', n.targetId, out);
    const failover = n.failover?.targets;
    if (failover) for (const id of failover) addTarget(view, 'failover', id, out);
  }
  return out;
}

/** Appends a chain target once per role (a chain has a few targets: a scan, no set of keys). */
function addTarget(view: ChainView, role: 'primary' | 'failover', id: string, out: ChainTargetRef[]): void {
  const target = viewTarget(view, id);
  if (!target) return;
  for (const r of out) if (r.role === role && r.target.ID === id) return;
  out.push({ role, target });
}

function hostPort(h: { address: string; port: number } | undefined): string | undefined {
  return h ? `${h.address}:${h.port}` : undefined;
}

/** A target's reachability without its hops: what the validation passes read (`pathTo` adds the hops). */
export type TargetReach = Omit<TargetPath, 'hops'>;

/** No problem: shared by every target that is reachable (most of them). */
const NO_PROBLEMS: readonly Problem[] = Object.freeze([]);

function withProblem(list: Problem[] | undefined, p: Problem): Problem[] {
  if (!list) return [p];
  list.push(p);
  return list;
}

/**
 * Per instance group (one service in one datacenter, an array of `MeshIndex.groups`), the filters known to match
 * none of its instances or some: every chain to a subset of the service asks the same question.
 */
const filterVerdicts = new WeakMap<readonly ServiceInstanceDecl[], Map<string, boolean>>();

/** Whether no instance of `group` matches `filter` (an unrecognised filter matches: `filterMatches` is undefined). */
function noneMatch(group: readonly ServiceInstanceDecl[], filter: string): boolean {
  let verdicts = filterVerdicts.get(group);
  let none = verdicts?.get(filter);
  if (none === undefined) {
    none = true;
    for (const i of group) {
      if (filterMatches(filter, i) !== false) {
        none = false;
        break;
      }
    }
    if (!verdicts) {
      verdicts = new Map();
      filterVerdicts.set(group, verdicts);
    }
    verdicts.set(filter, none);
  }
  return none;
}

/** What stands between a caller in `sourceDc` and one target, in `pathTo`'s order. */
function targetProblems(index: MeshIndex, sourceDc: string, t: ChainTarget, mode: GatewayMode): readonly Problem[] {
  // Allocated only when there is a problem: nearly every target has none.
  let problems: Problem[] | undefined;
  if (t.Peer) {
    // A cluster peer's service: what lies beyond this cluster (exported? peered? its gateway?) is checked across
    // clusters (check-peering); here only the caller's side.
    if (mode === 'local' && !index.gateways.get(sourceDc)?.[0])
      problems = withProblem(problems, { kind: 'no-source-gateway' });
    return problems ?? NO_PROBLEMS;
  }
  const dc = t.Datacenter;
  const targetDc = index.datacenters.get(dc);
  if (!targetDc) problems = withProblem(problems, { kind: 'unknown-datacenter' });
  else if (dc !== sourceDc) {
    if (mode === 'none') {
      const network = index.datacenters.get(sourceDc)?.network ?? sourceDc;
      if (network !== targetDc.network)
        problems = withProblem(problems, { kind: 'direct-across-networks', network, targetNetwork: targetDc.network });
    } else {
      if (mode === 'local' && !index.gateways.get(sourceDc)?.[0])
        problems = withProblem(problems, { kind: 'no-source-gateway' });
      if (!wanGateway(index, dc)) {
        const why =
          (index.gateways.get(dc)?.length ?? 0) > 0
            ? 'has mesh gateways but none with a WAN address, so no other datacenter can reach them'
            : 'deploys no mesh gateway';
        problems = withProblem(problems, { kind: 'no-remote-gateway', why });
      }
    }
  }
  if (targetDc) {
    const here = index.groups.get(t.Service, t.Namespace, t.Partition)?.get(dc);
    if (!here) problems = withProblem(problems, { kind: 'not-deployed' });
    else {
      const filter = t.Subset?.Filter;
      if (filter && noneMatch(here, filter)) {
        problems = withProblem(problems, { kind: 'subset-empty', subset: t.ServiceSubset ?? '', filter });
      }
    }
  }
  return problems ?? NO_PROBLEMS;
}

/** Whether a caller in `sourceDc` reaches one target (`targetReach(...).reachable`, without building the report). */
export function reaches(index: MeshIndex, sourceDc: string, t: ChainTarget, fallbackMode: GatewayMode): boolean {
  return targetProblems(index, sourceDc, t, t.MeshGateway?.Mode ?? fallbackMode).length === 0;
}

/** Whether a caller in `sourceDc` reaches every one of `targets`. */
export function allReach(
  index: MeshIndex,
  sourceDc: string,
  targets: readonly ChainTarget[],
  fallbackMode: GatewayMode,
): boolean {
  for (const t of targets) if (!reaches(index, sourceDc, t, fallbackMode)) return false;
  return true;
}

/**
 * `reaches` for many targets in a row (a validation pass asks it for every target of every distinct chain): what
 * consecutive targets share is looked up once. The targets of one chain are nearly always of one service, and callers
 * are in a few datacenters with a few modes, so the last service's placements and the last (caller datacenter, target
 * datacenter, mode) verdict on gateways are kept. Answers exactly what `reaches` answers.
 */
export class ReachCheck {
  private service: string | undefined;
  private namespace: string | undefined;
  private partition: string | undefined;
  /** `index.byService.id` of the last service asked about. */
  private serviceId = -1;
  private gatewaySource: string | undefined;
  private gatewayTarget: string | undefined;
  private gatewayMode: GatewayMode | undefined;
  private gatewaysOk = false;

  constructor(readonly index: MeshIndex) {}

  /** Whether every one of `targets` is reachable (`allReach`). */
  all(sourceDc: string, targets: readonly ChainTarget[], fallbackMode: GatewayMode): boolean {
    for (const t of targets) if (!this.reaches(sourceDc, t, fallbackMode)) return false;
    return true;
  }

  /** `reaches(index, sourceDc, t, fallbackMode)`: no problem in `targetProblems`. */
  reaches(sourceDc: string, t: ChainTarget, fallbackMode: GatewayMode): boolean {
    return this.routes(sourceDc, t, fallbackMode) && (t.Peer !== undefined || this.placed(t));
  }

  /**
   * The caller's side of `reaches`: a cluster peer's target needs a gateway in the caller's datacenter in mode
   * `local`; another target needs its datacenter declared and, in another datacenter than the caller's, the mode's
   * gateways. What is left (`placed`) does not depend on the caller.
   */
  routes(sourceDc: string, t: ChainTarget, fallbackMode: GatewayMode): boolean {
    return this.routesTo(sourceDc, t.Peer, t.Datacenter, t.MeshGateway?.Mode ?? fallbackMode);
  }

  /**
   * `routes` for a target given by its fields (`Peer`, `Datacenter`, and its mode: its own, else the fallback), so a
   * caller can read them from a chain's work form (`ChainFacts`) without rendering the target.
   */
  routesTo(sourceDc: string, peer: string | undefined, dc: string | undefined, mode: GatewayMode): boolean {
    const index = this.index;
    if (peer) return !(mode === 'local' && !index.gateways.get(sourceDc)?.[0]);
    if (dc === sourceDc) return index.datacenters.has(dc);
    if (this.gatewaySource !== sourceDc || this.gatewayTarget !== dc || this.gatewayMode !== mode) {
      this.gatewaySource = sourceDc;
      this.gatewayTarget = dc;
      this.gatewayMode = mode;
      this.gatewaysOk = gatewaysOk(index, sourceDc, dc as string, mode);
    }
    return this.gatewaysOk;
  }

  /**
   * Whether a (non-peer) target's service runs in its datacenter, with an instance its subset filter matches: the
   * rest of `reaches`, the same for every caller.
   */
  placed(t: ChainTarget): boolean {
    return this.placedAt(t.Service, t.Namespace, t.Partition, t.Datacenter, t.Subset?.Filter);
  }

  /** `placed` for a target given by its fields (`Service`, `Namespace`, `Partition`, `Datacenter`, `Subset.Filter`). */
  placedAt(
    service: string,
    namespace: string,
    partition: string,
    dc: string | undefined,
    filter: string | undefined,
  ): boolean {
    if (service !== this.service || namespace !== this.namespace || partition !== this.partition) {
      this.service = service;
      this.namespace = namespace;
      this.partition = partition;
      this.serviceId = this.index.byService.id(service, namespace, partition);
    }
    // `groups.get(...)?.get(dc)` exists and, with a filter, not every instance of it fails the filter
    // (`noneMatch`): an instance of the service in `dc` that the filter does not rule out, in one scan of the
    // service's few instances.
    const id = this.serviceId;
    if (id < 0) return false;
    const byService = this.index.byService;
    const to = byService.to(id);
    for (let p = byService.from(id); p < to; p++) {
      const i = byService.at(p);
      if (i.datacenter !== dc) continue;
      if (!filter || filterMatches(filter, i) !== false) return true;
    }
    return false;
  }
}

/**
 * Whether `targetProblems` finds no datacenter or gateway problem for a target in `dc` (another datacenter than
 * `sourceDc`): the datacenter is declared, and the mode's gateways exist (or `none` stays on one network).
 */
function gatewaysOk(index: MeshIndex, sourceDc: string, dc: string, mode: GatewayMode): boolean {
  const targetDc = index.datacenters.get(dc);
  if (!targetDc) return false;
  if (mode === 'none') return (index.datacenters.get(sourceDc)?.network ?? sourceDc) === targetDc.network;
  if (mode === 'local' && !index.gateways.get(sourceDc)?.[0]) return false;
  return wanGateway(index, dc) !== undefined;
}

/** Reachability of one target from a caller in `sourceDc`, without the hops. */
export function targetReach(
  index: MeshIndex,
  sourceDc: string,
  role: 'primary' | 'failover',
  t: ChainTarget,
  fallbackMode: GatewayMode,
): TargetReach {
  const mode: GatewayMode = t.MeshGateway?.Mode ?? fallbackMode;
  const problems = targetProblems(index, sourceDc, t, mode);
  return {
    role,
    targetId: t.ID,
    service: t.Service,
    namespace: t.Namespace,
    partition: t.Partition,
    // A cluster peer's target has no datacenter: it is shown as `peer:<name>` (reports and the mesh picture).
    datacenter: t.Peer ? `peer:${t.Peer}` : t.Datacenter,
    ...(t.ServiceSubset ? { subset: t.ServiceSubset } : {}),
    mode,
    sni: t.SNI,
    reachable: problems.length === 0,
    problems,
  };
}

/** The hops from a caller's sidecar in `sourceDc` to one target (gateways only across datacenters). */
function targetHops(index: MeshIndex, sourceDc: string, caller: string, t: ChainTarget, mode: GatewayMode): Hop[] {
  const dc = t.Datacenter;
  const hops: Hop[] = [{ kind: 'sidecar', datacenter: sourceDc, name: `${caller}-sidecar-proxy` }];
  if (t.Peer) {
    const local = mode === 'local' ? index.gateways.get(sourceDc)?.[0] : undefined;
    const address = hostPort(local?.lan);
    if (local)
      hops.push({ kind: 'local-gateway', datacenter: sourceDc, name: local.name, ...(address ? { address } : {}) });
    hops.push({ kind: 'instance', datacenter: `peer ${t.Peer}`, name: t.Service });
    return hops;
  }
  if (index.datacenters.has(dc) && dc !== sourceDc && mode !== 'none') {
    if (mode === 'local') {
      const local = index.gateways.get(sourceDc)?.[0];
      if (local) {
        const address = hostPort(local.lan);
        hops.push({ kind: 'local-gateway', datacenter: sourceDc, name: local.name, ...(address ? { address } : {}) });
      }
    }
    const remote = wanGateway(index, dc);
    if (remote) {
      const address = hostPort(remote.wan);
      hops.push({ kind: 'remote-gateway', datacenter: dc, name: remote.name, ...(address ? { address } : {}) });
    }
  }
  const filter = t.Subset?.Filter;
  const instance = filter
    ? (index.groups
        .get(t.Service, t.Namespace, t.Partition)
        ?.get(dc)
        ?.find((i) => filterMatches(filter, i) !== false) ?? instanceAt(index, t.Service, t.Namespace, t.Partition, dc))
    : instanceAt(index, t.Service, t.Namespace, t.Partition, dc);
  const address = instance?.address ? `${instance.address}:${instance.port}` : undefined;
  hops.push({ kind: 'instance', datacenter: dc, name: t.Service, ...(address ? { address } : {}) });
  return hops;
}

/** Computes the path from a caller in `sourceDc` to one target. */
export function pathTo(
  index: MeshIndex,
  sourceDc: string,
  caller: string,
  role: 'primary' | 'failover',
  t: ChainTarget,
  fallbackMode: GatewayMode,
): TargetPath {
  const r = targetReach(index, sourceDc, role, t, fallbackMode);
  return {
    role: r.role,
    targetId: r.targetId,
    service: r.service,
    namespace: r.namespace,
    partition: r.partition,
    datacenter: r.datacenter,
    ...(r.subset ? { subset: r.subset } : {}),
    mode: r.mode,
    sni: r.sni,
    hops: targetHops(index, sourceDc, caller, t, r.mode),
    reachable: r.reachable,
    problems: r.problems,
  };
}

/** The legs of a routing/splitting upstream, from its per-leg target paths. */
function legsOf(refs: readonly ChainTargetRef[], paths: readonly TargetPath[]): LegReach[] {
  const legs: LegReach[] = [];
  let current: { leg: ChainLeg; targets: TargetPath[] } | undefined;
  const flush = () => {
    if (!current) return;
    const { leg, targets } = current;
    legs.push({
      label: leg.label,
      ...(leg.split ? { weight: leg.split.weight } : {}),
      targets,
      reachable: targets.some((t) => t.reachable),
    });
  };
  refs.forEach((r, i) => {
    const p = paths[i];
    if (!r.leg || !p) return;
    if (current?.leg !== r.leg) {
      flush();
      current = { leg: r.leg, targets: [] };
    }
    current.targets.push({ ...p, leg: r.leg.label });
  });
  flush();
  return legs;
}

/** A stand-in target for an upstream compiled without a chain (e.g. built by hand): the destination in its datacenter. */
function implicitTarget(u: CompiledUpstream): ChainTarget {
  return {
    ID: `${u.destination}.default.default.${u.targetDatacenter}`,
    Service: u.destination,
    Namespace: 'default',
    Partition: 'default',
    Datacenter: u.targetDatacenter,
    MeshGateway: {},
    Subset: {},
    ConnectTimeout: '5s',
    SNI: '',
    Name: u.destination,
  };
}

/** The targets an upstream's traffic may go to: its chain's, or the destination itself when built without a chain. */
export function upstreamTargets(u: CompiledUpstream): readonly ChainTargetRef[] {
  return u.chain ? chainTargets(u) : [{ role: 'primary', target: implicitTarget(u) }];
}

/** The reachability report of one upstream. */
export function reachUpstream(index: MeshIndex, u: CompiledUpstream): UpstreamReach {
  const base = {
    path: u.path,
    ...(u.span ? { span: u.span } : {}),
    service: u.service,
    datacenter: u.datacenter,
    destination: u.destination,
    targetDatacenter: u.targetDatacenter,
  };
  if (u.error) return { ...base, targets: [], reachable: false, error: u.error.message };
  const refs = upstreamTargets(u);
  const paths = refs.map((r) => pathTo(index, u.datacenter, u.service, r.role, r.target, u.mode.mode));
  if (hasL7(u.chain)) {
    const legs = legsOf(refs, paths);
    const targets = legs.flatMap((l) => l.targets);
    return { ...base, targets, legs, reachable: legs.length > 0 && legs.every((l) => l.reachable) };
  }
  return { ...base, targets: paths, reachable: paths.some((t) => t.reachable) };
}

/** Reachability of every upstream, in input order. */
export function reachReport(
  model: MeshModel,
  upstreams: readonly CompiledUpstream[],
  index: MeshIndex = indexMesh(model),
): UpstreamReach[] {
  return upstreams.map((u) => reachUpstream(index, u));
}

/** A path as text: `sidecar:web-sidecar-proxy@dc1 → local-gateway:mesh-gateway@dc1(10.1.0.10:8443) → ...`. */
export function hopsText(hops: readonly Hop[]): string {
  return hops
    .map(
      (h) =>
        `${h.kind === 'sidecar' ? 'sidecar' : h.kind}:${h.name}@${h.datacenter}${h.address ? `(${h.address})` : ''}`,
    )
    .join(' → ');
}

/** Human-readable report: one block per upstream, one line per target with its hops. */
export function renderReach(reports: readonly UpstreamReach[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const dc = r.targetDatacenter === r.datacenter ? '' : ` (datacenter ${r.targetDatacenter})`;
    lines.push(
      `${r.service} [${r.datacenter}] → ${r.destination}${dc}: ${r.reachable ? 'reachable' : 'UNREACHABLE'}  (${r.path})`,
    );
    if (r.error) lines.push(`  chain does not compile: ${r.error}`);
    let leg: string | undefined;
    for (const t of r.targets) {
      if (t.leg !== undefined && t.leg !== leg) {
        leg = t.leg;
        const lr = r.legs?.find((l) => l.label === leg);
        lines.push(`  ${leg}: ${lr?.reachable === false ? 'UNREACHABLE' : 'reachable'}`);
      }
      const hops = hopsText(t.hops);
      const status = t.reachable ? 'ok' : `unreachable: ${t.problems.map(describeProblem).join('; ')}`;
      const same = t.datacenter === r.datacenter ? ' (same datacenter: no gateway)' : '';
      const pad = t.leg !== undefined ? '  ' : '';
      lines.push(`${pad}  ${t.role.padEnd(8)} mode=${t.mode}${same} sni=${t.sni || '-'}`);
      lines.push(`${pad}           ${hops}  [${status}]`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** One phrase per problem, for reports. */
export function describeProblem(p: Problem): string {
  switch (p.kind) {
    case 'unknown-datacenter':
      return 'datacenter is not declared';
    case 'not-deployed':
      return 'service is not deployed there';
    case 'subset-empty':
      return `no instance there matches subset ${p.subset} (${p.filter})`;
    case 'no-source-gateway':
      return "mode 'local' but no mesh gateway in the caller's datacenter";
    case 'no-remote-gateway':
      return `target datacenter ${p.why}`;
    case 'direct-across-networks':
      return `mode 'none' across networks ${p.network} and ${p.targetNetwork}`;
    case 'unknown-peer':
      return `cluster '${p.cluster}' has no peering named '${p.peer}'`;
    case 'not-exported':
      return `cluster '${p.exporter}' does not export it to this cluster`;
    case 'peer-intention-missing':
      return `ACL default deny and no intention in cluster '${p.cluster}' allows '${p.source}' from peer '${p.peer}'`;
  }
}
