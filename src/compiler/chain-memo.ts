/**
 * What the chain compiles of one `compile()` share: the names of every target (ID, node key, SNI), built once per
 * target rather than once per chain, and the first Consul validation problem of each resolver entry, checked once per
 * entry rather than once per chain that reads it. A mesh compiles the same destination in a few datacenters for many
 * callers, so both are asked for far more often than they differ. Plain lookups; nothing here changes a result.
 */
import type { ServiceResolverEntry } from '../model/entries.ts';
import { flat } from '../model/flat-string.ts';
import { serviceSni, targetId } from './sni.ts';
import { validateResolver } from './validate-resolver.ts';

/** The strings a (non-peered) target is known by: `ID`, the resolver node's key `resolver:<ID>`, and `SNI`. */
export interface TargetNames {
  readonly id: string;
  readonly nodeKey: string;
  readonly sni: string;
}

/** A map of maps, one level per part of a target's identity: no key string is built per lookup. */
type Level<V> = Map<string, V>;

export class ChainMemo {
  /** partition → namespace → datacenter → service → subset → names. */
  private readonly names: Level<Level<Level<Level<Level<TargetNames>>>>> = new Map();
  /** `null` when Consul accepts the resolver. */
  private readonly problems = new Map<ServiceResolverEntry, string | null>();

  constructor(readonly trustDomain: string) {}

  /** The names of a local target (namespace, partition and datacenter already filled in). */
  targetNames(service: string, subset: string, namespace: string, partition: string, datacenter: string): TargetNames {
    const byService = level(level(level(this.names, partition), namespace), datacenter);
    const bySubset = level(byService, service);
    let names = bySubset.get(subset);
    if (names === undefined) {
      const parts = { service, subset, namespace, partition, datacenter };
      const id = targetId(parts);
      names = { id, nodeKey: flat(`resolver:${id}`), sni: flat(serviceSni(parts, this.trustDomain)) };
      bySubset.set(subset, names);
    }
    return names;
  }

  /** Consul's message for the first problem of a resolver entry, or undefined when Consul accepts it. */
  resolverProblem(entry: ServiceResolverEntry): string | undefined {
    let problem = this.problems.get(entry);
    if (problem === undefined) {
      problem = validateResolver(entry) ?? null;
      this.problems.set(entry, problem);
    }
    return problem ?? undefined;
  }
}

function level<V>(parent: Level<Level<V>>, key: string): Level<V> {
  let child = parent.get(key);
  if (child === undefined) {
    child = new Map();
    parent.set(key, child);
  }
  return child;
}
