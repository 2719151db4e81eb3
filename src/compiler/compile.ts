/**
 * `compile(model)`: the compiler pipeline, a list of named pure passes (reads like Consul's `compile()`).
 *
 * 1. effective-entries: construct + file entries, with meshcc's ownership `Meta` merged in (user keys kept);
 * 2. index-entries: one entry per kind/name (MC2001 for a second definition), timeouts checked (MC2004);
 * 3. resolve-gateway-modes: the mode of every (instance, upstream), with its precedence ladder;
 * 4. compile-chains: each upstream's discovery chain in its compile datacenter (the upstream's `datacenter`, else
 *    the caller's), with the overrides the caller's sidecar would send (MC2002 when Consul would refuse it, MC2003
 *    when a router/splitter is in play);
 * 5. platform and validation passes (`validation-passes.ts`): reachability and consistency checks.
 *
 * Every pass collects all of its findings; diagnostics come back sorted by file, line and code.
 */
import { ChainCompileFailed, L7ChainNotCompiled } from '../diagnostics/codes/resolution.ts';
import { compareDiagnostics, type Diagnostic, diag, type PassResult } from '../diagnostics/diagnostic.ts';
import type { ConfigEntry } from '../model/entries.ts';
import {
  ENVIRONMENT_KEY,
  type EntryDecl,
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  type MeshModel,
  type UpstreamDecl,
} from '../model/types.ts';
import { buildEntryIndex, type EntryIndex } from './entry-index.ts';
import { checkPlatform } from './passes/check-platform.ts';
import { type ChainResult, compileChain } from './passes/compile-chains.ts';
import { type ResolvedUpstream, resolveGatewayModes } from './passes/resolve-gateway-modes.ts';
import { upstreamChainOverrides } from './passes/resolve-upstream-config.ts';
import { ServiceMap } from './service-map.ts';
import type { ChainOverrides, Compilation, CompiledUpstream } from './types.ts';
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

function overridesKey(o: ChainOverrides): string {
  return `${o.meshGateway ?? ''}|${o.protocol ?? ''}|${o.connectTimeout ?? ''}`;
}

/**
 * Compiled chains by destination, then (datacenter, overrides key): a destination is compiled in a few datacenters
 * with a few overrides, so a short list per destination (no long key string per upstream).
 */
class ChainCache {
  private readonly byDestination = new ServiceMap<{ dc: string; overrides: string; result: ChainResult }[]>();

  get(u: UpstreamDecl, datacenter: string, overrides: string): ChainResult | undefined {
    const list = this.byDestination.get(u.destinationName, u.destinationNamespace, u.destinationPartition) ?? [];
    for (const c of list) if (c.dc === datacenter && c.overrides === overrides) return c.result;
    return undefined;
  }

  set(u: UpstreamDecl, datacenter: string, overrides: string, result: ChainResult): void {
    let list = this.byDestination.get(u.destinationName, u.destinationNamespace, u.destinationPartition);
    if (!list) {
      list = [];
      this.byDestination.set(u.destinationName, u.destinationNamespace, u.destinationPartition, list);
    }
    list.push({ dc: datacenter, overrides, result });
  }
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
  const diagnostics: Diagnostic[] = [];
  const value = resolved.map(({ instance, upstream, mode }): CompiledUpstream => {
    const targetDatacenter = upstream.datacenter ?? instance.datacenter;
    const overrides = upstreamChainOverrides(instance, upstream, index, mode);
    const key = overridesKey(overrides);
    let result = cache.get(upstream, targetDatacenter, key);
    if (!result) {
      result = compileChain({
        serviceName: upstream.destinationName,
        namespace: upstream.destinationNamespace,
        partition: upstream.destinationPartition,
        evaluateInDatacenter: targetDatacenter,
        trustDomain: model.trustDomain,
        entries: index,
        overrides,
      });
      cache.set(upstream, targetDatacenter, key, result);
    }
    if ('error' in result) {
      const at = { path: upstream.path, ...(upstream.span ? { span: upstream.span } : {}) };
      const e = result.error;
      diagnostics.push(
        e.unsupported
          ? diag(L7ChainNotCompiled, at, {
              service: upstream.destinationName,
              dc: targetDatacenter,
              kind: e.unsupported,
            })
          : diag(ChainCompileFailed, at, {
              upstream: upstream.path,
              service: upstream.destinationName,
              dc: targetDatacenter,
              message: e.message,
            }),
      );
    }
    // Built field by field (same order as the type) rather than with spreads: one object per upstream, no temporaries.
    const compiled = { path: upstream.path } as { -readonly [K in keyof CompiledUpstream]: CompiledUpstream[K] };
    if (upstream.span) compiled.span = upstream.span;
    compiled.service = instance.service;
    compiled.datacenter = instance.datacenter;
    compiled.destination = upstream.destinationName;
    compiled.targetDatacenter = targetDatacenter;
    compiled.mode = mode;
    if ('chain' in result) compiled.chain = result.chain;
    else compiled.error = result.error;
    return compiled;
  });
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
