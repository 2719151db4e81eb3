/**
 * `compile(model)`: the compiler pipeline, a list of named pure passes (reads like Consul's `compile()`).
 *
 * 1. effective-entries: construct + file entries, with meshcc's ownership `Meta` merged in (user keys kept);
 * 2. index-entries: one entry per kind/name (MC2001 for a second definition), timeouts checked (MC2004);
 * 3. resolve-gateway-modes: the mode of every (instance, upstream), with its precedence ladder;
 * 4. compile-chains: each upstream's discovery chain in its compile datacenter (the upstream's `datacenter`, else
 *    the caller's), with the overrides the caller's sidecar would send (MC2002 when Consul would refuse it, routers
 *    and splitters included);
 * 5. platform and validation passes (`validation-passes.ts`): reachability and consistency checks.
 *
 * Every pass collects all of its findings; diagnostics come back sorted by file, line and code.
 */
import { ChainCompileFailed } from '../diagnostics/codes/resolution.ts';
import { compareDiagnostics, type Diagnostic, diag, type PassResult } from '../diagnostics/diagnostic.ts';
import type { ConfigEntry, ServiceDefaultsEntry } from '../model/entries.ts';
import {
  ENVIRONMENT_KEY,
  type EntryDecl,
  type GatewayMode,
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  type MeshModel,
  type ServiceInstanceDecl,
  type UpstreamDecl,
} from '../model/types.ts';
import { ChainMemo } from './chain-memo.ts';
import { buildEntryIndex, type EntryIndex } from './entry-index.ts';
import { chainWithMode } from './passes/chain-mode-variant.ts';
import { checkPlatform } from './passes/check-platform.ts';
import { type ChainBaseResult, type ChainResult, compileChainBase } from './passes/compile-chains.ts';
import { type ResolvedUpstream, resolveGatewayModes } from './passes/resolve-gateway-modes.ts';
import { OverridesTable, upstreamChainOverrides } from './passes/resolve-upstream-config.ts';
import { ServiceMap } from './service-map.ts';
import type { ChainCompileError, ChainOverrides, Compilation, CompiledUpstream, ModeDecision } from './types.ts';
import { validationPasses } from './validation-passes.ts';

/** Adds meshcc's ownership metadata to an entry; the user's own `Meta` keys are kept. */
export function withOwnershipMeta(entry: ConfigEntry, environment: string): ConfigEntry {
  return {
    ...entry,
    Meta: { ...(entry.Meta ?? {}), [MANAGED_BY_KEY]: MANAGED_BY_VALUE, [ENVIRONMENT_KEY]: environment },
  } as ConfigEntry;
}

/** Pass: the effective entry declarations (construct and file entries) with ownership `Meta`. */
export function effectiveEntries(model: MeshModel): PassResult<EntryDecl[]> {
  return {
    value: model.entries.map((d) => ({ ...d, entry: withOwnershipMeta(d.entry, model.name) })),
    diagnostics: [],
  };
}

/** One destination compiled in one datacenter with one set of protocol/timeout overrides, and its mode variants. */
interface ChainFamily {
  readonly dc: string;
  /** The overrides without a mesh-gateway mode (one shared object per distinct set, see `OverridesTable`). */
  readonly overrides: ChainOverrides;
  readonly base: ChainBaseResult;
  /** The result per mode override asked for so far (a few: none, local, remote). */
  readonly byMode: { readonly mode: GatewayMode | undefined; readonly result: ChainResult }[];
}

/** What the chain pass keeps per destination service: looked up once per upstream. */
interface Destination {
  /** Its service-defaults (`null`: none), which the overrides of every upstream to it read. */
  readonly serviceDefaults: ServiceDefaultsEntry | null;
  /** Its chain families: a few (datacenters × protocol/timeout overrides), so a short list. */
  readonly families: ChainFamily[];
}

/**
 * Compiled chains by destination, then (datacenter, overrides without mode), then mode. The mesh-gateway mode of the
 * request only changes the chain's targets (`chainWithMode`), so each destination is compiled once per datacenter and
 * protocol/timeout, not once per mode.
 */
class ChainCache {
  private readonly byDestination = new ServiceMap<Destination>();

  constructor(private readonly index: EntryIndex) {}

  destination(u: UpstreamDecl): Destination {
    const { destinationName: name, destinationNamespace: ns, destinationPartition: ap } = u;
    let d = this.byDestination.get(name, ns, ap);
    if (!d) {
      d = { serviceDefaults: this.index.serviceDefaults(name, ns, ap)?.entry ?? null, families: [] };
      this.byDestination.set(name, ns, ap, d);
    }
    return d;
  }
}

function findFamily(d: Destination, dc: string, overrides: ChainOverrides): ChainFamily | undefined {
  for (const f of d.families) if (f.dc === dc && f.overrides === overrides) return f;
  return undefined;
}

function addFamily(d: Destination, dc: string, overrides: ChainOverrides, base: ChainBaseResult): ChainFamily {
  const f: ChainFamily = { dc, overrides, base, byMode: [] };
  d.families.push(f);
  return f;
}

/** The result of a family for one mode override: the same object for every upstream asking for it. */
function variant(f: ChainFamily, mode: GatewayMode | undefined): ChainResult {
  for (const v of f.byMode) if (v.mode === mode) return v.result;
  const b = f.base;
  const result = 'error' in b ? b : { chain: chainWithMode(b.base, mode) };
  f.byMode.push({ mode, result });
  return result;
}

/** A chain Consul (or meshcc) would not compile, reported at the upstream that asks for it. */
function chainDiagnostic(upstream: UpstreamDecl, targetDatacenter: string, e: ChainCompileError): Diagnostic {
  const at = { path: upstream.path, ...(upstream.span ? { span: upstream.span } : {}) };
  return diag(ChainCompileFailed, at, {
    upstream: upstream.path,
    service: upstream.destinationName,
    dc: targetDatacenter,
    message: e.message,
  });
}

/**
 * One compiled upstream: an object literal per shape (same fields in the same order as the type), so each is a single
 * allocation with its fields in the object itself.
 */
function compiledUpstream(
  instance: ServiceInstanceDecl,
  upstream: UpstreamDecl,
  targetDatacenter: string,
  mode: ModeDecision,
  result: ChainResult,
): CompiledUpstream {
  const { path, span } = upstream;
  const { service, datacenter } = instance;
  const destination = upstream.destinationName;
  if ('chain' in result) {
    const chain = result.chain;
    return span
      ? { path, span, service, datacenter, destination, targetDatacenter, mode, chain }
      : { path, service, datacenter, destination, targetDatacenter, mode, chain };
  }
  const error = result.error;
  return span
    ? { path, span, service, datacenter, destination, targetDatacenter, mode, error }
    : { path, service, datacenter, destination, targetDatacenter, mode, error };
}

/**
 * Pass: compiles the chain of every resolved upstream. Chains are pure functions of (service, datacenter,
 * overrides), so each distinct request is compiled once and shared (and each mode override derived, not compiled).
 */
export function compileUpstreamChains(
  model: MeshModel,
  index: EntryIndex,
  resolved: readonly ResolvedUpstream[],
): PassResult<CompiledUpstream[]> {
  const cache = new ChainCache(index);
  const memo = new ChainMemo(model.trustDomain);
  const overridesTable = new OverridesTable();
  const diagnostics: Diagnostic[] = [];
  const value: CompiledUpstream[] = [];
  for (let i = 0; i < resolved.length; i++) {
    // The resolved upstream is its mode decision (see `ResolvedUpstream`).
    const mode = resolved[i]!;
    const { instance, upstream } = mode;
    const targetDatacenter = upstream.datacenter ?? instance.datacenter;
    const destination = cache.destination(upstream);
    const overrides = upstreamChainOverrides(
      instance,
      upstream,
      index,
      mode,
      overridesTable,
      destination.serviceDefaults,
    );
    const baseOverrides = overridesTable.withoutMode(overrides);
    const family =
      findFamily(destination, targetDatacenter, baseOverrides) ??
      addFamily(
        destination,
        targetDatacenter,
        baseOverrides,
        compileChainBase(
          {
            serviceName: upstream.destinationName,
            namespace: upstream.destinationNamespace,
            partition: upstream.destinationPartition,
            evaluateInDatacenter: targetDatacenter,
            trustDomain: model.trustDomain,
            entries: index,
            overrides: baseOverrides,
          },
          memo,
        ),
      );
    const result = variant(family, overrides.meshGateway);
    if ('error' in result) diagnostics.push(chainDiagnostic(upstream, targetDatacenter, result.error));
    value.push(compiledUpstream(instance, upstream, targetDatacenter, mode, result));
  }
  return { value, diagnostics };
}

/**
 * Collects pass results without spreading arrays into `push` (a mesh of 50k services yields hundreds of thousands of
 * findings, more than a spread call's argument limit).
 */
class Findings {
  private readonly parts: (readonly Diagnostic[])[] = [];

  take<T>(r: PassResult<T>): T {
    this.parts.push(r.diagnostics);
    return r.value;
  }

  sorted(): Diagnostic[] {
    return this.parts.flat().sort(compareDiagnostics);
  }
}

/** Compiles a mesh model: effective entries, mode decisions, chains and every diagnostic. Pure. */
export function compile(model: MeshModel): Compilation {
  const bag = new Findings();
  const decls = bag.take(effectiveEntries(model));
  const index = bag.take(buildEntryIndex(decls));
  const resolved = bag.take(resolveGatewayModes(model, index));
  const upstreams = bag.take(compileUpstreamChains(model, index, resolved));
  bag.take(checkPlatform(model, upstreams));
  for (const pass of validationPasses) bag.take(pass(model, upstreams));
  return {
    model,
    entries: index.all.map((d) => d.entry),
    upstreams,
    diagnostics: bag.sorted(),
  };
}
