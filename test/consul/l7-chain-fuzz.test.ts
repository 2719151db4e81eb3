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
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consulBinary, missingPeer } from '../support/peers.ts';
import { caseArb, runCase, saveFixture, trustDomainOf } from './l7-fuzz.ts';

const RUNS = 200;
const SEED = 12122026;
const consul = consulBinary();
const skip = !consul && missingPeer('real Consul binary', 'run scripts/setup-consul.sh or set MESHCC_CONSUL');

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(skip)('L7 discovery chains agree with a live Consul v1.22.7 on random meshes', () => {
  const host = `127.78.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
  let base = '';
  let proc: ChildProcess | undefined;
  let dataDir = '';

  beforeAll(async () => {
    const [http, serfLan, server] = [await freePort(host), await freePort(host), await freePort(host)];
    base = `http://${host}:${http}`;
    dataDir = mkdtempSync(join(tmpdir(), 'meshcc-l7fuzz-'));
    proc = spawn(
      consul!,
      [
        'agent',
        '-dev',
        '-node=meshcc-l7fuzz',
        '-datacenter=dc1',
        `-bind=${host}`,
        `-client=${host}`,
        '-hcl',
        `ports { http = ${http}, dns = -1, grpc = -1, grpc_tls = -1, serf_lan = ${serfLan}, serf_wan = -1, server = ${server} }`,
        '-hcl',
        'connect { ca_config { cluster_id = "11111111-2222-3333-4444-555555555555" } }',
      ],
      { stdio: 'ignore', cwd: dataDir },
    );
    for (let i = 0; i < 150; i++) {
      const leader = await fetch(`${base}/v1/status/leader`).then(
        (r) => r.text(),
        () => '',
      );
      if (leader.length > 2) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`Consul on ${base} did not elect a leader`);
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
