/**
 * Two applies of one environment started at literally the same time, against the shared two-datacenter Consul:
 * both go through a gate proxy that holds their lock requests (`PUT /v1/kv/meshcc/locks/<env>?acquire=`) until
 * both have arrived and releases them together, and holds every `GET /v1/config/...` (the winner's plan, computed
 * under the lock) until one of the applies has finished. So exactly one can win, and the other must fail on its
 * own, fast, while the winner still holds the lock (a loser that waited for the lock would deadlock the test).
 * Then the loser names the holder (MC5008), every entry was written exactly once, and a re-run converges.
 * Variants: two child processes (`node bin/meshcc.js apply`, the holder named by pid) and two in-process `main()`
 * calls started in the same tick (the holder named by its session).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ConsulClient } from '../../src/reconcile/consul-client.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { MISSING_MESSAGE } from './harness.ts';
import { type Gate, type GateRequest, startGate } from './shared.ts';

const consul = inject('consul');
if (!consul) console.warn(`\n${MISSING_MESSAGE}\n`);

const ENTRIES = 12;

function writeEnv(env: string): string {
  const dir = join(repoRoot, 'out', env);
  mkdirSync(join(dir, 'entries'), { recursive: true });
  writeFileSync(
    join(dir, 'mesh.ts'),
    `import { Datacenter, Mesh } from 'meshcc';\nconst mesh = new Mesh('${env}', { clusterId: '11111111-2222-3333-4444-555555555555' });\nnew Datacenter(mesh, 'dc1', { primary: true, platform: 'vm' });\nexport default mesh;\n`,
  );
  for (let i = 0; i < ENTRIES; i++) {
    writeFileSync(
      join(dir, 'entries', `svc-${i}.json`),
      JSON.stringify({ Kind: 'service-defaults', Name: `${env}-svc-${i}`, Protocol: 'http' }),
    );
  }
  return dir;
}

/** A deferred: a promise and its resolver. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

interface RaceGate {
  readonly gate: Gate;
  /** Resolve when one of the two applies has finished: releases the winner's plan reads. */
  readonly oneFinished: () => void;
  /** Sessions whose acquire Consul answered, with the answer. */
  readonly acquires: { session: string; ok: boolean }[];
}

async function raceGate(target: string, env: string): Promise<RaceGate> {
  const bothAsked = deferred();
  const finished = deferred();
  let asked = 0;
  const acquires: { session: string; ok: boolean }[] = [];
  const isAcquire = (r: GateRequest) =>
    r.method === 'PUT' && r.url.startsWith(`/v1/kv/meshcc/locks/${env}?`) && r.url.includes('acquire=');
  const gate = await startGate(target, {
    async before(r) {
      if (isAcquire(r)) {
        asked++;
        if (asked === 2) bothAsked.resolve();
        await bothAsked.promise;
      } else if (r.method === 'GET' && r.url.startsWith('/v1/config/')) {
        await finished.promise;
      }
    },
    after(r) {
      if (isAcquire(r)) {
        const session = new URL(r.url, 'http://x').searchParams.get('acquire') ?? '';
        acquires.push({ session, ok: r.responseBody.trim() === 'true' });
      }
    },
  });
  return { gate, oneFinished: finished.resolve, acquires };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  pid?: number;
}

const children = new Set<ChildProcess>();

function runChild(args: string[]): { pid: number; done: Promise<Run> } {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/meshcc.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, CONSUL_HTTP_TOKEN: '', CONSUL_HTTP_TOKEN_FILE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<Run>((resolve) => {
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code: code ?? -1, stdout, stderr, pid: child.pid as number });
    });
  });
  return { pid: child.pid as number, done };
}

describe.skipIf(!consul)('two applies of one environment started at the same time', () => {
  const addr = consul?.dc1 ?? '';
  const cl = new ConsulClient({ addr, retryBudgetMs: 30_000 });
  const dirs: string[] = [];
  const gates: Gate[] = [];

  const envs: string[] = [];

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const env of envs) {
      for (let i = 0; i < ENTRIES; i++) await cl.delete('service-defaults', `${env}-svc-${i}`).catch(() => undefined);
    }
    for (const g of gates) await g.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function converges(env: string, dir: string, race: RaceGate): Promise<void> {
    // the winner wrote every entry exactly once; the loser wrote nothing
    const writes = race.gate.log.filter((r) => r.method === 'PUT' && r.url.startsWith('/v1/config?'));
    expect(writes.length).toBe(ENTRIES);
    expect(writes.every((w) => w.responseBody.trim() === 'true')).toBe(true);
    const live = (await cl.listKind('service-defaults')).filter((e) => e.Name.startsWith(`${env}-svc-`));
    expect(live.length).toBe(ENTRIES);
    expect(live.every((e) => e.ModifyIndex === e.CreateIndex)).toBe(true);
    // re-run: converged, nothing to do, and the lock is free again
    const again = await runCli(['apply', dir, '--consul', addr, '--wait', '0']);
    expect(again.stdout).toContain(`No changes. Consul matches environment ${env}.`);
    expect(again.code).toBe(0);
    const plan = await runCli(['plan', dir, '--consul', addr]);
    expect(plan.code).toBe(0);
  }

  it('two child processes: exactly one applies, the other fails fast naming the holder by pid', async () => {
    const env = `race-${randomBytes(3).toString('hex')}`;
    const dir = writeEnv(env);
    dirs.push(dir);
    envs.push(env);
    const race = await raceGate(addr, env);
    gates.push(race.gate);
    const args = ['apply', dir, '--consul', race.gate.addr, '--wait', '0'];
    const a = runChild(args);
    const b = runChild(args);
    a.done.then(race.oneFinished);
    b.done.then(race.oneFinished);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const winner = ra.code === 0 ? ra : rb;
    const loser = ra.code === 0 ? rb : ra;
    expect([ra.code, rb.code].sort()).toEqual([0, 1]);
    expect(race.acquires.map((x) => x.ok).sort()).toEqual([false, true]);
    expect(winner.stdout).toContain(`Apply complete: ${ENTRIES} applied, 0 failed, 0 not attempted.`);
    expect(loser.stderr).toContain('MC5008');
    expect(loser.stderr).toContain(`environment ${env}`);
    expect(loser.stderr).toContain(`meshcc apply pid ${winner.pid}@`);
    const winnerSession = race.acquires.find((x) => x.ok)?.session ?? '?';
    expect(loser.stderr).toContain(`session ${winnerSession}`);
    expect(loser.stdout).not.toContain('Apply complete');
    await converges(env, dir, race);
  });

  it('two in-process main() calls started in the same tick: exactly one applies, the other names the holder', async () => {
    const env = `race-${randomBytes(3).toString('hex')}`;
    const dir = writeEnv(env);
    dirs.push(dir);
    envs.push(env);
    const race = await raceGate(addr, env);
    gates.push(race.gate);
    const args = ['apply', dir, '--consul', race.gate.addr, '--wait', '0'];
    const a = runCli(args);
    const b = runCli(args);
    a.then(race.oneFinished);
    b.then(race.oneFinished);
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.code, rb.code].sort()).toEqual([0, 1]);
    const loser = ra.code === 0 ? rb : ra;
    const winner = ra.code === 0 ? ra : rb;
    expect(winner.stdout).toContain(`Apply complete: ${ENTRIES} applied, 0 failed, 0 not attempted.`);
    const winnerSession = race.acquires.find((x) => x.ok)?.session ?? '?';
    expect(loser.stderr).toContain('MC5008');
    expect(loser.stderr).toContain(`session ${winnerSession}`);
    await converges(env, dir, race);
  });
});
