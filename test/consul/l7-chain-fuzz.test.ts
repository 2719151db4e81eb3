/**
 * CI run of the L7 discovery-chain differential fuzz (`l7-fuzz.ts`): 200 seeded random entry sets (routers,
 * splitters, resolvers, service-defaults/proxy-defaults protocols, overrides) written to a live Consul v1.22.7, every
 * write answer and every chain (4 services × dc1/dc2) compared with meshcc's. More cases on demand:
 * `npm run fuzz:chains -- --runs N`.
 *
 * Consul here is a private dev agent on a random loopback address, started once for this file and reused by every
 * case (entries are deleted between cases): the cases write the singleton proxy-defaults/global, which the shared
 * two-datacenter cluster of the other suites must not see change under them. Chains of both datacenters are asked
 * for with `compile-dc` (the chain compiler takes the datacenter as a plain string). A disagreement is saved as a
 * fixture (`test/compiler/fixtures/l7-chains/found-*.json`, replayed by `l7-chain-fixtures.test.ts`) and fails the
 * test. Skips loudly without the binary (fails under MESHCC_REQUIRE_PEERS=1).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevConsul, startDevConsul } from '../support/dev-consul.ts';
import { consulBinary, missingPeer } from '../support/peers.ts';
import { caseArb, runCase, saveFixture, trustDomainOf } from './l7-fuzz.ts';

const RUNS = 200;
const SEED = 12122026;
const consul = consulBinary();
const skip = !consul && missingPeer('real Consul binary', 'run scripts/setup-consul.sh or set MESHCC_CONSUL');

describe.skipIf(skip)('L7 discovery chains agree with a live Consul v1.22.7 on random meshes', () => {
  let base = '';
  let agent: DevConsul | undefined;

  beforeAll(async () => {
    agent = await startDevConsul(consul!, 'meshcc-l7fuzz', 78);
    base = agent.base;
  });

  afterAll(async () => {
    await agent?.stop();
  });

  it(`writes ${RUNS} random meshes and compiles every chain as Consul does, refusing what Consul refuses`, async () => {
    const td = await trustDomainOf(base);
    const failures: string[] = [];
    let compared = 0;
    let refused = 0;
    let l7 = 0;
    for (const [n, c] of fc.sample(caseArb, { numRuns: RUNS, seed: SEED }).entries()) {
      const r = await runCase(base, td, c);
      compared += r.compared;
      refused += r.refused;
      l7 += r.record.chains.filter((ch) => ch.chain && /"(router|splitter)"/.test(JSON.stringify(ch.chain))).length;
      if (r.mismatches.length > 0) {
        const file = saveFixture(`found-${SEED}-${n}`, [r.record]);
        failures.push(`case ${n} (saved ${file}):\n${r.mismatches.join('\n')}`);
      }
    }
    expect(failures).toEqual([]);
    expect(compared).toBe(RUNS * 8);
    // The generator must exercise both sides: chains with routers/splitters, and writes Consul refuses.
    expect(l7).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  }, 180_000);
});
