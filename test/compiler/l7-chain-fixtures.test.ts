/**
 * Replays every recorded L7 fuzz case (`fixtures/l7-chains/*.json`, written by `npm run fuzz:chains` and by
 * `test/consul/l7-chain-fuzz.test.ts`: what a live Consul v1.22.7 answered) without Consul: each write must get one
 * of the answers meshcc's `WriteSimulator` gives, and every chain (or chain error) must equal meshcc's. `found-*`
 * files are cases where meshcc once disagreed with Consul; `recorded-*` files are plain samples.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CaseRecord, compareCase } from '../consul/l7-fuzz.ts';

const dir = join(import.meta.dirname, 'fixtures', 'l7-chains');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('recorded L7 discovery-chain cases replay exactly', () => {
  it('has fixtures to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file, () => {
      const { cases } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cases: CaseRecord[] };
      expect(cases.length).toBeGreaterThan(0);
      for (const c of cases) {
        const r = compareCase(c);
        expect(r.mismatches).toEqual([]);
        expect(r.compared).toBe(c.chains.length);
      }
    });
  }
});
