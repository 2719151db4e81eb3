/**
 * The entry index: the effective config entries, looked up the way Consul's discovery-chain compiler looks them up
 * (`configentry.DiscoveryChainSet`: `GetService`, `GetProxyDefaults`, resolvers, splitters, routers by service ID).
 *
 * Built once per compile from construct and file entries. Two declarations of the same kind and name (in the same
 * namespace and partition) are an error (MC2001) pointing at both; the first one declared is kept.
 */
import { DuplicateConfigEntry, InvalidTimeout } from '../diagnostics/codes/resolution.ts';
import { type Diagnostic, diag, type PassResult } from '../diagnostics/diagnostic.ts';
import type {
  ConfigEntry,
  ProxyDefaultsEntry,
  ServiceDefaultsEntry,
  ServiceResolverEntry,
  ServiceRouterEntry,
  ServiceSplitterEntry,
} from '../model/entries.ts';
import type { EntryDecl } from '../model/types.ts';
import { parseGoDuration } from './duration.ts';
import { orDefault, ServiceMap } from './service-map.ts';

/** A config entry with its declaration (for diagnostics and provenance). */
export interface Indexed<E extends ConfigEntry> {
  readonly entry: E;
  readonly decl: EntryDecl;
}

/** Read-only lookups over the effective config entries. Namespace and partition default to `default`. */
export interface EntryIndex {
  /** Every effective entry, in declaration order (duplicates dropped). */
  readonly all: readonly EntryDecl[];
  proxyDefaults(partition?: string): Indexed<ProxyDefaultsEntry> | undefined;
  serviceDefaults(service: string, namespace?: string, partition?: string): Indexed<ServiceDefaultsEntry> | undefined;
  resolver(service: string, namespace?: string, partition?: string): Indexed<ServiceResolverEntry> | undefined;
  splitter(service: string, namespace?: string, partition?: string): Indexed<ServiceSplitterEntry> | undefined;
  router(service: string, namespace?: string, partition?: string): Indexed<ServiceRouterEntry> | undefined;
  /**
   * The four entries of a service a discovery chain reads, in one lookup (undefined: the service has none of them);
   * what `serviceDefaults`, `resolver`, `splitter` and `router` return.
   */
  chainEntries(service: string, namespace?: string, partition?: string): ChainEntries | undefined;
}

/** A service's entries of the kinds a discovery chain reads (see `EntryIndex.chainEntries`). */
export interface ChainEntries {
  readonly serviceDefaults: Indexed<ServiceDefaultsEntry> | undefined;
  readonly resolver: Indexed<ServiceResolverEntry> | undefined;
  readonly splitter: Indexed<ServiceSplitterEntry> | undefined;
  readonly router: Indexed<ServiceRouterEntry> | undefined;
}

/** A field of `ChainEntries`: the kinds a discovery chain reads. */
export type ChainKind = keyof ChainEntries;

/** The `ChainEntries` field of an entry kind, if a chain reads that kind. */
export function chainKind(kind: string): ChainKind | undefined {
  switch (kind) {
    case 'service-defaults':
      return 'serviceDefaults';
    case 'service-resolver':
      return 'resolver';
    case 'service-splitter':
      return 'splitter';
    case 'service-router':
      return 'router';
    default:
      return undefined;
  }
}

/** Identity of an entry inside Consul: kind, partition, namespace, name. proxy-defaults is one per partition. */
export function entryIdentity(e: ConfigEntry): string {
  if (e.Kind === 'proxy-defaults') return `proxy-defaults/${orDefault(e.Partition)}`;
  // Partition-level kinds (one per partition, no namespace).
  if (e.Kind === 'exported-services' || e.Kind === 'mesh') return `${e.Kind}/${orDefault(e.Partition)}/${e.Name}`;
  return `${e.Kind}/${orDefault(e.Partition)}/${orDefault(e.Namespace)}/${e.Name}`;
}

function hasSlash(s: string | undefined): boolean {
  return s?.includes('/') === true;
}

function where(d: EntryDecl): string {
  return d.span ? `${d.span.file}:${d.span.line}` : d.path;
}

const NO_DIAGNOSTICS: readonly Diagnostic[] = [];

const TIMEOUT_FIELDS = ['ConnectTimeout', 'RequestTimeout'] as const;

function checkDurations(d: EntryDecl): readonly Diagnostic[] {
  const e = d.entry;
  if (e.Kind !== 'service-resolver') return NO_DIAGNOSTICS;
  const out: Diagnostic[] = [];
  for (let k = 0; k < TIMEOUT_FIELDS.length; k++) {
    const field = TIMEOUT_FIELDS[k]!;
    const v = e[field];
    if (v !== undefined && v !== '' && parseGoDuration(v) === undefined) {
      const span = d.fieldSpans?.[`/${field}`] ?? d.span;
      out.push(
        diag(
          InvalidTimeout,
          { path: d.path, ...(span ? { span } : {}) },
          { entry: `service-resolver '${e.Name}'`, field, value: v },
        ),
      );
    }
  }
  return out;
}

/**
 * Lookups by kind and service identity without building a key string per lookup (chain compiles and mode ladders look
 * entries up several times per upstream). Holds one `Indexed` per entry, shared by every lookup.
 */
class EntryTable {
  private readonly byKind = new Map<string, ServiceMap<Indexed<ConfigEntry>>>();

  /** Entries with a `/` in a name, namespace or partition, by `entryIdentity` (see `add`). */
  private readonly slashed = new Map<string, Indexed<ConfigEntry>>();

  /**
   * Adds a declaration under its identity inside Consul (`entryIdentity`), unless an entry with that identity is there
   * already: then that one is returned and nothing is added.
   *
   * The table is keyed by the identity's parts (kind, then name, namespace, partition; one proxy-defaults per
   * partition, one exported-services or mesh entry per partition and name), so it finds a second definition itself,
   * without a key string per entry. That is the same as comparing identities while no part holds a `/` (the identity
   * then splits back into its parts); two identities can only be equal with different parts when both have a `/` in
   * a part (same kind, so the same number of separators), so those entries are also compared by identity string.
   */
  add(indexed: Indexed<ConfigEntry>): Indexed<ConfigEntry> | undefined {
    const e = indexed.entry;
    const services = this.kind(e.Kind);
    const perPartition = e.Kind === 'proxy-defaults' || e.Kind === 'exported-services' || e.Kind === 'mesh';
    const name = e.Kind === 'proxy-defaults' ? 'global' : e.Name;
    const namespace = perPartition ? 'default' : e.Namespace;
    if (hasSlash(e.Kind === 'proxy-defaults' ? undefined : e.Name) || hasSlash(namespace) || hasSlash(e.Partition)) {
      const identity = entryIdentity(e);
      const first = this.slashed.get(identity);
      if (first) return first;
      this.slashed.set(identity, indexed);
      services.set(name, namespace, e.Partition, indexed);
      return undefined;
    }
    // One walk down the table for both the check and the insert.
    return services.addIfAbsent(name, namespace, e.Partition, indexed);
  }

  /** The entries of one kind (the index holds on to the map of each kind it looks up, not the kind's name). */
  kind<E extends ConfigEntry>(kind: string): ServiceMap<Indexed<E>> {
    let services = this.byKind.get(kind);
    if (!services) {
      services = new ServiceMap();
      this.byKind.set(kind, services);
    }
    return services as ServiceMap<Indexed<E>>;
  }
}

/**
 * Builds the index over entry declarations. Reports MC2001 for a second definition of the same entry (the first is
 * kept) and MC2004 for resolver timeouts that are not Go durations.
 */
export function buildEntryIndex(decls: readonly EntryDecl[]): PassResult<EntryIndex> {
  const table = new EntryTable();
  const diagnostics: Diagnostic[] = [];
  const all: EntryDecl[] = [];
  // The kinds a chain reads are kept per service only (`ChainEntries`), and the four lookups read them there: one
  // map walk per entry (two thirds of a mesh's entries) instead of one in the table, one in `chains` and its insert.
  const chains = new ServiceMap<ChainEntries>();
  for (let i = 0; i < decls.length; i++) {
    const d = decls[i]!;
    const e = d.entry;
    const indexed: Indexed<ConfigEntry> = { entry: e, decl: d };
    const field = chainKind(e.Kind);
    let first: EntryDecl | undefined;
    if (field !== undefined && !hasSlash(e.Name) && !hasSlash(e.Namespace) && !hasSlash(e.Partition)) {
      // Keyed by (name, namespace, partition) as the table keys a service's kind (its `add`): the kind's field set
      // already is a second definition, found without the table (no `/` in a part, so parts and identity agree).
      let kinds = chains.get(e.Name, e.Namespace, e.Partition) as Record<ChainKind, Indexed<ConfigEntry> | undefined>;
      if (kinds === undefined) {
        kinds = { serviceDefaults: undefined, resolver: undefined, splitter: undefined, router: undefined };
        chains.set(e.Name, e.Namespace, e.Partition, kinds as ChainEntries);
      }
      const seen = kinds[field];
      if (seen === undefined) kinds[field] = indexed;
      else first = seen.decl;
    } else {
      // The table is keyed by `entryIdentity`'s parts, so it finds a second definition itself (no key string per
      // entry); a name with a `/` is compared by its identity there.
      first = table.add(indexed)?.decl;
      if (first === undefined && field !== undefined) {
        // Kept where the table keeps it (same name, namespace and partition), so both answer alike.
        let kinds = chains.get(e.Name, e.Namespace, e.Partition);
        if (kinds === undefined) {
          kinds = { serviceDefaults: undefined, resolver: undefined, splitter: undefined, router: undefined };
          chains.set(e.Name, e.Namespace, e.Partition, kinds);
        }
        (kinds as Record<ChainKind, Indexed<ConfigEntry> | undefined>)[field] = indexed;
      }
    }
    if (first) {
      diagnostics.push(
        diag(
          DuplicateConfigEntry,
          {
            path: d.path,
            ...(d.span ? { span: d.span } : {}),
            related: [{ path: first.path, ...(first.span ? { span: first.span } : {}), message: 'first defined here' }],
          },
          { kind: e.Kind, name: e.Name, first: where(first), second: where(d) },
        ),
      );
      continue;
    }
    all.push(d);
    if (e.Kind === 'service-resolver') {
      const found = checkDurations(d);
      for (let k = 0; k < found.length; k++) diagnostics.push(found[k]!);
    }
  }
  const proxyDefaults = table.kind<ProxyDefaultsEntry>('proxy-defaults');
  const index: EntryIndex = {
    all,
    proxyDefaults: (partition) => proxyDefaults.get('global', 'default', partition),
    serviceDefaults: (s, ns, p) => chains.get(s, ns, p)?.serviceDefaults as Indexed<ServiceDefaultsEntry> | undefined,
    resolver: (s, ns, p) => chains.get(s, ns, p)?.resolver,
    splitter: (s, ns, p) => chains.get(s, ns, p)?.splitter,
    router: (s, ns, p) => chains.get(s, ns, p)?.router,
    chainEntries: (s, ns, p) => chains.get(s, ns, p),
  };
  return { value: index, diagnostics };
}

/** Indexes bare entries (no source locations), e.g. entries read back from Consul or written in a test. */
export function indexEntries(entries: readonly ConfigEntry[]): EntryIndex {
  return buildEntryIndex(entries.map((entry, i) => ({ path: `entries[${i}]`, entry, origin: 'file' as const }))).value;
}
