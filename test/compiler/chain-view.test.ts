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
import { chainFacts, chainLegs, hasL7 } from '../../src/compiler/chain-legs.ts';
import { compile } from '../../src/compiler/compile.ts';
import { indexEntries } from '../../src/compiler/entry-index.ts';
import { compileChain } from '../../src/compiler/passes/compile-chains.ts';
import { chainTargets } from '../../src/compiler/reach.ts';
import type { CompiledChain, CompiledUpstream } from '../../src/compiler/types.ts';
import type { CaseRecord } from '../consul/l7-fuzz.ts';

/** Reads `chain` as the validation passes do, then checks it against its JSON parsed back; returns the checks made. */
function checkViewAgainstJson(chain: CompiledChain): number {
  // Read through the view first, before anything builds the JSON.
  const legs = chainLegs(chain);
  const facts = chainFacts(chain);
  const refs = chainTargets({ chain } as CompiledUpstream);
  const l7 = hasL7(chain);
  const json = JSON.parse(JSON.stringify(chain)) as CompiledChain;
  expect(legs).toEqual(chainLegs(json));
  expect(facts).toEqual(chainFacts(json));
  expect(refs).toEqual(chainTargets({ chain: json } as CompiledUpstream));
  expect(l7).toBe(hasL7(json));
  expect(Object.keys(chain)).toEqual(Object.keys(json));
  // The JSON, now built, holds the objects the view read.
  for (const t of facts.targets) expect(chain.Targets[t.ID]).toBe(t);
  expect(Object.values(chain.Targets)).toEqual(facts.targets);
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

  it('for every chain of a generated L7 mesh (mode variants included)', () => {
    const { upstreams } = compile(generateMesh(300, 5, { l7: true }));
    const chains = new Set(upstreams.flatMap((u) => (u.chain ? [u.chain] : [])));
    let legs = 0;
    for (const chain of chains) legs += checkViewAgainstJson(chain);
    expect(chains.size).toBeGreaterThan(100);
    expect(legs).toBeGreaterThan(chains.size);
  });
});
