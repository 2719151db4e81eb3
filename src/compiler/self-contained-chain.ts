/**
 * A proof, cheaper than a compile, that a discovery chain compiles: used by the entry write check (`write-check.ts`),
 * which only needs to know whether each chain a write affects compiles (and Consul's message when one does not).
 *
 * `selfContainedChainCompiles` answers true only for a *self-contained* chain: every reference its router, splitter and
 * resolver make (route destinations, splits, failover targets) is to the chain's own service, namespace and partition,
 * and not peered. Its answer true means `chainError` (`passes/compile-chains.ts`) returns undefined for the same
 * request, when compiled in the write check's setting: no overrides, and every entry the index holds passed Consul's
 * `Validate()` (the write simulator's memo is `entriesValid`, so `l7Problem` and `resolverProblem` never fail). False
 * means "not proven": the caller compiles. Anything unexpected (a field of a surprising type, a throw while reading)
 * answers false, so the compile decides exactly as before; the fields the compiler reads that this does not (split
 * weights, durations) are read the same way by `Validate()` first.
 *
 * Why true is exact, step by step through `ChainCompiler.check()` (X = the chain's service, namespace `ns`, partition
 * `ap`; R, P, V, D = X's router, splitter, resolver and service-defaults as the index returns them, which is what the
 * compiler's `entriesOf(X)` reads; every target below is X's, in some subset and datacenter):
 *
 * 1. Router (`assembleChain`): R is X's own (the index keys it by X; checked). Each route's destination fills in as
 *    `Service || X`, `Namespace || ns`, `Partition || ap`: required to be X, ns, ap. A destination with a
 *    `ServiceSubset` goes to the resolver node of that subset (checked to exist in V, step 3); one without goes to
 *    X's splitter (P) if any, else to X's resolver. The catch-all route goes to X's splitter or resolver too.
 * 2. Splitter (`getSplitterNode`): each split fills in to X, ns, ap (required), so it is `same` and goes to a resolver
 *    node of X (`split.ServiceSubset ?? ''`, checked to exist when set), never to another splitter: so the only L7
 *    nodes are R's and P's, with edges router → splitter → resolvers. `detectCircularReferences` finds no cycle (no
 *    edge leads back to the router or the splitter: node keys are `router:`, `splitter:` and `resolver:` prefixed, so
 *    a resolver key is never an L7 node's), and `flattenAdjacentSplitterNodes` merges nothing (no split leads to a
 *    splitter), so `mergeSplit` never runs.
 * 3. Resolver (`getResolverNode`) for a target X/s: V has no `Redirect` (required), so the only rewrite is an empty
 *    subset to V's `DefaultSubset` (required to exist in V when set); the loop's circular-redirect check compares the
 *    IDs `X.ns.ap.dc` (left behind) and `DS.X.ns.ap.dc`, which differ in length, so it never fires. The subset check
 *    passes: every subset a target can have is one checked to exist, `DefaultSubset`, or empty (requirements on every
 *    route, split and failover entry, reached or not: requiring more only answers false more often). D has no
 *    `ExternalSNI` (required), so `applyServiceDefaults` never refuses. `lookupResolver` never fails (valid entries).
 * 4. Failover (`applyFailover`): every key's entry is checked, reached or not. Each candidate target
 *    (`rewriteTarget`) must not be peered (`Peer` unset or empty), and fill in to X (`Service` unset, empty or X), ns
 *    (`Namespace` unset, empty or ns) and ap (`Partition` unset, empty or ap); its subset is `ServiceSubset` (checked
 *    to exist when set) or the failing-over target's own (existing, or empty with no `DefaultSubset`); any datacenter.
 *    Its resolver node (`getResolverNode(t, true)`) then passes step 3 and returns before recording or failing over.
 * 5. Protocol: every `recordServiceProtocol` call is for X (the router's service and every target's), so it always
 *    records the same protocol (`recordProtocol` never finds two). The chain uses advanced routing exactly when R or P
 *    exists (P is always reached when it exists: it is the router's catch-all or the chain's start); then X's
 *    protocol, computed here as `recordServiceProtocol` computes it, must be HTTP-like. It is computed for every
 *    chain (a value that makes the compiler throw makes this throw too, and answer false).
 *
 * So no `GraphError` is thrown: `check()` returns and `chainError` answers undefined. Property-tested against the
 * compile in `test/compiler/write-check-shortcuts.property.test.ts` (random entry sets through the simulator with
 * and without the shortcuts: the same answers to every write).
 */
import type {
  ProxyDefaultsEntry,
  ServiceDefaultsEntry,
  ServiceResolverEntry,
  ServiceRouterEntry,
  ServiceSplitterEntry,
} from '../model/entries.ts';
import type { EntryIndex } from './entry-index.ts';
import { isHttpLike, type RewriteParts } from './passes/compile-chains.ts';
import { orDefault } from './service-map.ts';

/** What a failover target may set that the proof reads (its datacenter is free), as `rewriteTarget` reads it. */
type Candidate = Omit<RewriteParts, 'Datacenter'>;

/**
 * Whether the chain of `service` is self-contained and so compiles in the write check's setting (see the module
 * comment for the argument). False when not proven. Namespace and partition default to `default`, as in a request.
 */
export function selfContainedChainCompiles(
  entries: EntryIndex,
  service: string,
  namespace?: string,
  partition?: string,
): boolean {
  try {
    return proven(entries, service, orDefault(namespace), orDefault(partition));
  } catch {
    // A surprising value somewhere: let the compile decide (and throw, if it throws).
    return false;
  }
}

function proven(entries: EntryIndex, name: string, ns: string, ap: string): boolean {
  const kinds = entries.chainEntries(name, ns, ap);
  const hasDefaults = kinds?.serviceDefaults !== undefined;
  return provenEntries(
    kinds?.serviceDefaults?.entry,
    hasDefaults,
    kinds?.resolver?.entry,
    kinds?.router?.entry,
    kinds?.splitter?.entry,
    hasDefaults ? undefined : entries.proxyDefaults(ap)?.entry,
    name,
    ns,
    ap,
  );
}

/**
 * `selfContainedChainCompiles` for a service's entries given as they are (`d`, `v`, `r`, `p`: its service-defaults,
 * resolver, router and splitter; `hasDefaults`: whether it has a service-defaults; `pd`: its partition's
 * proxy-defaults, read only without a service-defaults), for a caller that holds them without an `EntryIndex` (the
 * write check's final-store proof, `AcceptanceProof`). Namespace and partition filled in. Throws what reading a
 * surprising value throws: the caller answers false then.
 */
export function provenEntries(
  d: ServiceDefaultsEntry | undefined,
  hasDefaults: boolean,
  v: ServiceResolverEntry | undefined,
  r: ServiceRouterEntry | undefined,
  p: ServiceSplitterEntry | undefined,
  pd: ProxyDefaultsEntry | undefined,
  name: string,
  ns: string,
  ap: string,
): boolean {
  if (d?.ExternalSNI) return false;
  // Step 5: the protocol, as `recordServiceProtocol` + `recordProtocol` compute it.
  let raw = '';
  if (hasDefaults) {
    raw = d?.Protocol ?? '';
  } else {
    const c = pd?.Config?.protocol;
    if (typeof c === 'string' || typeof c === 'number' || typeof c === 'boolean') raw = String(c);
  }
  const protocol = raw === '' ? 'tcp' : raw.toLowerCase();
  if ((r !== undefined || p !== undefined) && !isHttpLike(protocol)) return false;
  // Step 3: the resolver (none: the compiler's empty resolver, which has no subsets).
  const subsets = v?.Subsets;
  if (subsets !== undefined && (typeof subsets !== 'object' || subsets === null)) return false;
  if (v !== undefined) {
    if (v.Redirect) return false;
    if (v.DefaultSubset && !has(subsets, v.DefaultSubset)) return false;
    // `loadBalancerJson` reads a set `LoadBalancer`'s fields (it would throw on null).
    const lb: unknown = v.LoadBalancer;
    if (lb !== undefined && (typeof lb !== 'object' || lb === null)) return false;
  }
  // Step 1.
  if (r !== undefined) {
    if (r.Name !== name || orDefault(r.Namespace) !== ns || orDefault(r.Partition) !== ap) return false;
    const routes = r.Routes ?? [];
    if (!Array.isArray(routes)) return false;
    for (let i = 0; i < routes.length; i++) {
      const dest = routes[i]?.Destination;
      if ((dest?.Service || name) !== name || (dest?.Namespace || ns) !== ns || (dest?.Partition || ap) !== ap)
        return false;
      if (dest?.ServiceSubset && !has(subsets, dest.ServiceSubset)) return false;
    }
  }
  // Step 2.
  if (p !== undefined) {
    const splits = p.Splits ?? [];
    if (!Array.isArray(splits)) return false;
    for (let i = 0; i < splits.length; i++) {
      const s = splits[i]!;
      if ((s.Service || name) !== name || (s.Namespace || ns) !== ns || (s.Partition || ap) !== ap) return false;
      const subset = s.ServiceSubset ?? '';
      if (subset !== '' && !has(subsets, subset)) return false;
    }
  }
  // Step 4.
  const failover = v?.Failover;
  if (failover === undefined) return true;
  if (typeof failover !== 'object' || failover === null) return false;
  for (const key in failover) {
    if (!Object.hasOwn(failover, key)) continue;
    const f = failover[key];
    if (!f) continue;
    const dcs = f.Datacenters;
    const targets = f.Targets;
    if (dcs && dcs.length > 0) {
      // The compiler iterates them (`for of`); each datacenter's candidate is { Service, ServiceSubset, Namespace,
      // Datacenter }: `f`'s fields but the datacenter, which is free.
      if (!Array.isArray(dcs) || !closed(f, name, ns, ap, subsets)) return false;
    } else if (targets && targets.length > 0) {
      if (!Array.isArray(targets)) return false;
      for (let i = 0; i < targets.length; i++) if (!closed(targets[i]!, name, ns, ap, subsets)) return false;
    } else if (!closed(f, name, ns, ap, subsets)) {
      return false;
    }
  }
  return true;
}

/** Whether the resolver's subsets (none: no resolver, or one without subsets) have one named `s` (as the compiler asks). */
function has(subsets: object | undefined, s: string): boolean {
  return subsets !== undefined && Object.hasOwn(subsets, s);
}

/** Whether a failover candidate (as `rewriteTarget` reads it) stays in X, unpeered, with a subset that exists. */
function closed(o: Candidate, name: string, ns: string, ap: string, subsets: object | undefined): boolean {
  // `rewriteTarget` peers the target unless `Peer ?? ''` is empty.
  if (o.Peer !== undefined && o.Peer !== '') return false;
  if (o.Service && o.Service !== name) return false;
  if (o.Namespace && o.Namespace !== ns) return false;
  if (o.Partition && o.Partition !== ap) return false;
  return !o.ServiceSubset || has(subsets, o.ServiceSubset);
}
