/**
 * A map keyed by service identity (partition, namespace, name; empty or missing namespace and partition mean
 * `default`) that needs no key string per lookup: the compiler looks services up several times per upstream.
 *
 * Names are flattened (`flat`) as they are stored and looked up: a name built by concatenation (a construct path
 * segment, a generated name) would otherwise be compared piece by piece on every lookup that hits its hash.
 */
import { flat } from '../model/flat-string.ts';

/** An empty or missing namespace or partition is `default`. */
export function orDefault(v: string | undefined): string {
  return v === undefined || v === '' ? 'default' : v;
}

export class ServiceMap<V> {
  /** Services in the default partition and namespace (nearly all of them): one lookup instead of three. */
  private readonly inDefault = new Map<string, V>();
  private readonly byPartition = new Map<string, Map<string, Map<string, V>>>();

  get(name: string, namespace?: string, partition?: string): V | undefined {
    const p = orDefault(partition);
    const ns = orDefault(namespace);
    if (p === 'default' && ns === 'default') return this.inDefault.get(flat(name));
    return this.byPartition.get(p)?.get(ns)?.get(name);
  }

  set(name: string, namespace: string | undefined, partition: string | undefined, value: V): void {
    this.byName(namespace, partition).set(flat(name), value);
  }

  /** Adds `value` unless the service has a value already: then that one is returned and nothing changes. */
  addIfAbsent(name: string, namespace: string | undefined, partition: string | undefined, value: V): V | undefined {
    const byName = this.byName(namespace, partition);
    const key = flat(name);
    const first = byName.get(key);
    if (first !== undefined) return first;
    byName.set(key, value);
    return undefined;
  }

  /** The map of one namespace of one partition, made on first use. */
  private byName(namespace: string | undefined, partition: string | undefined): Map<string, V> {
    const p = orDefault(partition);
    const ns = orDefault(namespace);
    if (p === 'default' && ns === 'default') return this.inDefault;
    let byNamespace = this.byPartition.get(p);
    if (!byNamespace) {
      byNamespace = new Map();
      this.byPartition.set(p, byNamespace);
    }
    let byName = byNamespace.get(ns);
    if (!byName) {
      byName = new Map();
      byNamespace.set(ns, byName);
    }
    return byName;
  }
}
