/**
 * The validation passes read a compiled chain's graph through `chain-view.ts`, from the compact form the compiler
 * keeps (its `Nodes` / `Targets` JSON is built only when read). What they read must be what the JSON says: for every
 * recorded L7 fuzz case (routers, splitters, flattened weights, failover, redirects, overrides) and every chain of a
 * generated L7 mesh (mesh-gateway mode variants), the legs, facts and targets read from a fresh chain equal those read
 * from its JSON parsed back, and the JSON built afterwards holds the very target objects the view handed out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateMesh } from '../../bench/generate-mesh.ts';
import {
  type ChainFacts,
  chainFacts,
  chainLegs,
  type FactTarget,
  hasL7,
  legFirstTargets,
  targetMode,
} from '../../src/compiler/chain-legs.ts';
import { compile } from '../../src/compiler/compile.ts';
import { indexEntries } from '../../src/compiler/entry-index.ts';
import { chainWithMode } from '../../src/compiler/passes/chain-mode-variant.ts';
import { compileChain, compileChainBase } from '../../src/compiler/passes/compile-chains.ts';
import { chainTargets } from '../../src/compiler/reach.ts';
import type { ChainTarget, CompiledChain, CompiledUpstream } from '../../src/compiler/types.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import type { CaseRecord } from '../consul/l7-fuzz.ts';

/** The `ChainTarget` fields the validation passes read of each target of a chain's facts. */
function factValues(facts: ChainFacts, targets: readonly FactTarget[] = facts.targets) {
  return targets.map((t) => ({
    Service: t.service,
    ServiceSubset: t.subset || undefined,
    Namespace: t.namespace,
    Partition: t.partition,
    Datacenter: t.datacenter,
    Peer: t.peer,
    Mode: targetMode(facts, t),
    Filter: t.filter,
  }));
}

/** The same fields of a rendered target. */
function renderedValues(t: ChainTarget) {
  return {
    Service: t.Service,
    ServiceSubset: t.ServiceSubset,
    Namespace: t.Namespace,
    Partition: t.Partition,
    Datacenter: t.Datacenter,
    Peer: t.Peer,
    Mode: t.MeshGateway.Mode,
    Filter: t.Subset.Filter,
  };
}

/** Reads `chain` as the validation passes do, then checks it against its JSON parsed back; returns the checks made. */
function checkViewAgainstJson(chain: CompiledChain): number {
  // Read through the view first, before anything builds the JSON.
  const legs = chainLegs(chain);
  const facts = chainFacts(chain);
  const refs = chainTargets({ chain } as CompiledUpstream);
  const l7 = hasL7(chain);
  const json = JSON.parse(JSON.stringify(chain)) as CompiledChain;
  expect(legs).toEqual(chainLegs(json));
  expect(factValues(facts)).toEqual(factValues(chainFacts(json)));
  expect(facts.modeFree).toBe(chainFacts(json).modeFree);
  // Each leg's first target, read from the facts without building legs, is the one the legs hold.
  const firsts = legs.flatMap((l) => (l.targets[0] ? [renderedValues(l.targets[0].target)] : []));
  expect(factValues(facts, legFirstTargets(chain, facts))).toEqual(firsts);
  expect(factValues(chainFacts(json), legFirstTargets(json, chainFacts(json)))).toEqual(firsts);
  expect(refs).toEqual(chainTargets({ chain: json } as CompiledUpstream));
  expect(l7).toBe(hasL7(json));
  expect(Object.keys(chain)).toEqual(Object.keys(json));
  // The facts read (from the work form, nothing rendered) what the JSON, now built, holds: the same targets in the
  // same order, field by field.
  expect(factValues(facts)).toEqual(Object.values(chain.Targets).map(renderedValues));
  expect(facts.modeFree).toBe(Object.values(chain.Targets).every((t) => t.MeshGateway.Mode !== undefined));
  return legs.length;
}

describe('chain view (what validation reads) equals the chain JSON', () => {
  it('for every recorded L7 case', () => {
    const dir = join(import.meta.dirname, 'fixtures', 'l7-chains');
    let chains = 0;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const { cases } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cases: CaseRecord[] };
      for (const c of cases) {
        const index = indexEntries(c.entries.filter((_, i) => c.writes[i] === true));
        for (const q of c.chains) {
          const r = compileChain({
            serviceName: q.service,
            evaluateInDatacenter: q.dc,
            trustDomain: c.trustDomain,
            entries: index,
            overrides: c.overrides,
          });
          if ('chain' in r) {
            checkViewAgainstJson(r.chain);
            chains++;
          }
        }
      }
    }
    expect(chains).toBeGreaterThan(50);
  });

  it('for every chain recorded from Consul, and each of its mesh-gateway mode variants (external targets kept)', () => {
    const fixture = JSON.parse(
      readFileSync(join(import.meta.dirname, 'fixtures', 'consul-v1.22.7-chains.json'), 'utf8'),
    ) as { scenarios: { service: string; datacenter: string; entries: ConfigEntry[] }[] };
    let chains = 0;
    let external = 0;
    for (const s of fixture.scenarios) {
      const r = compileChainBase({
        serviceName: s.service,
        evaluateInDatacenter: s.datacenter,
        trustDomain: 'example.consul',
        entries: indexEntries(s.entries),
      });
      if (!('base' in r)) continue;
      for (const mode of [undefined, 'none', 'local', 'remote'] as const) {
        const chain = chainWithMode(r.base, mode);
        checkViewAgainstJson(chain);
        chains++;
        if (mode !== undefined && Object.values(chain.Targets).some((t) => t.External)) external++;
      }
    }
    expect(chains).toBeGreaterThan(100);
    expect(external).toBeGreaterThan(0);
  });

  it('for every chain of a generated L7 mesh (mode variants included)', () => {
    const { upstreams } = compile(generateMesh(300, 5, { l7: true }));
    const chains = new Set(upstreams.flatMap((u) => (u.chain ? [u.chain] : [])));
    let legs = 0;
    for (const chain of chains) legs += checkViewAgainstJson(chain);
    expect(chains.size).toBeGreaterThan(100);
    expect(legs).toBeGreaterThan(chains.size);
  });
});
