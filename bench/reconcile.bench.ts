/**
 * `npm run bench:reconcile`: starts its own single-server Consul on 127.0.58.1 (the binary from
 * `scripts/setup-consul.sh`) and measures
 *   1. plan against 5,000 live entries (6 list requests + the pure diff);
 *   2. apply of 1,000 changes (CAS, concurrency 8) versus a sequential loop of `consul config write` for the same
 *      1,000 entries.
 * Sizes: `npm run bench:reconcile -- LIVE CHANGES` (defaults 5000 1000). Prints a Markdown table.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigEntry } from '../src/model/entries.ts';
import { applyPlan } from '../src/reconcile/apply.ts';
import { ConsulClient } from '../src/reconcile/consul-client.ts';
import { computePlan } from '../src/reconcile/plan.ts';
import { CONSUL_BIN, consulAvailable } from '../test/consul/harness.ts';

const LIVE = Number(process.argv[2] ?? 5000);
const CHANGES = Number(process.argv[3] ?? 1000);
const IP = '127.0.58.1';
const ADDR = `http://${IP}:8500`;
const ENV = 'bench';
const meta = { 'managed-by': 'meshcc', 'meshcc-environment': ENV };

function entry(i: number, protocol: string, prefix = 'svc'): ConfigEntry {
  return { Kind: 'service-defaults', Name: `${prefix}-${String(i).padStart(5, '0')}`, Protocol: protocol, Meta: meta };
}

async function waitUp(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${ADDR}/v1/config/proxy-defaults?consistent`);
      if (r.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('consul did not start');
}

async function main(): Promise<void> {
  if (!consulAvailable()) {
    console.error(`Consul binary missing at ${CONSUL_BIN}: run bash scripts/setup-consul.sh`);
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'meshcc-bench-'));
  const agent = spawn(CONSUL_BIN, ['agent', '-dev', '-bind', IP, '-client', IP, '-hcl', 'ports { dns = -1 }'], {
    stdio: 'ignore',
  });
  try {
    await waitUp();
    const client = new ConsulClient({ addr: ADDR });
    // seed LIVE entries
    const seed = computePlan(
      ENV,
      Array.from({ length: LIVE }, (_, i) => entry(i, 'http')),
      [],
    );
    const s0 = performance.now();
    await applyPlan(client, seed, { concurrency: 16 });
    const seedMs = performance.now() - s0;

    const desired = Array.from({ length: LIVE }, (_, i) => entry(i, i < CHANGES ? 'grpc' : 'http'));
    const requestsBefore = client.requests;
    const p0 = performance.now();
    const live = await client.listAll();
    const p1 = performance.now();
    const plan = computePlan(ENV, desired, live);
    const p2 = performance.now();
    const listRequests = client.requests - requestsBefore;
    const updates = plan.actions.filter((a) => a.type === 'update').length;

    const a0 = performance.now();
    const report = await applyPlan(client, plan, { concurrency: 8 });
    const applyMs = performance.now() - a0;
    if (!report.ok) throw new Error('apply failed');

    // the same number of writes with the consul CLI, one process per entry, sequentially
    const files = Array.from({ length: CHANGES }, (_, i) => {
      const f = join(dir, `e${i}.json`);
      writeFileSync(f, JSON.stringify(entry(i, 'http2', 'cli')));
      return f;
    });
    const c0 = performance.now();
    for (const f of files) {
      const r = spawnSync(CONSUL_BIN, ['config', 'write', `-http-addr=${ADDR}`, f], { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`consul config write failed for ${f}`);
    }
    const cliMs = performance.now() - c0;

    const row = (k: string, v: string) => console.log(`| ${k} | ${v} |`);
    console.log('| measurement | value |\n|---|---|');
    row('live entries', String(live.length));
    row('seed write (concurrency 16)', `${seedMs.toFixed(0)} ms`);
    row('plan: list requests', String(listRequests));
    row('plan: list all kinds', `${(p1 - p0).toFixed(0)} ms`);
    row('plan: diff (pure)', `${(p2 - p1).toFixed(0)} ms`);
    row(
      `apply ${updates} updates (CAS, concurrency 8)`,
      `${applyMs.toFixed(0)} ms (${((updates / applyMs) * 1000).toFixed(0)}/s)`,
    );
    row(
      `sequential \`consul config write\` x ${CHANGES}`,
      `${cliMs.toFixed(0)} ms (${((CHANGES / cliMs) * 1000).toFixed(0)}/s)`,
    );
    row('speed-up', `${(cliMs / applyMs).toFixed(1)}x`);
  } finally {
    agent.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
