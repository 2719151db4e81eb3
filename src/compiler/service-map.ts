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
    const p = orDefault(partition);
    const ns = orDefault(namespace);
    if (p === 'default' && ns === 'default') {
      this.inDefault.set(flat(name), value);
      return;
    }
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
    byName.set(name, value);
  }
}
