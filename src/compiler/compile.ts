/**
 * `compile(model)`: the compiler pipeline, a list of named pure passes (reads like Consul's `compile()`).
 *
 * 1. effective-entries: construct + file entries, with meshcc's ownership `Meta` merged in (user keys kept);
 * 2. index-entries: one entry per kind/name (MC2001 for a second definition), timeouts checked (MC2004);
 * 3. resolve-gateway-modes: the mode of every (instance, upstream), with its precedence ladder, and the chain request
 *    its sidecar would send: the upstream's compile datacenter (its `datacenter`, else the caller's) and overrides;
 *    upstreams with the same answers share one `UpstreamShape` (see `compiled-upstream.ts`);
 * 4. compile-chains: the discovery chain of each distinct request (MC2002 at each upstream when Consul would refuse
 *    it, routers and splitters included);
 * 5. platform and validation passes (`validation-passes.ts`): reachability and consistency checks.
 *
 * Every pass collects all of its findings; diagnostics come back sorted by file, line and code.
 */
import { ChainCompileFailed } from '../diagnostics/codes/resolution.ts';
import { compareDiagnostics, type Diagnostic, diag, type PassResult } from '../diagnostics/diagnostic.ts';
import { copyWith } from '../model/data-copy.ts';
import type { ConfigEntry } from '../model/entries.ts';
import {
  ENVIRONMENT_KEY,
  type EntryDecl,
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  type MeshModel,
  type UpstreamDecl,
} from '../model/types.ts';
import { ChainNumbering, presetUpstreamChains } from './chain-legs.ts';
import { ChainMemo } from './chain-memo.ts';
import type { ShapeRequest, UpstreamShape } from './compiled-upstream.ts';
import { buildEntryIndex, type EntryIndex } from './entry-index.ts';
import type { ChainBase, ModeChain } from './passes/chain-mode-variant.ts';
import { checkPlatform } from './passes/check-platform.ts';
import { type ChainBaseResult, compileChainBase } from './passes/compile-chains.ts';
import { type ResolvedUpstream, resolveGatewayModes } from './passes/resolve-gateway-modes.ts';
import type { ChainCompileError, Compilation, CompiledUpstream } from './types.ts';
import { validationPasses } from './validation-passes.ts';

/** Adds meshcc's ownership metadata to an entry; the user's own `Meta` keys are kept. */
export function withOwnershipMeta(entry: ConfigEntry, environment: string): ConfigEntry {
  const meta = copyWith(copyWith(entry.Meta ?? {}, MANAGED_BY_KEY, MANAGED_BY_VALUE), ENVIRONMENT_KEY, environment);
  return copyWith(entry, 'Meta', meta);
}

/**
 * Pass: the effective entry declarations (construct and file entries) with ownership `Meta`.
 *
 * An entry without `Meta` of its own gets the same `Meta` as every other such entry (nearly all of them), so the
 * pass shares one frozen object between them instead of making one per entry: entries are read-only data (a frozen
 * object makes a write fail loudly), and what is read or printed is the same as `withOwnershipMeta`'s.
 */
export function effectiveEntries(model: MeshModel): PassResult<EntryDecl[]> {
  const ownership: Readonly<Record<string, string>> = Object.freeze({
    [MANAGED_BY_KEY]: MANAGED_BY_VALUE,
    [ENVIRONMENT_KEY]: model.name,
  });
  const value: EntryDecl[] = [];
  const entries = model.entries;
  for (let i = 0; i < entries.length; i++) {
    const d = entries[i]!;
    const e = d.entry;
    const entry =
      e.Meta === undefined || e.Meta === null ? copyWith(e, 'Meta', ownership) : withOwnershipMeta(e, model.name);
    // `copyWith`, not `{ ...d, entry }` / `{ ...e, Meta }`: a spread followed by a property gives every copy a hidden
    // class of its own (see data-copy.ts), 60,000 of them in the L7 10k mesh.
    value.push(copyWith(d, 'entry', entry));
  }
  return { value, diagnostics: [] };
}

/**
 * The number of a mode variant's chain in `numbering`, numbered at upstream `k` if new. A family's chains are its own
 * (each family compiles its base chain, and a mode's chain is derived from it, `chainWithMode`), but two of its
 * variants can hold the same chain (no override, and an override that changes no target): those share a number.
 */
function variantNumber(base: ChainBase, v: ModeChain, numbering: ChainNumbering, k: number) {
  const token = numbering.token;
  if (v.numbering === token) return v.number;
  let number = -1;
  for (let w = base.firstVariant(); w !== undefined; w = w.next) {
    if (w.numbering === token && w.chain === v.chain) number = w.number;
  }
  if (number < 0) number = numbering.add(v.chain, k);
  v.numbering = token;
  v.number = number;
  return number;
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

/** A request's family compiled once (without a mode override; a chain compile error is every mode's). */
function familyResult(request: ShapeRequest, trustDomain: string, index: EntryIndex, memo: ChainMemo): ChainBaseResult {
  const f = request.family;
  if (f.base === undefined) {
    f.base = compileChainBase(
      {
        serviceName: f.serviceName,
        namespace: f.namespace,
        partition: f.partition,
        evaluateInDatacenter: f.dc,
        trustDomain,
        entries: index,
        overrides: f.overrides,
      },
      memo,
    );
  }
  return f.base;
}

/**
 * Pass: compiles the chain of every resolved upstream. Chains are pure functions of (service, datacenter,
 * overrides), so each distinct request is compiled once and shared (and each mode override derived, not compiled):
 * the resolved upstreams share a few thousand `UpstreamShape`s, each compiled when its first upstream comes (so
 * chains are compiled, and diagnostics reported, in declaration order). The resolved upstreams are the compiled ones:
 * filling in their shapes' chains is all this pass does to them.
 *
 * The same walk numbers the chains for the validation passes (`upstreamChains`, recorded with
 * `presetUpstreamChains`): a chain gets its number where its variant is made (no map keyed by chain objects), an
 * upstream takes its shape's, and its reach group is the shape's last one unless its caller's datacenter differs;
 * `upstreamChains` would otherwise walk every upstream again with a map lookup each.
 */
export function compileUpstreamChains(
  model: MeshModel,
  index: EntryIndex,
  resolved: readonly ResolvedUpstream[],
): PassResult<CompiledUpstream[]> {
  const memo = new ChainMemo(model.trustDomain);
  const diagnostics: Diagnostic[] = [];
  const numbering = new ChainNumbering(resolved.length);
  const { chainOf, groupOf, token } = numbering;
  // The shapes compiled here: their requests are dropped at the end (they hold the numbering's bookkeeping till then).
  // At most one per upstream, so made at that length once (a list that large is allocated outside the young
  // generation, where a list grown by `push` to 30,000 shapes left ≈ 1.2 MB of outgrown copies to scavenge).
  const compiled: UpstreamShape[] = new Array(resolved.length);
  let compiledCount = 0;
  // False once a shape compiled by an earlier call is met (its request dropped): the validation passes then number
  // the chains themselves (`upstreamChains`).
  let numbered = true;
  for (let k = 0; k < resolved.length; k++) {
    const u = resolved[k]!;
    const shape = u.shape;
    const request = shape.request;
    if (request === undefined) numbered = false;
    else if (request.numbering !== token) {
      // The shape's first upstream: compile its chain and number it.
      request.numbering = token;
      // The family's chain for the request's mode override (`ChainBase.withMode`: made once per mode).
      const result = familyResult(request, model.trustDomain, index, memo);
      if ('base' in result) {
        const v = result.base.withMode(request.sidecarMode);
        shape.chain = v.chain;
        request.chainNumber = variantNumber(result.base, v, numbering, k);
      } else {
        shape.error = result.error;
        request.chainNumber = -1;
      }
      compiled[compiledCount++] = shape;
    }
    const error = shape.error;
    if (error !== undefined) diagnostics.push(chainDiagnostic(u.upstream, shape.targetDatacenter, error));
    if (!numbered) continue;
    const id = request!.chainNumber;
    if (id < 0) {
      numbering.none(k);
      continue;
    }
    chainOf[k] = id;
    const dc = u.caller.datacenter;
    if (request!.groupDc !== dc) {
      request!.group = numbering.group(id, dc, numbering.modeFree(id) ? undefined : shape.decision.mode, k);
      request!.groupDc = dc;
    }
    groupOf[k] = request!.group;
  }
  for (let i = 0; i < compiledCount; i++) compiled[i]!.request = undefined;
  if (numbered) presetUpstreamChains(resolved, numbering);
  // The same array: nothing else holds it (the pass before made it for this one), and it is read-only from here on.
  return { value: resolved as ResolvedUpstream[], diagnostics };
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
