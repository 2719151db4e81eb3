/**
 * A map keyed by service identity (partition, namespace, name; empty or missing namespace and partition mean
 * `default`) that needs no key string per lookup: the compiler looks services up several times per upstream.
 */
function orDefault(v: string | undefined): string {
  return v === undefined || v === '' ? 'default' : v;
}

export class ServiceMap<V> {
  private readonly byPartition = new Map<string, Map<string, Map<string, V>>>();

  get(name: string, namespace?: string, partition?: string): V | undefined {
    return this.byPartition.get(orDefault(partition))?.get(orDefault(namespace))?.get(name);
  }

  set(name: string, namespace: string | undefined, partition: string | undefined, value: V): void {
    const p = orDefault(partition);
    let byNamespace = this.byPartition.get(p);
    if (!byNamespace) {
      byNamespace = new Map();
      this.byPartition.set(p, byNamespace);
    }
    const ns = orDefault(namespace);
    let byName = byNamespace.get(ns);
    if (!byName) {
      byName = new Map();
      byNamespace.set(ns, byName);
    }
    byName.set(name, value);
  }
}
