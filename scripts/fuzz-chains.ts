/**
 * `npm run fuzz:chains -- --runs N [--seed S] [--addr http://host:port] [--record K]`: the L7 discovery-chain
 * differential fuzz (test/consul/l7-fuzz.ts) for as many random cases as asked. Without `--addr` it starts its own
 * two-datacenter Consul v1.22.7 on loopback (test/consul/harness.ts) and stops it afterwards. Every case where meshcc
 * and Consul disagree is saved as `test/compiler/fixtures/l7-chains/found-<seed>-<n>.json` (replayed by a unit test);
 * `--record K` also saves the first K cases as `recorded-<seed>.json`. Exit code 1 when anything disagreed.
 */
import fc from 'fast-check';
import { type Cluster, consulAvailable, MISSING_MESSAGE, startCluster, stopCluster } from '../test/consul/harness.ts';
import { type CaseRecord, caseArb, runCase, saveFixture, trustDomainOf } from '../test/consul/l7-fuzz.ts';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function whole(name: string, fallback: number): number {
  const v = flag(name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) {
    process.stderr.write(`fuzz:chains: --${name} must be a whole number, not ${JSON.stringify(v)}\n`);
    process.exit(2);
  }
  return Number(v);
}

const runs = whole('runs', 500);
const seed = whole('seed', Date.now() % 1_000_000);
const recordCount = whole('record', 0);
let cluster: Cluster | undefined;
let base = flag('addr');
if (!base) {
  if (!consulAvailable()) {
    process.stderr.write(`${MISSING_MESSAGE}\n`);
    process.exit(2);
  }
  cluster = await startCluster();
  base = `http://${cluster.dc1.addr}`;
}
try {
  const td = await trustDomainOf(base);
  let failures = 0;
  let compared = 0;
  let refused = 0;
  let accepted = 0;
  let l7 = 0;
  const recorded: CaseRecord[] = [];
  const started = Date.now();
  const cases = fc.sample(caseArb, { numRuns: runs, seed });
  for (const [n, c] of cases.entries()) {
    const r = await runCase(base, td, c);
    compared += r.compared;
    accepted += r.record.writes.filter((w) => w === true).length;
    l7 += r.record.chains.filter((ch) => ch.chain && /"(router|splitter)"/.test(JSON.stringify(ch.chain))).length;
    refused += r.refused;
    if (n < recordCount) recorded.push(r.record);
    if (r.mismatches.length > 0) {
      failures++;
      const file = saveFixture(`found-${seed}-${n}`, [r.record]);
      process.stdout.write(
        `case ${n}: ${r.mismatches.length} mismatch(es), saved ${file}\n${r.mismatches.join('\n')}\n`,
      );
    }
  }
  if (recorded.length > 0) process.stdout.write(`recorded ${saveFixture(`recorded-${seed}`, recorded)}\n`);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `fuzz:chains seed ${seed}: ${runs} cases, ${compared} chains compared (${l7} with a router or splitter), ${accepted} accepted and ${refused} refused writes checked, ${failures} failing case(s), ${secs}s\n`,
  );
  process.exitCode = failures > 0 ? 1 : 0;
} finally {
  if (cluster) await stopCluster(cluster);
}
