/**
 * The compiler's working form of chain nodes and targets, and their JSON in the exact shape of Consul's
 * `agent/structs/discovery_chain.go` (`CompiledDiscoveryChain`, `DiscoveryGraphNode`, `DiscoveryResolver`,
 * `DiscoveryTarget`): `omitempty` fields left out, durations as Go strings except the resolver's `RequestTimeout`
 * (nanoseconds, as Consul prints it), map keys sorted.
 */
import type { ResolverSubset, ServiceRoute, ServiceSplit } from '../../model/entries.ts';
import { float32Json } from '../../model/split-weight.ts';
import type { GatewayMode } from '../../model/types.ts';
import { formatGoDuration } from '../duration.ts';
import type { ChainNode, ChainTarget, CompiledChain } from '../types.ts';

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
  /** Key of its resolver node: `resolver:<id>`. */
  readonly nodeKey: string;
  readonly opts: Required<TargetOpts>;
  mode?: GatewayMode;
  subset?: ResolverSubset;
  dialedDirectly?: boolean;
  connectTimeoutNs: number;
  external: boolean;
  sni: string;
  readonly name: string;
  /** Kept by a resolver node (targets loaded on the way, e.g. before a redirect, are dropped). */
  retained: boolean;
}

/** A resolver node while compiling. */
export interface WorkNode {
  /** Key in the chain's `Nodes`: `resolver:<name>`. */
  readonly key: string;
  readonly name: string;
  readonly targetId: string;
  readonly isDefault: boolean;
  readonly connectTimeoutNs: number;
  readonly requestTimeoutNs: number;
  failover?: { targets: string[]; policy?: unknown };
  /** The resolver entry's `LoadBalancer`, as written. */
  readonly loadBalancer?: Readonly<Record<string, unknown>>;
}

/** A route of a router node while compiling. */
export interface WorkRoute {
  readonly definition: ServiceRoute;
  nextNode: string;
}

/** A split of a splitter node while compiling; `weight` is the float32 value (flattening computes with it). */
export interface WorkSplit {
  readonly definition: ServiceSplit;
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
  readonly routes?: WorkRoute[];
  splits?: WorkSplit[];
  loadBalancer?: Readonly<Record<string, unknown>>;
}

/** Any node of the graph, as Consul's `nodes` map holds them. */
export type AnyWorkNode = WorkNode | WorkL7Node;

export function isL7Node(n: AnyWorkNode): n is WorkL7Node {
  return 'type' in n;
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

/** A resolver node as Consul marshals it (`DiscoveryResolver.MarshalJSON`: ConnectTimeout as a string). */
function renderResolver(n: WorkNode): ChainNode {
  // Field by field in Consul's order, optional fields only when set (no spread temporaries).
  const resolver: Record<string, unknown> = { ConnectTimeout: formatGoDuration(n.connectTimeoutNs) };
  if (n.isDefault) resolver.Default = true;
  if (n.requestTimeoutNs !== 0) resolver.RequestTimeout = n.requestTimeoutNs;
  resolver.Target = n.targetId;
  if (n.failover) {
    const failover: Record<string, unknown> = { Targets: [...n.failover.targets] };
    if (n.failover.policy !== undefined) failover.Policy = n.failover.policy;
    resolver.Failover = failover;
  }
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

/** A router or splitter node (`DiscoveryGraphNode` with `Routes` / `Splits`). */
function renderL7(n: WorkL7Node): ChainNode {
  if (n.type === 'router') {
    const routes = (n.routes ?? []).map((r) => ({ Definition: r.definition, NextNode: r.nextNode }));
    return { Type: 'router', Name: n.name, Routes: routes };
  }
  // `DiscoverySplit.Weight` is `omitempty`: a split flattened below 0.005 % has none.
  const splits = (n.splits ?? []).map((s) =>
    s.weight === 0
      ? { Definition: s.definition, NextNode: s.nextNode }
      : { Definition: s.definition, Weight: float32Json(s.weight), NextNode: s.nextNode },
  );
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
 * The `Targets` map as Consul marshals it (`DiscoveryTarget.MarshalJSON`, every field `omitempty`), from the targets
 * sorted by ID (`sortTargets`).
 */
export function renderTargets(sorted: readonly WorkTarget[]): Record<string, ChainTarget> {
  const out = keyedByTargetId<ChainTarget>();
  for (let i = 0; i < sorted.length; i++) {
    const t = sorted[i]!;
    out[t.id] = renderTarget(t);
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

/** One target, fields in Consul's order; built field by field (no spread temporaries: one target per chain and id). */
function renderTarget(t: WorkTarget): ChainTarget {
  const o = t.opts;
  const out: Record<string, unknown> = { ID: t.id, Service: o.service };
  if (o.subset) out.ServiceSubset = o.subset;
  out.Namespace = o.namespace;
  out.Partition = o.partition;
  if (o.datacenter) out.Datacenter = o.datacenter;
  if (o.peer) out.Peer = o.peer;
  out.MeshGateway = meshGateway(t.mode);
  if (t.subset?.Filter || t.subset?.OnlyPassing) {
    const subset: { Filter?: string; OnlyPassing?: boolean } = {};
    if (t.subset.Filter) subset.Filter = t.subset.Filter;
    if (t.subset.OnlyPassing) subset.OnlyPassing = true;
    out.Subset = subset;
  } else out.Subset = EMPTY;
  out.TransparentProxy = t.dialedDirectly ? DIALED_DIRECTLY : EMPTY;
  if (t.connectTimeoutNs !== 0) out.ConnectTimeout = formatGoDuration(t.connectTimeoutNs);
  if (t.external) out.External = true;
  if (t.sni) out.SNI = t.sni;
  if (t.name) out.Name = t.name;
  return out as ChainTarget;
}

/** The fields of a compiled chain; optional ones are left out when undefined (or false, for `Default`). */
export interface ChainParts {
  readonly ServiceName: string;
  readonly Namespace: string;
  readonly Partition: string;
  readonly Datacenter: string;
  readonly CustomizationHash: string | undefined;
  readonly Default: boolean | undefined;
  readonly Protocol: string;
  readonly ServiceMeta: Readonly<Record<string, string>> | undefined;
  readonly StartNode: string;
  readonly Nodes: Readonly<Record<string, ChainNode>>;
  readonly Targets: Readonly<Record<string, ChainTarget>>;
}

/** A compiled chain object, fields in Consul's order (`omitempty` ones only when set). */
export function chainJson(p: ChainParts): CompiledChain {
  // Field by field (no spread temporaries), so every chain object gets one of a few hidden classes.
  const chain: Record<string, unknown> = {
    ServiceName: p.ServiceName,
    Namespace: p.Namespace,
    Partition: p.Partition,
    Datacenter: p.Datacenter,
  };
  if (p.CustomizationHash) chain.CustomizationHash = p.CustomizationHash;
  if (p.Default) chain.Default = true;
  chain.Protocol = p.Protocol;
  if (p.ServiceMeta) chain.ServiceMeta = p.ServiceMeta;
  chain.StartNode = p.StartNode;
  chain.Nodes = p.Nodes;
  chain.Targets = p.Targets;
  return chain as CompiledChain;
}

/**
 * The `Targets` of a chain compiled for a mesh-gateway mode override: every target that is not external takes the
 * mode (Consul's `getResolverNode`); targets that already had it are the same objects. Undefined when no target
 * changes (the override customizes nothing).
 */
export function targetsWithMode(
  targets: Readonly<Record<string, ChainTarget>>,
  /** The keys of `targets`, in order (a for-in over a record keyed by data takes V8's slow path). */
  ids: readonly string[],
  mode: GatewayMode,
): Record<string, ChainTarget> | undefined {
  let changes = false;
  for (const id of ids) {
    const t = targets[id]!;
    if (!t.External && t.MeshGateway.Mode !== mode) {
      changes = true;
      break;
    }
  }
  if (!changes) return undefined;
  const mg = meshGateway(mode);
  const out = keyedByTargetId<ChainTarget>();
  for (const id of ids) {
    const t = targets[id]!;
    out[id] = t.External || t.MeshGateway.Mode === mode ? t : withMeshGateway(t, mg);
  }
  return out;
}

/**
 * A copy of a target (as `renderTarget` builds it) with another `MeshGateway`: the same fields added in the same order,
 * so the copies share `renderTarget`'s hidden classes.
 */
function withMeshGateway(t: ChainTarget, mg: ChainTarget['MeshGateway']): ChainTarget {
  const out: Record<string, unknown> = { ID: t.ID, Service: t.Service };
  if (t.ServiceSubset !== undefined) out.ServiceSubset = t.ServiceSubset;
  out.Namespace = t.Namespace;
  out.Partition = t.Partition;
  if (t.Datacenter !== undefined) out.Datacenter = t.Datacenter;
  if (t.Peer !== undefined) out.Peer = t.Peer;
  out.MeshGateway = mg;
  out.Subset = t.Subset;
  out.TransparentProxy = t.TransparentProxy;
  if (t.ConnectTimeout !== undefined) out.ConnectTimeout = t.ConnectTimeout;
  if (t.External !== undefined) out.External = t.External;
  if (t.SNI !== undefined) out.SNI = t.SNI;
  if (t.Name !== undefined) out.Name = t.Name;
  return out as ChainTarget;
}
