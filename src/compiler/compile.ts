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
import type { ConfigEntry } from '../model/entries.ts';
import {
  ENVIRONMENT_KEY,
  type EntryDecl,
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  type MeshModel,
  type ServiceInstanceDecl,
  type UpstreamDecl,
} from '../model/types.ts';
import { ChainMemo } from './chain-memo.ts';
import { buildEntryIndex, type EntryIndex } from './entry-index.ts';
import { checkPlatform } from './passes/check-platform.ts';
import { type ChainResult, compileChain } from './passes/compile-chains.ts';
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

/**
 * Compiled chains by destination, then (datacenter, overrides): a destination is compiled in a few datacenters with a
 * few overrides (one shared object per distinct overrides, see `OverridesTable`), so a short list per destination.
 */
class ChainCache {
  private readonly byDestination = new ServiceMap<{ dc: string; overrides: ChainOverrides; result: ChainResult }[]>();

  get(u: UpstreamDecl, datacenter: string, overrides: ChainOverrides): ChainResult | undefined {
    const list = this.byDestination.get(u.destinationName, u.destinationNamespace, u.destinationPartition);
    if (list) for (const c of list) if (c.dc === datacenter && c.overrides === overrides) return c.result;
    return undefined;
  }

  set(u: UpstreamDecl, datacenter: string, overrides: ChainOverrides, result: ChainResult): void {
    let list = this.byDestination.get(u.destinationName, u.destinationNamespace, u.destinationPartition);
    if (!list) {
      list = [];
      this.byDestination.set(u.destinationName, u.destinationNamespace, u.destinationPartition, list);
    }
    list.push({ dc: datacenter, overrides, result });
  }
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
 * overrides), so each distinct request is compiled once and shared.
 */
export function compileUpstreamChains(
  model: MeshModel,
  index: EntryIndex,
  resolved: readonly ResolvedUpstream[],
): PassResult<CompiledUpstream[]> {
  const cache = new ChainCache();
  const memo = new ChainMemo(model.trustDomain);
  const overridesTable = new OverridesTable();
  const diagnostics: Diagnostic[] = [];
  const value: CompiledUpstream[] = [];
  for (const { instance, upstream, mode } of resolved) {
    const targetDatacenter = upstream.datacenter ?? instance.datacenter;
    const overrides = upstreamChainOverrides(instance, upstream, index, mode, overridesTable);
    let result = cache.get(upstream, targetDatacenter, overrides);
    if (!result) {
      result = compileChain(
        {
          serviceName: upstream.destinationName,
          namespace: upstream.destinationNamespace,
          partition: upstream.destinationPartition,
          evaluateInDatacenter: targetDatacenter,
          trustDomain: model.trustDomain,
          entries: index,
          overrides,
        },
        memo,
      );
      cache.set(upstream, targetDatacenter, overrides, result);
    }
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
  bag.take(checkPlatform(model));
  for (const pass of validationPasses) bag.take(pass(model, upstreams));
  return {
    model,
    entries: index.all.map((d) => d.entry),
    upstreams,
    diagnostics: bag.sorted(),
  };
}
