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
import type {
  ConfigEntry,
  ProxyDefaultsEntry,
  ServiceDefaultsEntry,
  ServiceResolverEntry,
  ServiceRouterEntry,
  ServiceSplitterEntry,
} from '../model/entries.ts';
import type { EntryDecl } from '../model/types.ts';
import { validateEntry } from '../model/validate-entry.ts';
import { ChainMemo } from './chain-memo.ts';
import { type ChainEntries, type ChainKind, chainKind, type EntryIndex, type Indexed } from './entry-index.ts';
import { chainError } from './passes/compile-chains.ts';
import { provenEntries, selfContainedChainCompiles } from './self-contained-chain.ts';
import { orDefault, ServiceMap } from './service-map.ts';

/** Consul's placeholders in `testCompileDiscoveryChain`. */
const CHECK_DC = 'dc1';
const CHECK_TRUST_DOMAIN = 'b6fc9da3-03d4-4b5a-9134-c045e9b20152.consul';

/** `<ap>/<ns>/<name>` of a service: the order Consul's sorted service IDs compare in (built only to sort). */
function sid(name: string, namespace?: string, partition?: string): string {
  return `${orDefault(partition)}/${orDefault(namespace)}/${name}`;
}

/** A service named by a graph entry: name, namespace and partition as written (empty parts mean `default`). */
type ServiceRef = readonly [name: string, namespace: string | undefined, partition: string | undefined];

/** No related service (shared: the callers only read the list). */
const NO_REFS: readonly ServiceRef[] = [];

/**
 * `out` with a service appended, unless it is `e`'s own or listed already (compared as `sid` compares them; a short
 * list); `out` is made on the first service appended.
 */
function addRef(
  out: ServiceRef[] | undefined,
  e: ConfigEntry,
  name: string,
  namespace: string | undefined,
  partition: string | undefined,
): ServiceRef[] | undefined {
  if (
    e.Name === name &&
    orDefault(e.Namespace) === orDefault(namespace) &&
    orDefault(e.Partition) === orDefault(partition)
  )
    return out;
  if (out === undefined) return [[name, namespace, partition]];
  for (let i = 0; i < out.length; i++) if (sameService(out[i]!, name, namespace, partition)) return out;
  out.push([name, namespace, partition]);
  return out;
}

/**
 * Every service a router, splitter or resolver names (`ListRelatedServices`, including itself for routers, as Consul's
 * does), in first-seen order, each once; no key string built, no list made when there is none.
 */
function relatedRefs(e: ConfigEntry): readonly ServiceRef[] {
  let out: ServiceRef[] | undefined;
  if (e.Kind === 'service-router') {
    out = [[e.Name, e.Namespace, e.Partition]];
    const routes = e.Routes ?? [];
    for (let i = 0; i < routes.length; i++) {
      const d = routes[i]!.Destination;
      if (d) out = addRef(out, e, d.Service || e.Name, d.Namespace || e.Namespace, d.Partition || e.Partition);
    }
  } else if (e.Kind === 'service-splitter') {
    const splits = e.Splits ?? [];
    for (let i = 0; i < splits.length; i++) {
      const sp = splits[i]!;
      out = addRef(out, e, sp.Service || e.Name, sp.Namespace || e.Namespace, sp.Partition || e.Partition);
    }
  } else if (e.Kind === 'service-resolver') {
    const r = e.Redirect;
    if (r) out = addRef(out, e, r.Service || e.Name, r.Namespace || e.Namespace, r.Partition || e.Partition);
    const failover = e.Failover;
    if (failover !== undefined) {
      for (const key in failover) {
        if (!Object.hasOwn(failover, key)) continue;
        const f = failover[key]!;
        const targets = f.Targets;
        if (!targets || targets.length === 0) {
          out = addRef(out, e, f.Service || e.Name, f.Namespace || e.Namespace, e.Partition);
          continue;
        }
        for (let i = 0; i < targets.length; i++) {
          const t = targets[i]!;
          if (!t.Peer)
            out = addRef(
              out,
              e,
              t.Service || e.Name,
              t.Namespace || f.Namespace || e.Namespace,
              t.Partition || e.Partition,
            );
        }
      }
    }
  }
  return out ?? NO_REFS;
}

function sameService(s: ServiceRef, name: string, namespace?: string, partition?: string): boolean {
  return s[0] === name && orDefault(s[1]) === orDefault(namespace) && orDefault(s[2]) === orDefault(partition);
}

/**
 * A stored entry as the chain compiler's index hands it out (`Indexed`: the entry and its declaration), one object for
 * both: it is its own declaration, whose path (which nothing on the write-check path reads) is built only when asked
 * for.
 */
class StoredDecl {
  readonly origin = 'file';
  constructor(readonly entry: ConfigEntry) {}
  get decl(): EntryDecl {
    return this as unknown as EntryDecl;
  }
  get path(): string {
    const e = this.entry;
    return e.Kind === 'proxy-defaults'
      ? `proxy-defaults/${orDefault(e.Partition)}`
      : `${e.Kind}/${sid(e.Name, e.Namespace, e.Partition)}`;
  }
}

/**
 * What the store holds for one service: its entries of the kinds a chain compile reads, and the stored routers,
 * splitters and resolvers that name it (Consul's `link` index), in the order stored.
 */
class ServiceSlot {
  serviceDefaults: Indexed<ConfigEntry> | undefined;
  resolver: Indexed<ConfigEntry> | undefined;
  splitter: Indexed<ConfigEntry> | undefined;
  router: Indexed<ConfigEntry> | undefined;
  /** Whether a router, splitter or resolver of this service was ever stored (none is ever removed, only replaced). */
  hasGraphEntry = false;
  /** Made on the first link (most services are named by no other service's entry). */
  linkedFrom: ConfigEntry[] | undefined = undefined;
  constructor(
    readonly name: string,
    /** Filled in (`default`). */
    readonly namespace: string,
    readonly partition: string,
  ) {}
}

/**
 * The store as the simulated writes leave it, read as the chain compiler reads an `EntryIndex`: one slot per service
 * (its entries and who links to it, no key string per lookup), proxy-defaults by partition; while a write is checked,
 * lookups see the proposed entry in place of the stored one of its kind. Other kinds are not kept: no chain compile
 * reads them.
 *
 * The lookups are methods of this class, not closures made per simulator: optimized code that inlines a closure holds
 * it weakly and is thrown away when the simulator dies (every compile, every pass).
 */
class SimulatedStore implements EntryIndex {
  readonly all: readonly EntryDecl[] = [];
  readonly services = new ServiceMap<ServiceSlot>();
  readonly proxyDefaultsByPartition = new Map<string, Indexed<ConfigEntry>>();
  /** The routers, splitters and resolvers stored. */
  readonly graphEntries = new Set<ConfigEntry>();
  /** The entry being proposed: lookups see it in place of the stored one. */
  private proposed: Indexed<ConfigEntry> | undefined = undefined;
  /** The slot field `proposed` takes the place of (undefined: a kind no chain reads, or nothing proposed). */
  private proposedKind: ChainKind | undefined = undefined;
  /** `proposed`'s namespace and partition, filled in. */
  private proposedNs = '';
  private proposedAp = '';
  /** The proposed entry's service's four chain kinds with it in its place (built on first lookup, per proposal). */
  private proposedKinds: ChainEntries | undefined = undefined;
  /** The proposed entry's service's slot (undefined: none), as the caller found it. */
  private proposedSlot: ServiceSlot | undefined = undefined;
  /** The slot of a service, if it has one. */
  find(name: string, namespace?: string, partition?: string): ServiceSlot | undefined {
    return this.services.get(name, namespace, partition);
  }

  /**
   * Lookups see `indexed` (undefined: nothing) in place of the stored entry of its kind until the next call; `slot` is
   * its service's slot (`find` of its name, namespace and partition).
   */
  propose(indexed: Indexed<ConfigEntry> | undefined, slot?: ServiceSlot): void {
    this.proposed = indexed;
    this.proposedKinds = undefined;
    this.proposedSlot = slot;
    const e = indexed?.entry;
    this.proposedKind = e === undefined ? undefined : chainKind(e.Kind);
    this.proposedNs = orDefault(e?.Namespace);
    this.proposedAp = orDefault(e?.Partition);
  }

  slot(name: string, namespace?: string, partition?: string): ServiceSlot {
    let s = this.find(name, namespace, partition);
    if (s === undefined) {
      s = new ServiceSlot(name, orDefault(namespace), orDefault(partition));
      this.services.set(name, namespace, partition, s);
    }
    return s;
  }

  /** The slot field the proposed entry takes the place of, when it is an entry of this service a chain reads. */
  private proposedFor(name: string, ns?: string, ap?: string): ChainKind | undefined {
    const kind = this.proposedKind;
    if (kind === undefined) return undefined;
    return this.proposed!.entry.Name === name && orDefault(ns) === this.proposedNs && orDefault(ap) === this.proposedAp
      ? kind
      : undefined;
  }

  private lookup<E extends ConfigEntry>(
    kind: ChainKind,
    name: string,
    ns?: string,
    ap?: string,
  ): Indexed<E> | undefined {
    if (this.proposedFor(name, ns, ap) === kind) return this.proposed as Indexed<E>;
    return this.find(name, ns, ap)?.[kind] as Indexed<E> | undefined;
  }

  /** A service's four chain kinds as stored, the proposed entry in place of the stored one of its kind. */
  chainEntries(name: string, ns?: string, ap?: string): ChainEntries | undefined {
    const kind = this.proposedFor(name, ns, ap);
    if (kind === undefined) return this.find(name, ns, ap) as ChainEntries | undefined;
    // The slot does not change while an entry is proposed (it is stored after its check), so one copy serves.
    if (this.proposedKinds !== undefined) return this.proposedKinds;
    // `proposedFor` matched: this is the proposed entry's service, whose slot the caller handed over.
    const slot = this.proposedSlot;
    const kinds = {
      serviceDefaults: slot?.serviceDefaults,
      resolver: slot?.resolver,
      splitter: slot?.splitter,
      router: slot?.router,
    };
    (kinds as Record<ChainKind, Indexed<ConfigEntry> | undefined>)[kind] = this.proposed;
    this.proposedKinds = kinds as ChainEntries;
    return this.proposedKinds;
  }

  proxyDefaults(ap?: string): Indexed<ProxyDefaultsEntry> | undefined {
    const p = this.proposed;
    if (p !== undefined && p.entry.Kind === 'proxy-defaults' && orDefault(ap) === this.proposedAp)
      return p as Indexed<ProxyDefaultsEntry>;
    return this.proxyDefaultsByPartition.get(orDefault(ap)) as Indexed<ProxyDefaultsEntry> | undefined;
  }

  serviceDefaults(s: string, ns?: string, ap?: string): Indexed<ServiceDefaultsEntry> | undefined {
    return this.lookup('serviceDefaults', s, ns, ap);
  }

  resolver(s: string, ns?: string, ap?: string): Indexed<ServiceResolverEntry> | undefined {
    return this.lookup('resolver', s, ns, ap);
  }

  splitter(s: string, ns?: string, ap?: string): Indexed<ServiceSplitterEntry> | undefined {
    return this.lookup('splitter', s, ns, ap);
  }

  router(s: string, ns?: string, ap?: string): Indexed<ServiceRouterEntry> | undefined {
    return this.lookup('router', s, ns, ap);
  }
}

/** Replays entry writes as Consul's state store checks them (see the module comment). */
export class WriteSimulator {
  /**
   * @param options.compileAll compile every chain Consul compiles, with none of the shortcuts that prove a chain
   * compiles without compiling it (nor the ones that skip a write no chain of which can fail): the reference the
   * shortcuts are tested against (`test/compiler/write-check-shortcuts.property.test.ts`).
   */
  constructor(private readonly options: { readonly compileAll?: boolean } = {}) {}

  private readonly index = new SimulatedStore();
  /**
   * Every entry a chain compile here reads passed Consul's `Validate()`: a written entry is checked (or its caller
   * checked it, `validated`) before it is stored or proposed, and a forced one is held by Consul already. So the
   * memo checks no entry again (`entriesValid`).
   */
  private readonly memo = new ChainMemo(CHECK_TRUST_DOMAIN, true);
  /** The last entry proposed (`check`), stored as it is if `write` accepts it. */
  private lastProposal: StoredDecl | undefined = undefined;
  /**
   * The last entry whose affected chains were collected, and its service's slot then (undefined: none yet): its check
   * and its store need the same slot (a slot, once made, is never removed; a missing one is looked up again).
   */
  private checkedEntry: ConfigEntry | undefined = undefined;
  private checkedSlot: ServiceSlot | undefined = undefined;

  /** The slot of an entry's service, made if missing (the one its check found, if it has one). */
  private slotOf(e: ConfigEntry): ServiceSlot {
    const known = this.checkedEntry === e ? this.checkedSlot : undefined;
    return known ?? this.index.slot(e.Name, e.Namespace, e.Partition);
  }

  /**
   * The chains a write of `e` makes Consul compile, as (name, namespace, partition) triples, sorted by
   * `<ap>/<ns>/<name>` (for a deterministic first error).
   */
  private affected(e: ConfigEntry): ServiceRef[] {
    if (e.Kind === 'proxy-defaults') {
      const out: ServiceSlot[] = [];
      for (const stored of this.index.graphEntries) {
        const s = this.index.slot(stored.Name, stored.Namespace, stored.Partition);
        if (!out.includes(s)) out.push(s);
      }
      return sortById(out.map((s) => [s.name, s.namespace, s.partition]));
    }
    if (e.Kind === 'service-intentions') return [];
    const own = this.index.find(e.Name, e.Namespace, e.Partition);
    this.checkedEntry = e;
    this.checkedSlot = own;
    const linkers = own?.linkedFrom;
    // A service-defaults or plain resolver write for a service no router, splitter or resolver names or belongs to
    // changes a chain of one resolver node, which always compiles: nothing to check.
    const alone = own?.hasGraphEntry !== true && (linkers?.length ?? 0) === 0;
    if (alone && this.options.compileAll !== true && (e.Kind === 'service-defaults' || plainResolver(e, own)))
      return [];
    // Usually the entry's own chain alone (nothing to sort); linkers are few: a list scanned for repeats.
    const out: ServiceRef[] = [[e.Name, orDefault(e.Namespace), orDefault(e.Partition)]];
    if (linkers === undefined || linkers.length === 0) return out;
    const slots: (ServiceSlot | undefined)[] = [own];
    for (const linker of linkers) {
      const s = this.index.slot(linker.Name, linker.Namespace, linker.Partition);
      if (!slots.includes(s)) {
        slots.push(s);
        out.push([s.name, s.namespace, s.partition]);
      }
    }
    return out.length > 1 ? sortById(out) : out;
  }

  /**
   * Every message Consul may answer a write of `e` with now: its `Validate()` error (each failover key's, for a
   * resolver; skipped when the caller has `validated` it), else the error of each
   * affected chain that does not compile (Consul reports whichever its map iteration meets first). Empty when Consul
   * accepts the write. Stores nothing.
   */
  check(e: ConfigEntry, validated = false): string[] {
    if (!validated) {
      const invalid = validateEntry(e);
      // A resolver's Failover is a Go map: Consul meets its keys in random order, so any key's error may come first.
      if (invalid.length > 0) return e.Kind === 'service-resolver' ? invalid : invalid.slice(0, 1);
    }
    const affected = this.affected(e);
    if (affected.length === 0) return [];
    let errors: string[] | undefined;
    // Lookups see the proposed entry in place of the stored one (nothing on this path reads its declaration's path);
    // the same object is stored if the write is accepted.
    const proposal = new StoredDecl(e);
    this.lastProposal = proposal;
    this.index.propose(
      proposal,
      this.checkedEntry === e ? this.checkedSlot : this.index.find(e.Name, e.Namespace, e.Partition),
    );
    try {
      const shortcuts = this.options.compileAll !== true;
      for (let i = 0; i < affected.length; i++) {
        const ref = affected[i]!;
        const serviceName = ref[0];
        const namespace = ref[1];
        const partition = ref[2];
        // A self-contained chain (every reference to its own service) is proven to compile without compiling it.
        if (shortcuts && selfContainedChainCompiles(this.index, serviceName, namespace, partition)) continue;
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
        if (message === undefined) continue;
        if (errors === undefined) errors = [message];
        else if (!errors.includes(message)) errors.push(message);
      }
    } finally {
      this.index.propose(undefined);
    }
    return errors ?? [];
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
    const last = this.lastProposal;
    this.lastProposal = undefined;
    const indexed: Indexed<ConfigEntry> = last !== undefined && last.entry === e ? last : new StoredDecl(e);
    if (e.Kind === 'proxy-defaults') {
      this.index.proxyDefaultsByPartition.set(orDefault(e.Partition), indexed);
      return;
    }
    // Nothing reads the other kinds back (no chain compile looks them up). One field per kind, set by name.
    let prev: ConfigEntry | undefined;
    switch (e.Kind) {
      case 'service-defaults':
        this.slotOf(e).serviceDefaults = indexed;
        return;
      case 'service-resolver': {
        const slot = this.slotOf(e);
        prev = slot.resolver?.entry;
        slot.resolver = indexed;
        slot.hasGraphEntry = true;
        break;
      }
      case 'service-splitter': {
        const slot = this.slotOf(e);
        prev = slot.splitter?.entry;
        slot.splitter = indexed;
        slot.hasGraphEntry = true;
        break;
      }
      case 'service-router': {
        const slot = this.slotOf(e);
        prev = slot.router?.entry;
        slot.router = indexed;
        slot.hasGraphEntry = true;
        break;
      }
      default:
        return;
    }
    if (prev !== undefined) {
      this.index.graphEntries.delete(prev);
      const refs = relatedRefs(prev);
      for (let i = 0; i < refs.length; i++) {
        const r = refs[i]!;
        const linked = this.index.find(r[0], r[1], r[2])?.linkedFrom;
        const at = linked?.indexOf(prev) ?? -1;
        if (at >= 0) linked?.splice(at, 1);
      }
    }
    this.index.graphEntries.add(e);
    const refs = relatedRefs(e);
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i]!;
      const slot = this.index.slot(r[0], r[1], r[2]);
      const linked = slot.linkedFrom;
      if (linked === undefined) slot.linkedFrom = [e];
      else if (!linked.includes(e)) linked.push(e);
    }
  }
}

/** The kinds `everyWriteAccepted` reads, in apply order (`check-entry-graph.ts`'s). */
const ACCEPT_ORDER: readonly string[] = [
  'proxy-defaults',
  'service-defaults',
  'service-resolver',
  'service-splitter',
  'service-router',
];

/**
 * Whether a `WriteSimulator` (with its shortcuts, which answer as `compileAll` does) writing `entries` one by one,
 * from an empty store, would accept every one of them — answered without replaying the writes: true only when proven.
 * `entries` must each pass `Validate()` (the caller skips those that do not, as Consul refuses them before the graph
 * check).
 *
 * Proven when (1) the kinds come in apply order (proxy-defaults, service-defaults, resolvers, splitters, routers), (2)
 * no service has two entries of one kind (proxy-defaults: any number per partition), and (3) for every service with a
 * router, splitter or resolver, its chain in the *final* store (every entry stored) is self-contained
 * (`selfContainedChainCompiles`). Why every write is then accepted, by induction over the writes (every earlier one
 * accepted, so the store holds exactly the entries written so far):
 *
 * - A proxy-defaults write affects the chains of the services with a stored router, splitter or resolver: none, as
 *   every proxy-defaults comes first (1). So it is accepted, and every later write sees the final proxy-defaults.
 * - A write of service S's entry affects S's chain and the chains of the services whose stored routers, splitters or
 *   resolvers name S (`ListRelatedServices`, the `link` index). A self-contained chain's router, splitter and resolver
 *   name no other service (routes, splits and failover targets in S's own namespace and partition, unpeered; no
 *   redirect), and a service without any has no link: only S's own router ever links to S. So S's chain is the only
 *   one affected (if any: the simulator may also rule it out, "alone", which answers the same).
 * - S's chain is then evaluated with S's entries written so far plus the proposed one: by (1) and (2), a prefix, in
 *   apply order, of S's final entries (service-defaults, then resolver, splitter, router), with the final
 *   proxy-defaults. Each condition of the proof for that state is one of the final state's, or holds vacuously: the
 *   service-defaults (external SNI, protocol) is the final one from the first write of S on (it comes first); the
 *   resolver is absent (then no router or splitter is present either, so no subset or protocol is asked for, and
 *   there is no failover) or the final one (its redirect, default subset, subsets and failover as in the final
 *   state); a present splitter or router is the final one, checked against the final resolver and protocol, and an
 *   absent one is not checked. So the state's chain is self-contained as well, and it compiles: the write is
 *   accepted.
 *
 * A service with only a service-defaults has no chain to check (no router, splitter or resolver links to it, none of
 * its own). Anything else (a kind out of order, a repeated kind, a chain not proven) answers false: the caller
 * replays the writes.
 */
export function everyWriteAccepted(entries: readonly ConfigEntry[]): boolean {
  const proof = new AcceptanceProof();
  let rank = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const k = ACCEPT_ORDER.indexOf(e.Kind);
    if (k < rank) return false;
    rank = k;
    proof.add(e);
  }
  return proof.proven();
}

/**
 * What `everyWriteAccepted` reads of one service in the final store: its entries of the four kinds a chain reads, as
 * they are (no `Indexed` wrapper: nothing here reads a declaration). Four fields only (a slot lives through the pass:
 * 10,000 in the L7 10k mesh): the service's name, namespace and partition are its graph entries' own.
 */
class ProofSlot {
  serviceDefaults: ServiceDefaultsEntry | undefined = undefined;
  resolver: ServiceResolverEntry | undefined = undefined;
  splitter: ServiceSplitterEntry | undefined = undefined;
  router: ServiceRouterEntry | undefined = undefined;
}

/**
 * `everyWriteAccepted`'s conditions (2) and (3), for entries added in any order: the final store (each service's
 * entries of each kind, proxy-defaults per partition, the last one added winning) and whether some service has two
 * of one kind. Neither depends on the order the entries come in but for proxy-defaults, of which the last added per
 * partition is kept, as the last written in apply order is; so a caller that adds the entries in declaration order
 * (`checkEntryGraph`, whose apply order keeps declaration order within a kind, proxy-defaults first) and knows
 * condition (1) holds for its apply order asks `proven()` what `everyWriteAccepted` answers for the entries in apply
 * order, without sorting them first. Each entry must pass `Validate()` and be of a kind in `ACCEPT_ORDER`.
 */
export class AcceptanceProof {
  private readonly services = new ServiceMap<ProofSlot>();
  private readonly proxyDefaults = new Map<string, ProxyDefaultsEntry>();
  /** The services with a router, splitter or resolver: the chains to prove. */
  private readonly graph: ProofSlot[] = [];
  /** A slot made ahead, taken by the next service met for the first time (one map operation per entry). */
  private spare = new ProofSlot();
  /** Some service has two entries of one kind: not proven. */
  private repeated = false;

  add(e: ConfigEntry): void {
    if (e.Kind === 'proxy-defaults') {
      this.proxyDefaults.set(orDefault(e.Partition), e);
      return;
    }
    let slot = this.services.addIfAbsent(e.Name, e.Namespace, e.Partition, this.spare);
    if (slot === undefined) {
      slot = this.spare;
      this.spare = new ProofSlot();
    }
    // Listed for a proof at its first router, splitter or resolver.
    const first = slot.resolver === undefined && slot.splitter === undefined && slot.router === undefined;
    switch (e.Kind) {
      case 'service-defaults':
        if (slot.serviceDefaults !== undefined) this.repeated = true;
        slot.serviceDefaults = e;
        return;
      case 'service-resolver':
        if (slot.resolver !== undefined) this.repeated = true;
        slot.resolver = e;
        break;
      case 'service-splitter':
        if (slot.splitter !== undefined) this.repeated = true;
        slot.splitter = e;
        break;
      case 'service-router':
        if (slot.router !== undefined) this.repeated = true;
        slot.router = e;
        break;
      default:
        // Not a kind the proof knows: not proven.
        this.repeated = true;
        return;
    }
    if (first) this.graph.push(slot);
  }

  /** Whether no service has two entries of one kind and every chain in the final store is self-contained. */
  proven(): boolean {
    if (this.repeated) return false;
    const graph = this.graph;
    for (let i = 0; i < graph.length; i++) {
      const s = graph[i]!;
      const hasDefaults = s.serviceDefaults !== undefined;
      // The slot's key, as its (first) graph entry names it: the map keys services by these, defaults filled in.
      const own = (s.resolver ?? s.splitter ?? s.router)!;
      const partition = orDefault(own.Partition);
      let ok: boolean;
      try {
        ok = provenEntries(
          s.serviceDefaults,
          hasDefaults,
          s.resolver,
          s.router,
          s.splitter,
          hasDefaults ? undefined : this.proxyDefaults.get(partition),
          own.Name,
          orDefault(own.Namespace),
          partition,
        );
      } catch {
        // A surprising value somewhere (as `selfContainedChainCompiles`): not proven.
        ok = false;
      }
      if (!ok) return false;
    }
    return true;
  }
}

/**
 * A resolver whose chain is itself alone (no redirect, no failover, no external SNI on its service, `own` being its
 * service's slot, if any): the chain is one resolver node (its default subset exists, `Validate()` saw to that) and
 * cannot fail.
 */
function plainResolver(e: ConfigEntry, own: ServiceSlot | undefined): boolean {
  if (e.Kind !== 'service-resolver' || e.Redirect !== undefined) return false;
  if (e.Failover !== undefined && Object.keys(e.Failover).length > 0) return false;
  // Nothing is proposed while the affected chains are collected: the stored service-defaults is what a lookup returns.
  return !(own?.serviceDefaults?.entry as ServiceDefaultsEntry | undefined)?.ExternalSNI;
}

/** Sorts services by `<ap>/<ns>/<name>` (code-unit order), in place. */
function sortById(list: ServiceRef[]): ServiceRef[] {
  const keyed = list.map((s) => ({ s, key: sid(s[0], s[1], s[2]) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let i = 0; i < list.length; i++) list[i] = keyed[i]!.s;
  return list;
}
