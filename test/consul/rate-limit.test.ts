/**
 * Rate limiting for real: a separate small Consul started (and killed) by this file — a server on 127.0.59.1 with
 * `limits.request_limits` mode `enforcing` and low read/write rates, and a CLIENT agent on 127.0.59.2 joined to it.
 * The limits apply to RPCs on servers, so requests through the client's HTTP API come back refused: reads as HTTP
 * 429 (`rate limit exceeded, try a different server`), writes as HTTP 503 (`rate limit exceeded for operation that
 * can only be performed by the leader, try again later`; Consul v1.22.7 maps that error to 503, not 429). Both are
 * refused before being applied. meshcc goes through a counting proxy to the client agent: an apply retries with
 * backoff and converges with every entry written exactly once; with the limit squeezed (config reload) and a short
 * `--timeout` it fails clearly (MC5012, retry budget exhausted) having written nothing, and a re-run converges.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulClient, isRateLimited } from '../../src/reconcile/consul-client.ts';
import { acquireLock } from '../../src/reconcile/lock.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { CONSUL_BIN, consulAvailable, MISSING_MESSAGE } from './harness.ts';
import { type Gate, startGate } from './shared.ts';

const SERVER_IP = '127.0.59.1';
const CLIENT_IP = '127.0.59.2';
const SERVER = `http://${SERVER_IP}:8500`;
const CLIENT = `http://${CLIENT_IP}:8500`;
const available = consulAvailable();
if (!available) console.warn(`\n${MISSING_MESSAGE}\n`);

function serverConfig(dataDir: string, writeRate: number): string {
  return JSON.stringify({
    datacenter: 'rl1',
    node_name: 'rl-server',
    server: true,
    bootstrap_expect: 1,
    data_dir: dataDir,
    bind_addr: SERVER_IP,
    client_addr: SERVER_IP,
    advertise_addr: SERVER_IP,
    ports: { dns: -1, grpc: -1 },
    performance: { raft_multiplier: 1 },
    limits: { request_limits: { mode: 'enforcing', read_rate: 5, write_rate: writeRate } },
    disable_update_check: true,
    log_level: 'error',
  });
}

function writeEnv(env: string, count: number): string {
  const dir = join(repoRoot, 'out', env);
  mkdirSync(join(dir, 'entries'), { recursive: true });
  writeFileSync(
    join(dir, 'mesh.ts'),
    `import { Datacenter, Mesh } from 'meshcc';\nconst mesh = new Mesh('${env}', { clusterId: '11111111-2222-3333-4444-555555555555' });\nnew Datacenter(mesh, 'rl1', { primary: true, platform: 'vm' });\nexport default mesh;\n`,
  );
  for (let i = 0; i < count; i++) {
    writeFileSync(
      join(dir, 'entries', `svc-${i}.json`),
      JSON.stringify({ Kind: 'service-defaults', Name: `${env}-svc-${i}`, Protocol: 'http' }),
    );
  }
  return dir;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!available)('apply against a rate-limited Consul (request_limits, enforcing)', () => {
  const procs: ChildProcess[] = [];
  const root = mkdtempSync(join(tmpdir(), 'meshcc-rl-'));
  const serverFile = join(root, 'server.json');
  const dirs: string[] = [];
  let gate: Gate | undefined;
  // reads for checking go to the server's own HTTP API: its local requests are not RPC-limited
  const direct = new ConsulClient({ addr: SERVER, retryBudgetMs: 30_000 });

  async function setWriteRate(rate: number): Promise<void> {
    writeFileSync(serverFile, serverConfig(join(root, 'server-data'), rate));
    await direct.request('PUT', '/v1/agent/reload');
  }

  beforeAll(async () => {
    writeFileSync(serverFile, serverConfig(join(root, 'server-data'), 2));
    const client = JSON.stringify({
      datacenter: 'rl1',
      node_name: 'rl-client',
      data_dir: join(root, 'client-data'),
      bind_addr: CLIENT_IP,
      client_addr: CLIENT_IP,
      advertise_addr: CLIENT_IP,
      ports: { dns: -1, grpc: -1 },
      retry_join: [SERVER_IP],
      retry_interval: '1s',
      disable_update_check: true,
      log_level: 'error',
    });
    writeFileSync(join(root, 'client.json'), client);
    procs.push(spawn(CONSUL_BIN, ['agent', `-config-file=${serverFile}`], { stdio: 'ignore' }));
    procs.push(spawn(CONSUL_BIN, ['agent', `-config-file=${join(root, 'client.json')}`], { stdio: 'ignore' }));
    const viaClient = new ConsulClient({ addr: CLIENT, retryBudgetMs: 2_000 });
    await until('the client agent to reach the leader', async () => {
      const r = await viaClient.request<string>('GET', '/v1/status/leader');
      if (!r.body) return false;
      await viaClient.request('GET', '/v1/config/service-defaults', { query: { consistent: true } });
      return true;
    });
    gate = await startGate(CLIENT);
  });

  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await gate?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  /** Spends the limiter's burst: writes through the client until one is refused (so the next writes are limited). */
  async function drain(): Promise<void> {
    const viaClient = new ConsulClient({ addr: CLIENT, retryBudgetMs: 0 });
    await until('writes to be refused', async () => {
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          viaClient.request('PUT', `/v1/kv/meshcc-rl-probe/${i}`, { body: 'x' }).then(
            () => false,
            (e: Error) => /rate limit exceeded/.test(e.message),
          ),
        ),
      );
      return answers.some((refused) => refused);
    });
  }

  /**
   * Keeps the limiter's bucket empty until `done()` says the apply has started writing: the CLI's start-up can take
   * seconds on a loaded machine, long enough for the bucket to refill and let the whole apply through unrefused.
   * Returns a function that stops the drainer and waits for its last round.
   */
  function keepDrained(done: () => boolean): () => Promise<void> {
    const viaClient = new ConsulClient({ addr: CLIENT, retryBudgetMs: 0 });
    let stopped = false;
    const loop = (async () => {
      for (let round = 0; !stopped && !done(); round++) {
        await viaClient.request('PUT', `/v1/kv/meshcc-rl-probe/keep-${round % 10}`, { body: 'x' }).catch(() => {});
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    return async () => {
      stopped = true;
      await loop;
    };
  }

  function newEnv(count: number): { env: string; dir: string } {
    const env = `rl-${randomBytes(3).toString('hex')}`;
    const dir = writeEnv(env, count);
    dirs.push(dir);
    return { env, dir };
  }

  async function writtenOnce(env: string, count: number, from: number): Promise<void> {
    const puts = (gate?.log ?? []).slice(from).filter((r) => r.method === 'PUT' && r.url.startsWith('/v1/config?'));
    const accepted = puts.filter((r) => r.status === 200);
    // every accepted write created a new entry (cas=0 answered true); none was applied twice
    expect(accepted.length).toBe(count);
    expect(accepted.every((r) => r.responseBody.trim() === 'true')).toBe(true);
    const live = (await direct.listKind('service-defaults')).filter((e) => e.Name.startsWith(`${env}-svc-`));
    expect(live.length).toBe(count);
    expect(live.every((e) => e.ModifyIndex === e.CreateIndex)).toBe(true);
  }

  it('retries refused requests with backoff and converges, writing every entry exactly once', async () => {
    // The limit is 2 writes/s: with the burst spent, an apply of 40 entries should be refused some of the time. On a
    // loaded machine Consul's limiter has been seen to let a whole apply through (its limiter state is kept by a
    // background goroutine); every apply must then still converge exactly once, and up to three applies (each a new
    // environment) are made until one meets real refusals, which must be retried.
    let refusedSeen = 0;
    for (let attempt = 0; attempt < 3 && refusedSeen === 0; attempt++) {
      const { env, dir } = newEnv(40);
      await drain();
      const from = gate?.log.length ?? 0;
      const stopDraining = keepDrained(() =>
        (gate?.log ?? []).slice(from).some((x) => x.method === 'PUT' && x.url.startsWith('/v1/config')),
      );
      const r = await runCli(['apply', dir, '--consul', gate?.addr ?? '', '--wait', '0', '--concurrency', '8']);
      await stopDraining();
      expect(r.stdout, r.stderr).toContain('Apply complete: 40 applied, 0 failed, 0 not attempted.');
      expect(r.code, r.stderr).toBe(0);
      const refused = (gate?.log ?? []).slice(from).filter((x) => isRateLimited(x.status, x.responseBody));
      expect(refused.every((x) => /rate limit exceeded/.test(x.responseBody))).toBe(true);
      // Consul v1.22.7 answers a client agent's write refused by the server's limit with 503, reads with 429
      expect(refused.every((x) => (x.method === 'GET' ? x.status === 429 : x.status === 503))).toBe(true);
      await writtenOnce(env, 40, from);
      const plan = await runCli(['plan', dir, '--consul', gate?.addr ?? '']);
      expect(plan.stdout).toContain('Plan: 0 to create, 0 to update, 0 to delete.');
      expect(plan.code).toBe(0);
      refusedSeen = refused.length;
    }
    // Consul refused some requests and meshcc retried them (reads as 429, writes as 503)
    expect(refusedSeen).toBeGreaterThan(0);
  }, 300_000);

  it('fails clearly when the retry budget is exhausted, writes nothing twice, and a re-run converges', async () => {
    const { env, dir } = newEnv(10);
    await setWriteRate(0.1);
    await drain();
    const from = gate?.log.length ?? 0;
    const r = await runCli(['apply', dir, '--consul', gate?.addr ?? '', '--wait', '0', '--timeout', '2']);
    expect(r.code).toBe(1);
    const out = `${r.stdout}${r.stderr}`;
    expect(out).toContain('MC5012');
    expect(out).toContain('rate limit exceeded');
    expect(out).toMatch(/gave up after \d+ attempts/);
    expect(out).toContain('retry budget of 2s (--timeout)');
    expect(r.stdout).not.toContain('Apply complete');
    const refused = (gate?.log ?? []).slice(from).filter((x) => isRateLimited(x.status, x.responseBody));
    expect(refused.length).toBeGreaterThan(1);
    const written = (await direct.listKind('service-defaults')).filter((e) => e.Name.startsWith(`${env}-svc-`));
    // whatever got through (possibly nothing) got through once; the rest was never applied
    expect(written.every((e) => e.ModifyIndex === e.CreateIndex)).toBe(true);

    await setWriteRate(50);
    const from2 = gate?.log.length ?? 0;
    // If the failed run got the lock, its release was refused too (rate limited): the session would expire with its
    // TTL (30 s, up to twice that in Consul). Do what an operator would instead: destroy that session.
    const rows = await direct
      .request<{ Session?: string }[]>('GET', `/v1/kv/meshcc/locks/${env}`)
      .catch(() => ({ body: [] as { Session?: string }[] }));
    for (const row of rows.body ?? []) {
      if (row.Session) await direct.request('PUT', `/v1/session/destroy/${row.Session}`);
    }
    // and wait out Consul's lock-delay (1 s after a session ends) by acquiring and releasing the lock once
    await until('the lock to be acquirable', async () => {
      const l = await acquireLock(direct, env, { holder: 'test' });
      await l.release();
      return true;
    });
    const again = await runCli(['apply', dir, '--consul', gate?.addr ?? '', '--wait', '0']);
    expect(again.code, `${again.stdout}${again.stderr}`).toBe(0);
    expect(again.stdout).toContain(`Apply complete: ${10 - written.length} applied, 0 failed, 0 not attempted.`);
    const puts = (gate?.log ?? []).slice(from2).filter((x) => x.method === 'PUT' && x.url.startsWith('/v1/config?'));
    expect(puts.filter((x) => x.status === 200).every((x) => x.responseBody.trim() === 'true')).toBe(true);
    const live = (await direct.listKind('service-defaults')).filter((e) => e.Name.startsWith(`${env}-svc-`));
    expect(live.length).toBe(10);
    expect(live.every((e) => e.ModifyIndex === e.CreateIndex)).toBe(true);
  }, 120_000);
});
