/**
 * What Consul says when an entry is written: `Normalize()` + `Validate()` (`model/validate-entry.ts`), then the
 * service-graph check of the state store (`validateProposedConfigEntryInServiceGraph`): the discovery chains the new
 * entry can affect are compiled speculatively, in datacenter `dc1` (Consul's placeholder), and the first that fails
 * refuses the write with the compiler's message.
 *
 * Affected chains, as Consul collects them: for a router, splitter, resolver or service-defaults, the entry's own
 * service plus every service whose router, splitter or resolver names it (`ListRelatedServices`, the `link` index);
 * for proxy-defaults, every service with a router, splitter or resolver.
 *
 * `WriteSimulator` replays a list of entries in apply order against an empty store, refusing what Consul refuses and
 * keeping the rest, in time linear in the number of entries times the size of the affected chains.
 */
import type { ConfigEntry } from '../model/entries.ts';
import type { EntryDecl } from '../model/types.ts';
import { validateEntry } from '../model/validate-entry.ts';
import { ChainMemo } from './chain-memo.ts';
import type { EntryIndex, Indexed } from './entry-index.ts';
import { chainError } from './passes/compile-chains.ts';
import { orDefault, ServiceMap } from './service-map.ts';

/** Consul's placeholders in `testCompileDiscoveryChain`. */
const CHECK_DC = 'dc1';
const CHECK_TRUST_DOMAIN = 'b6fc9da3-03d4-4b5a-9134-c045e9b20152.consul';
const GRAPH_KINDS = new Set(['service-router', 'service-splitter', 'service-resolver']);

/** `<ns>/<ap>/<name>` of a service. */
function sid(name: string, namespace?: string, partition?: string): string {
  return `${orDefault(partition)}/${orDefault(namespace)}/${name}`;
}

/** Appends `service` to `out` unless it is the entry's own service or listed already (a short list: a scan). */
function addRelated(out: string[], own: string, service: string): void {
  if (service !== own && !out.includes(service)) out.push(service);
}

/** `ListRelatedServices` of a router, splitter or resolver (including itself for routers, as Consul's does). */
export function relatedServices(e: ConfigEntry): string[] {
  const own = sid(e.Name, e.Namespace, e.Partition);
  // In first-seen order, each once; no closure or set per entry (one call per stored entry).
  const out: string[] = [];
  if (e.Kind === 'service-router') {
    out.push(own);
    for (const r of e.Routes ?? []) {
      const d = r.Destination;
      if (d) addRelated(out, own, sid(d.Service || e.Name, d.Namespace || e.Namespace, d.Partition || e.Partition));
    }
  } else if (e.Kind === 'service-splitter') {
    for (const s of e.Splits ?? [])
      addRelated(out, own, sid(s.Service || e.Name, s.Namespace || e.Namespace, s.Partition || e.Partition));
  } else if (e.Kind === 'service-resolver') {
    const r = e.Redirect;
    if (r) addRelated(out, own, sid(r.Service || e.Name, r.Namespace || e.Namespace, r.Partition || e.Partition));
    for (const f of Object.values(e.Failover ?? {})) {
      if (!f.Targets || f.Targets.length === 0)
        addRelated(out, own, sid(f.Service || e.Name, f.Namespace || e.Namespace, e.Partition));
      else
        for (const t of f.Targets)
          if (!t.Peer)
            addRelated(
              out,
              own,
              sid(t.Service || e.Name, t.Namespace || f.Namespace || e.Namespace, t.Partition || e.Partition),
            );
    }
  }
  return out;
}

/**
 * The declaration of a stored entry, as the chain compiler's index hands it out: its path (which nothing on the
 * write-check path reads) is built only when asked for.
 */
class StoredDecl {
  readonly origin = 'file';
  constructor(readonly entry: ConfigEntry) {}
  get path(): string {
    const e = this.entry;
    return e.Kind === 'proxy-defaults'
      ? `proxy-defaults/${orDefault(e.Partition)}`
      : `${e.Kind}/${sid(e.Name, e.Namespace, e.Partition)}`;
  }
}

/** The store as the simulated writes leave it: entries by kind and service, and who links to whom. */
export class WriteSimulator {
  private readonly byKind = new Map<string, ServiceMap<Indexed<ConfigEntry>>>();
  /** The routers, splitters and resolvers stored. */
  private readonly graphEntries = new Set<ConfigEntry>();
  /** service → the stored graph entries that name it. */
  private readonly linkedFrom = new Map<string, Set<ConfigEntry>>();
  private readonly memo = new ChainMemo(CHECK_TRUST_DOMAIN);
  /** The entry being proposed: lookups see it in place of the stored one. */
  private proposedIndexed: Indexed<ConfigEntry> | undefined;
  /** Services with a router, splitter or resolver stored (`<ap>/<ns>/<name>`). */
  private readonly withGraphEntry = new Set<string>();

  private table(kind: string): ServiceMap<Indexed<ConfigEntry>> {
    let m = this.byKind.get(kind);
    if (!m) {
      m = new ServiceMap();
      this.byKind.set(kind, m);
    }
    return m;
  }

  private lookup<E extends ConfigEntry>(kind: string, name: string, ns?: string, ap?: string): Indexed<E> | undefined {
    const p = this.proposedIndexed;
    if (p !== undefined && p.entry.Kind === kind) {
      const e = p.entry;
      const same =
        kind === 'proxy-defaults'
          ? orDefault(e.Partition) === orDefault(ap)
          : e.Name === name && orDefault(e.Namespace) === orDefault(ns) && orDefault(e.Partition) === orDefault(ap);
      if (same) return p as Indexed<E>;
    }
    return this.table(kind).get(name, ns, ap) as Indexed<E> | undefined;
  }

  private readonly index: EntryIndex = {
    all: [],
    proxyDefaults: (ap) => this.lookup('proxy-defaults', 'global', 'default', ap),
    serviceDefaults: (s, ns, ap) => this.lookup('service-defaults', s, ns, ap),
    resolver: (s, ns, ap) => this.lookup('service-resolver', s, ns, ap),
    splitter: (s, ns, ap) => this.lookup('service-splitter', s, ns, ap),
    router: (s, ns, ap) => this.lookup('service-router', s, ns, ap),
  };

  /** The chains a write of `e` makes Consul compile (sorted, for a deterministic first error). */
  private affected(e: ConfigEntry): string[] {
    if (e.Kind === 'proxy-defaults') {
      const out = new Set<string>();
      for (const stored of this.graphEntries) out.add(sid(stored.Name, stored.Namespace, stored.Partition));
      if (GRAPH_KINDS.has(e.Kind)) out.add(sid(e.Name));
      return [...out].sort();
    }
    if (e.Kind === 'service-intentions') return [];
    const own = sid(e.Name, e.Namespace, e.Partition);
    const linkers = this.linkedFrom.get(own);
    // A service-defaults or plain resolver write for a service no router, splitter or resolver names or belongs to
    // changes a chain of one resolver node, which always compiles: nothing to check.
    const alone = !this.withGraphEntry.has(own) && (linkers?.size ?? 0) === 0;
    if (alone && (e.Kind === 'service-defaults' || this.plainResolver(e))) return [];
    // Usually the entry's own chain alone (nothing to sort); linkers are few: a list scanned for repeats.
    const out = [own];
    if (linkers) {
      for (const linker of linkers) {
        const s = sid(linker.Name, linker.Namespace, linker.Partition);
        if (!out.includes(s)) out.push(s);
      }
    }
    return out.length > 1 ? out.sort() : out;
  }

  /**
   * Every message Consul may answer a write of `e` with now: its `Validate()` error (each failover key's, for a
   * resolver; skipped when the caller has `validated` it), else the error of each
   * affected chain that does not compile (Consul reports whichever its map iteration meets first). Empty when Consul
   * accepts the write. Stores nothing.
   */
  check(e: ConfigEntry, validated = false): string[] {
    const invalid = validated ? [] : validateEntry(e);
    // A resolver's Failover is a Go map: Consul meets its keys in random order, so any key's error may come first.
    if (invalid.length > 0) return e.Kind === 'service-resolver' ? invalid : invalid.slice(0, 1);
    if (e.Kind === 'service-resolver' || e.Kind === 'service-router' || e.Kind === 'service-splitter')
      this.memo.accepted(e);
    const errors: string[] = [];
    this.proposedIndexed = { entry: e, decl: { path: 'proposed', entry: e, origin: 'file' } as EntryDecl };
    try {
      for (const s of this.affected(e)) {
        const [partition, namespace, serviceName] = s.split('/') as [string, string, string];
        const message = chainError(
          {
            serviceName,
            namespace,
            partition,
            evaluateInDatacenter: CHECK_DC,
            trustDomain: CHECK_TRUST_DOMAIN,
            entries: this.index,
          },
          this.memo,
        );
        if (message !== undefined && !errors.includes(message)) errors.push(message);
      }
    } finally {
      this.proposedIndexed = undefined;
    }
    return errors;
  }

  /**
   * A resolver whose chain is itself alone (no redirect, no failover, no external SNI on its service): the chain is one
   * resolver node (its default subset exists, `Validate()` saw to that) and cannot fail.
   */
  private plainResolver(e: ConfigEntry): boolean {
    if (e.Kind !== 'service-resolver' || e.Redirect !== undefined) return false;
    if (e.Failover !== undefined && Object.keys(e.Failover).length > 0) return false;
    return !this.index.serviceDefaults(e.Name, e.Namespace, e.Partition)?.entry.ExternalSNI;
  }

  /** Consul's answer to writing `e` now: the first error message, or undefined (and the entry is stored). */
  write(e: ConfigEntry, validated = false): string | undefined {
    const errors = this.check(e, validated);
    if (errors.length > 0) return errors[0];
    this.store(e);
    return undefined;
  }

  /** Stores `e` without checking (an entry Consul holds already). */
  force(e: ConfigEntry): void {
    this.store(e);
  }

  private store(e: ConfigEntry): void {
    const table = this.table(e.Kind);
    const name = e.Kind === 'proxy-defaults' ? 'global' : e.Name;
    const namespace = e.Kind === 'proxy-defaults' ? 'default' : e.Namespace;
    const prev = table.get(name, namespace, e.Partition)?.entry;
    if (prev && GRAPH_KINDS.has(prev.Kind)) {
      this.graphEntries.delete(prev);
      for (const s of relatedServices(prev)) this.linkedFrom.get(s)?.delete(prev);
    }
    table.set(name, namespace, e.Partition, { entry: e, decl: new StoredDecl(e) as EntryDecl });
    if (GRAPH_KINDS.has(e.Kind)) {
      this.graphEntries.add(e);
      this.withGraphEntry.add(sid(e.Name, e.Namespace, e.Partition));
      for (const s of relatedServices(e)) {
        let set = this.linkedFrom.get(s);
        if (!set) {
          set = new Set();
          this.linkedFrom.set(s, set);
        }
        set.add(e);
      }
    }
  }
}
