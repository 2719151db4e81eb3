/**
 * The chain numbering the chain pass makes while it compiles (`compileUpstreamChains`, recorded for the validation
 * passes) must be exactly what `upstreamChains` computes from the compiled upstreams on its own: same chain numbers,
 * first upstreams, unchained upstreams, chain facts, reach groups. Checked on the benchmark's generated meshes (plain
 * and L7) and on variants with chain errors, instance and upstream mode overrides and shared upstream lists.
 */
import { describe, expect, it } from 'vitest';
import { generateMesh } from '../../bench/generate-mesh.ts';
import { chainFacts, upstreamChains } from '../../src/compiler/chain-legs.ts';
import { compileUpstreamChains, effectiveEntries } from '../../src/compiler/compile.ts';
import { buildEntryIndex } from '../../src/compiler/entry-index.ts';
import { lazyChainState, lazyTargetsCarryMode } from '../../src/compiler/passes/chain-json.ts';
import { resolveGatewayModes } from '../../src/compiler/passes/resolve-gateway-modes.ts';
import type { EntryDecl, MeshModel, ServiceInstanceDecl } from '../../src/model/types.ts';

function chainPass(model: MeshModel) {
  const index = buildEntryIndex(effectiveEntries(model).value).value;
  const resolved = resolveGatewayModes(model, index).value;
  return { index, resolved, compiled: compileUpstreamChains(model, index, resolved) };
}

/** `upstreamChains` computed from the upstreams themselves (a new list: nothing recorded for it). */
function computed(list: readonly object[]) {
  return upstreamChains([...(list as Parameters<typeof upstreamChains>[0])]);
}

/** A generated mesh with chain errors, instance and upstream modes, and instances that share an upstream list. */
function varied(l7: boolean): MeshModel {
  const m = generateMesh(90, 5, { l7 });
  // A redirect to a subset nobody defines: every chain of svc-00003 fails to compile (MC2002), in each datacenter.
  const redirect: EntryDecl = {
    path: 'bench/svc-00003/resolver',
    origin: 'construct',
    entry: { Kind: 'service-resolver', Name: 'svc-00003', Redirect: { Service: 'svc-00006', ServiceSubset: 'nope' } },
  };
  const instances: ServiceInstanceDecl[] = m.instances.map((i, n) => {
    if (n % 7 === 0) return { ...i, meshGateway: n % 2 === 0 ? 'remote' : 'none' };
    if (n % 11 === 0) {
      return { ...i, upstreams: i.upstreams.map((u, k) => (k === 0 ? { ...u, meshGateway: 'local' as const } : u)) };
    }
    return i;
  });
  // A second group sharing the first instance's upstream list (the resolver reuses its shapes).
  instances.splice(1, 0, { ...instances[0]!, path: `${instances[0]!.path}/canary`, group: 'canary' });
  // Plain: proxy-defaults without a mode, so chains to services without a mode of their own have targets without
  // one (unless the request overrides it), and their groups split by the callers' fallback modes.
  const entries = m.entries
    .filter((d) => d.path !== redirect.path)
    .map((d) =>
      !l7 && d.entry.Kind === 'proxy-defaults'
        ? { ...d, entry: { Kind: 'proxy-defaults', Name: 'global' } as const }
        : d,
    );
  return { ...m, instances, entries: [...entries, redirect] };
}

describe('chain numbering made by the chain pass', () => {
  it('meets chains whose targets all carry a mode and chains with a target without one', () => {
    const seen = new Set<boolean>();
    for (const l7 of [false, true]) {
      const ups = chainPass(varied(l7)).compiled.value;
      for (const f of upstreamChains(ups).facts) seen.add(f.modeFree);
    }
    expect([...seen].sort()).toEqual([false, true]);
  });

  const models: [string, MeshModel][] = [
    ['plain', generateMesh(120, 5)],
    ['l7', generateMesh(120, 5, { l7: true })],
    ['plain with errors and modes', varied(false)],
    ['l7 with errors and modes', varied(true)],
  ];
  for (const [name, model] of models) {
    it(`equals upstreamChains' own numbering: ${name}`, () => {
      const { compiled } = chainPass(model);
      const ups = compiled.value;
      const recorded = upstreamChains(ups);
      const own = computed(ups);
      expect(recorded).not.toBe(own);
      expect(recorded).toEqual(own);
      expect(own.first.length).toBeGreaterThan(10);
      // The groups are made with each chain's `modeFree` read from its work form; the facts render the targets.
      const modeFree = own.facts.map((_, id) => lazyTargetsCarryMode(ups[own.first[id]!]!.chain!));
      expect(modeFree).toEqual(own.facts.map((f) => f.modeFree));
      expect(new Set(own.groupOf).size).toBeGreaterThan(own.first.length);
      // Work numbers: two chains share one exactly when they share their work form (nodes and target list), numbered
      // in chain order; the groups' datacenter and mode are their first upstream's.
      const works = Array.from(own.first, (k) => lazyChainState(ups[k]!.chain!)!.work);
      for (let a = 0; a < works.length; a++) {
        expect(own.workOf[a]).toBe(
          works.indexOf(works[a]!) === a ? new Set(works.slice(0, a)).size : own.workOf[works.indexOf(works[a]!)],
        );
        // Chains of one work form share one list of fact targets.
        expect(own.facts[a]!.targets).toBe(own.facts[works.indexOf(works[a]!)]!.targets);
        expect(own.facts[a]!.targets.map((t) => t.service)).toEqual(works[a]!.targets.map((t) => t.opts.service));
      }
      expect(own.works).toBe(new Set(works).size);
      // The facts (made from the numbering's per-chain and per-work arrays, which the passes read) are what the
      // chain itself gives.
      own.facts.forEach((f, id) => {
        expect(f).toEqual(chainFacts(ups[own.first[id]!]!.chain!));
        expect(f.targets).toBe(own.workTargets[own.workOf[id]!]);
      });
      expect(recorded.facts.some((f) => f.variant)).toBe(true);
      // The passes read an upstream's destination and target datacenter from its chain's facts: every upstream
      // holding a chain is to the chain's service, compiled in the chain's datacenter.
      ups.forEach((u, k) => {
        if (!u.chain) return;
        const facts = own.facts[own.chainOf[k]!]!;
        expect(u.destination).toBe(facts.destination);
        expect(u.targetDatacenter).toBe(facts.datacenter);
      });
      expect(own.works).toBeLessThan(own.first.length);
      own.groupFirst.forEach((k, g) => {
        const u = ups[k]!;
        expect(own.groupDc[g]).toBe(u.datacenter);
        expect(own.groupMode[g]).toBe(own.facts[own.chainOf[k]!]!.modeFree ? undefined : u.mode.mode);
      });
      if (name.includes('errors')) {
        expect(compiled.diagnostics.length).toBeGreaterThan(0);
        expect(own.unchained.length).toBe(compiled.diagnostics.length);
      }
    });
  }

  it('leaves the numbering to upstreamChains when the upstreams were compiled by an earlier call', () => {
    const model = varied(true);
    const { index, resolved } = chainPass(model);
    const first = upstreamChains(resolved);
    // A second compile of the same upstreams meets shapes compiled already: it records nothing (the validation
    // passes number the chains themselves), and every result reads as before.
    const again = compileUpstreamChains(model, index, resolved);
    expect(again.value).toBe(resolved);
    expect(upstreamChains(again.value)).toEqual(first);
    const half = resolved.slice(0, resolved.length >> 1);
    expect(upstreamChains(half)).toEqual(computed(half));
  });
});
