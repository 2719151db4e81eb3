/**
 * Failover that can never trigger: a service-resolver whose Failover (Datacenters or Targets) names the very target
 * the chain resolves to first. Consul's compiler silently drops such a target ("don't fail over to yourself"), so the
 * compiled chain no longer shows it; this pass reads the raw entry for every datacenter an upstream compiles the chain in.
 * A chain with a router or splitter is checked on every leg: the resolver of each route's or split's service, for the
 * subset that leg resolves to.
 */

/** A (service, subset) pair an upstream's chain resolves to first. */
interface Pair {
  readonly service: string;
  readonly subset: string;
}

/**
 * The (service, subset) pairs an upstream's chain resolves to first: the destination, or each leg's primary target
 * (`targets`: its chain's fact targets). The pairs of a routing/splitting chain depend on its nodes and its targets' services and
 * subsets only, which a chain and its mode variants share (one work form, number `work`, whose fact targets start at
 * `targets[offset]`): kept per work number in `memo`, for the pass.
 */
function resolvedPairs(
  u: CompiledUpstream,
  targets: readonly FactTarget[] | undefined,
  work: number,
  offset: number,
  r: (name: string) => ServiceResolverEntry | undefined,
  memo: Map<number, readonly Pair[]>,
): readonly Pair[] {
  const chain = u.chain;
  if (chain && targets && hasL7(chain)) {
    let out = memo.get(work);
    if (!out) {
      const pairs: Pair[] = [];
      for (const t of legFirstTargets(chain, { targets }, offset)) {
        const { service, subset } = t;
        if (!pairs.some((p) => p.service === service && p.subset === subset)) pairs.push({ service, subset });
      }
      out = pairs;
      memo.set(work, out);
    }
    return out;
  }
  return [{ service: u.destination, subset: r(u.destination)?.DefaultSubset ?? '' }];
}

/** A resolver this pass reads: one with failover and no redirect (a redirect or no failover reports nothing). */
function withFailover(decl: EntryDecl | undefined): boolean {
  if (!decl) return false;
  const r = decl.entry as ServiceResolverEntry;
  if (r.Redirect || r.Failover === undefined) return false;
  for (const _ in r.Failover) return true;
  return false;
}

/** `mayFailOver`'s answer: bits for whether the destination, and some target's service, has a failover resolver. */
const DESTINATION = 1;
const TARGET = 2;

/**
 * Whether any pair `resolvedPairs` gives for an upstream to `destination` (with its chain's fact targets `targets[from]`
 * up to `targets[to]`) has a resolver
 * with failover: the pairs' services are the destination's (a plain chain: `DESTINATION`) or those of leg targets,
 * which are among the chain's `Targets` (a routing/splitting chain: `TARGET`). Most chains have neither (0), and then
 * neither their shape nor their legs are read.
 */
function mayFailOver(
  destination: string,
  targets: readonly FactTarget[] | undefined,
  from: number,
  to: number,
  failing: ReadonlySet<string>,
): number {
  const own = failing.has(destination);
  if (!targets) return own ? DESTINATION : 0;
  // A target of the destination's own name (most targets) has the destination's answer, and consecutive targets of
  // one name share theirs, without a lookup.
  let target = false;
  let name = destination;
  let verdict = own;
  for (let i = from; i < to; i++) {
    const t = targets[i]!;
    if (t.service !== name) {
      name = t.service;
      verdict = failing.has(name);
    }
    if (verdict) {
      target = true;
      break;
    }
  }
  return (own ? DESTINATION : 0) | (target ? TARGET : 0);
}

import { FailoverNeverTriggers } from '../../diagnostics/codes/reachability.ts';
import { type Diagnostic, diag, type PassResult } from '../../diagnostics/diagnostic.ts';
import type { ServiceResolverEntry } from '../../model/entries.ts';
import type { EntryDecl, MeshModel, SourceSpan } from '../../model/types.ts';
import { type FactTarget, hasL7, legFirstTargets, upstreamChains } from '../chain-legs.ts';
import { orDefault, ServiceMap } from '../service-map.ts';
import type { CompiledUpstream } from '../types.ts';

function fieldSpan(d: EntryDecl, ...pointers: string[]): SourceSpan | undefined {
  for (const p of pointers) {
    const s = d.fieldSpans?.[p];
    if (s) return s;
  }
  return d.span;
}

/** Checks every resolver's failover against the datacenters its service's upstreams compile in. */
export function checkFailover(model: MeshModel, upstreams: readonly CompiledUpstream[]): PassResult<void> {
  const resolvers = new ServiceMap<EntryDecl>();
  // The services whose resolver (the one `resolvers` holds) `withFailover` reads: a few, so `mayFailOver`'s lookups
  // are in a small table.
  // Looked up by name alone (`resolvers.get(name)`: the default namespace and partition), so only those services'
  // names are kept, in a plain set (what `ServiceMap.get(name)` reads: its default-namespace table, by name).
  const failing = new Set<string>();
  let any = false;
  const entries = model.entries;
  for (let i = 0; i < entries.length; i++) {
    const d = entries[i]!;
    if (d.entry.Kind !== 'service-resolver') continue;
    // The first resolver of a service is the one read (one map operation per resolver).
    if (resolvers.addIfAbsent(d.entry.Name, d.entry.Namespace, d.entry.Partition, d) !== undefined) continue;
    if (withFailover(d)) {
      if (orDefault(d.entry.Namespace) === 'default' && orDefault(d.entry.Partition) === 'default')
        failing.add(d.entry.Name);
      any = true;
    }
  }
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<string>();
  // No resolver read here has failover: `mayFailOver` rules every upstream out.
  if (!any) return { value: undefined, diagnostics };
  // What a resolver reports depends on the datacenter its chain resolves in only, and each finding is reported once
  // (at the first upstream that shows it): each (resolver, datacenter) is checked once, however many upstreams share it.
  const checked = new Map<EntryDecl, string[]>();
  const resolverOf = (name: string) => resolvers.get(name)?.entry as ServiceResolverEntry | undefined;
  const pairsMemo = new Map<number, readonly Pair[]>();
  // Upstreams sharing a chain object share its destination, datacenter and pairs: the first one does the checking.
  const chains = upstreamChains(upstreams);
  const { first, unchained, workOf, destinations, datacenters, factTargets, workStart } = chains;
  // Per work number, the first chain of that work form met (see below), plus one (0: none yet).
  const firstOfWork = new Int32Array(chains.works);
  // The upstreams to check, in order: the first of each chain (`first` increases with the chain number) merged with
  // those without a chain (each its own); the others are not visited.
  let a = 0;
  let b = 0;
  while (a < first.length || b < unchained.length) {
    let u: CompiledUpstream;
    let targets: readonly FactTarget[] | undefined;
    let w = -1;
    let may: number;
    if (b >= unchained.length || (a < first.length && first[a]! < unchained[b]!)) {
      const id = a++;
      // A chain's upstreams are upstreams to its service (`compile()` compiles a chain per destination, with the
      // destination's name as its `ServiceName`): its facts' `destination` is theirs, and the upstream is read only
      // when the chain may report. The chains of one work form (a chain and its mode variants, one family: the same
      // nodes, targets and destination) have the same answer, asked once.
      // They also share the datacenter they are compiled in (`ChainFacts.datacenter`, their upstreams'
      // `targetDatacenter`), so a chain met after another of its work form, with the same destination and
      // datacenter, has the same pairs checked in the same datacenter: all of them `checked` already, nothing new.
      w = workOf[id]!;
      const seen = firstOfWork[w]! - 1;
      const destination = destinations[id]!;
      if (seen >= 0 && destinations[seen] === destination && datacenters[seen] === datacenters[id]) continue;
      if (seen < 0) firstOfWork[w] = id + 1;
      targets = factTargets;
      may = mayFailOver(destination, targets, workStart[w]!, workStart[w + 1]!, failing);
      if (may === 0) continue;
      u = upstreams[first[id]!]!;
      if ((hasL7(u.chain) ? may & TARGET : may & DESTINATION) === 0) continue;
    } else {
      u = upstreams[unchained[b++]!]!;
      if (mayFailOver(u.destination, undefined, 0, 0, failing) === 0) continue;
    }
    for (const pair of resolvedPairs(u, targets, w, w >= 0 ? workStart[w]! : 0, resolverOf, pairsMemo)) {
      const decl = resolvers.get(pair.service);
      if (!decl) continue;
      const r = decl.entry as ServiceResolverEntry;
      if (r.Redirect) continue;
      const primaryDc = u.targetDatacenter;
      const dcKey = `${primaryDc}\u0000${pair.subset}`;
      const dcs = checked.get(decl);
      if (dcs?.includes(dcKey)) continue;
      if (dcs) dcs.push(dcKey);
      else checked.set(decl, [dcKey]);
      for (const key of Object.keys(r.Failover ?? {}).sort()) {
        const f = r.Failover?.[key];
        if (!f) continue;
        // Only a failover of the subset the target resolves to (or `*`) applies to it.
        if (key !== '*' && key !== pair.subset) continue;
        const service = f.Service ?? r.Name;
        // A failover target keeps the subset it fails over from unless it names another (Consul's `rewriteTarget`).
        const subsetSame = !f.ServiceSubset || f.ServiceSubset === pair.subset;
        // Made on the first hit (nearly every failover has none).
        let hits: { dc: string; pointer: string }[] | undefined;
        if (f.Datacenters && f.Datacenters.length > 0) {
          f.Datacenters.forEach((dc, i) => {
            if (dc !== primaryDc || service !== r.Name || !subsetSame || f.Namespace) return;
            hits ??= [];
            hits.push({ dc, pointer: `/Failover/${key}/Datacenters/${i}` });
          });
        } else if (f.Targets) {
          f.Targets.forEach((t, i) => {
            const same =
              !t.Peer &&
              (t.Service ?? r.Name) === r.Name &&
              (t.Datacenter ?? primaryDc) === primaryDc &&
              (!t.ServiceSubset || t.ServiceSubset === pair.subset) &&
              !t.Namespace &&
              !t.Partition;
            if (!same) return;
            hits ??= [];
            hits.push({ dc: primaryDc, pointer: `/Failover/${key}/Targets/${i}` });
          });
        }
        if (hits === undefined) continue;
        for (const h of hits) {
          const id = `${decl.path}|${key}|${h.dc}`;
          if (reported.has(id)) continue;
          reported.add(id);
          const span = fieldSpan(decl, h.pointer, h.pointer.replace(/\/\d+$/, ''), `/Failover/${key}`);
          diagnostics.push(
            diag(
              FailoverNeverTriggers,
              {
                path: decl.path,
                ...(span ? { span } : {}),
                related: [
                  {
                    path: u.path,
                    ...(u.span ? { span: u.span } : {}),
                    message: `upstream ${u.service} → ${u.destination} resolves to '${primaryDc}' first`,
                  },
                ],
              },
              { resolver: r.Name, dc: h.dc, service },
            ),
          );
        }
      }
    }
  }
  return { value: undefined, diagnostics };
}
