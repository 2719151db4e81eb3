/**
 * What the chain compiles of one `compile()` share: the names of every target (ID, node key, SNI), built once per
 * target rather than once per chain, and the first Consul validation problem of each resolver entry, checked once per
 * entry rather than once per chain that reads it. A mesh compiles the same destination in a few datacenters for many
 * callers, so both are asked for far more often than they differ. Plain lookups; nothing here changes a result.
 */
import type { ConfigEntry, ServiceResolverEntry, ServiceRouterEntry, ServiceSplitterEntry } from '../model/entries.ts';
import { flat } from '../model/flat-string.ts';
import { validateEntry } from '../model/validate-entry.ts';
import { type ResolverFacts, resolverFacts } from './resolver-facts.ts';
import { serviceSni } from './sni.ts';
import { validateResolver } from './validate-resolver.ts';

/**
 * The strings a (non-peered) target is known by: `ID`, the resolver node's key `resolver:<ID>`, and `SNI`; with the
 * parts they are built from (filled in; `peer` is always '').
 */
export interface TargetNames {
  readonly service: string;
  readonly subset: string;
  readonly namespace: string;
  readonly partition: string;
  readonly datacenter: string;
  readonly peer: '';
  readonly id: string;
  readonly nodeKey: string;
  readonly sni: string;
}

/** The names of a service's router and splitter nodes. */
export interface L7Names {
  readonly namespace: string;
  readonly partition: string;
  /** `<svc>.<ns>.<ap>`. */
  readonly name: string;
  readonly routerKey: string;
  readonly splitterKey: string;
  /** The same service's names in another namespace or partition (a list per service without an array). */
  next: L7Names | undefined;
}

/**
 * A target's names with the parts they were built for. The SNI is built on first read: the entry write check
 * (`chainError`) never reads it.
 */
class NamedTarget implements TargetNames {
  /** A named target is never peered (so it serves as the target's options, `Required<TargetOpts>`). */
  readonly peer = '' as const;
  readonly id: string;
  readonly nodeKey: string;
  private sniText: string | undefined;
  constructor(
    readonly service: string,
    readonly subset: string,
    readonly namespace: string,
    readonly partition: string,
    readonly datacenter: string,
    private readonly trustDomain: string,
    /** `.<namespace>.<partition>.<datacenter>` (`ChainMemo.suffix`), shared by the targets of those parts. */
    suffix: string,
  ) {
    // `targetId(this)` (`<subset>.` in front for a subset), from the shared suffix: the same characters, built from
    // two or three pieces instead of five (each `+` of a long string makes an intermediate string to flatten).
    this.id = subset ? flat(`${subset}.${service}${suffix}`) : flat(`${service}${suffix}`);
    this.nodeKey = flat(`resolver:${this.id}`);
  }
  get sni(): string {
    if (this.sniText === undefined) this.sniText = flat(serviceSni(this, this.trustDomain));
    return this.sniText;
  }
}

interface Suffix {
  readonly ns: string;
  readonly ap: string;
  readonly dc: string;
  readonly text: string;
}

export class ChainMemo {
  /**
   * Per service, the names of each of its targets: a service has a few (subsets × datacenters), so a short list beats a
   * map per part (no key string is built per lookup either). Each list is exact-length (a copy with one more target
   * when one is added: a service has a few): an array grown by `push` has room for 16 (≈ 180 B), 10,000 of them kept
   * for the whole chain pass. (Not linked through the targets: a kept target would keep the service's other named
   * targets, which no chain may keep, alive with it.)
   */
  private readonly names = new Map<string, readonly NamedTarget[]>();
  /**
   * Per service, its router/splitter node names by namespace and partition, linked through them (`next`; nothing
   * else keeps an `L7Names`, only its strings).
   */
  private readonly l7 = new Map<string, L7Names>();
  /**
   * Per entry read: a resolver's facts and first problem (`resolver`), a router's or splitter's first problem
   * (`l7Problem`; `null` when Consul accepts it). One map for the three kinds (an entry is one object of one kind, so
   * the values do not mix): a map of 10,000 entries is ≈ 0.5 MB of tables, kept for the whole chain pass, plus the
   * tables it outgrew.
   */
  private readonly checked = new Map<ConfigEntry, ResolverFacts | string | null>();
  /** The suffixes of target IDs (`.<ns>.<ap>.<dc>`) and of L7 names (`.<ns>.<ap>`), see `suffix`. */
  private readonly targetSuffixes: Suffix[] = [];
  private readonly l7Suffixes: Suffix[] = [];
  private readonly metas = new Map<Readonly<Record<string, string>>, Readonly<Record<string, string>>>();

  /**
   * @param entriesValid every entry the chains of this memo read is known to pass Consul's `Validate()` (the write
   * check's store holds only entries it validated before storing them): no entry is checked.
   */
  constructor(
    readonly trustDomain: string,
    private readonly entriesValid = false,
  ) {}

  /** Consul's message for the first problem of a router or splitter entry (its `Validate`), or undefined. */
  l7Problem(entry: ServiceRouterEntry | ServiceSplitterEntry): string | undefined {
    if (this.entriesValid) return undefined;
    let problem = this.checked.get(entry) as string | null | undefined;
    if (problem === undefined) {
      problem = validateEntry(entry)[0] ?? null;
      this.checked.set(entry, problem);
    }
    return problem ?? undefined;
  }

  /** A chain's `ServiceMeta`: a (frozen) copy of a service-defaults `Meta`, one per entry, shared by its chains. */
  serviceMeta(meta: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    let copy = this.metas.get(meta);
    if (copy === undefined) {
      copy = Object.freeze({ ...meta });
      this.metas.set(meta, copy);
    }
    return copy;
  }

  /** The names of a local target (namespace, partition and datacenter already filled in). */
  targetNames(service: string, subset: string, namespace: string, partition: string, datacenter: string): TargetNames {
    const list = this.names.get(service);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const t = list[i]!;
        if (
          t.subset === subset &&
          t.datacenter === datacenter &&
          t.namespace === namespace &&
          t.partition === partition
        )
          return t;
      }
    }
    const names = new NamedTarget(
      service,
      subset,
      namespace,
      partition,
      datacenter,
      this.trustDomain,
      this.suffix(this.targetSuffixes, namespace, partition, datacenter),
    );
    this.names.set(service, list === undefined ? [names] : [...list, names]);
    return names;
  }

  /** The name of a service's router and splitter nodes, `<svc>.<ns>.<ap>`, and their node keys (built once). */
  /**
   * `.<ns>.<ap>.<dc>` (`.<ns>.<ap>` when `dc` is ''), built once per parts in `list` (a compile has a few: its
   * namespaces, partitions and datacenters; past 32 they are built each time).
   */
  private suffix(list: Suffix[], ns: string, ap: string, dc: string): string {
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.dc === dc && s.ns === ns && s.ap === ap) return s.text;
    }
    const text = flat(dc === '' ? `.${ns}.${ap}` : `.${ns}.${ap}.${dc}`);
    if (list.length < 32) list.push({ ns, ap, dc, text });
    return text;
  }

  l7Names(service: string, namespace: string, partition: string): L7Names {
    const first = this.l7.get(service);
    for (let n = first; n !== undefined; n = n.next)
      if (n.namespace === namespace && n.partition === partition) return n;
    // `<svc>.<ns>.<ap>` from the shared `.<ns>.<ap>`.
    const name = flat(`${service}${this.suffix(this.l7Suffixes, namespace, partition, '')}`);
    const names: L7Names = {
      namespace,
      partition,
      name,
      routerKey: flat(`router:${name}`),
      splitterKey: flat(`splitter:${name}`),
      next: undefined,
    };
    if (first === undefined) this.l7.set(service, names);
    else {
      let last = first;
      while (last.next !== undefined) last = last.next;
      last.next = names;
    }
    return names;
  }

  /**
   * A resolver entry's facts (`resolverFacts`) and Consul's message for its first problem (none when the memo is
   * `entriesValid`): one lookup per resolver node, computed once per entry.
   */
  resolver(entry: ServiceResolverEntry): ResolverFacts {
    let r = this.checked.get(entry) as ResolverFacts | undefined;
    if (r === undefined) {
      const problem = this.entriesValid ? undefined : validateResolver(entry);
      r = resolverFacts(entry, problem);
      this.checked.set(entry, r);
    }
    return r;
  }

  /** Consul's message for the first problem of a resolver entry, or undefined when Consul accepts it. */
  resolverProblem(entry: ServiceResolverEntry): string | undefined {
    return this.resolver(entry).problem;
  }
}
