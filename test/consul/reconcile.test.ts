/**
 * Reconcile against the real two-datacenter Consul started by test/setup/consul-global.ts. Every test uses its own
 * environment name and service-name prefix, so files can share the cluster. Failure tests that stop or restart a
 * server run last, in this file only.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { applyPlan } from '../../src/reconcile/apply.ts';
import { ConsulClient } from '../../src/reconcile/consul-client.ts';
import { detectDrift } from '../../src/reconcile/drift.ts';
import { acquireLock, LockHeldError } from '../../src/reconcile/lock.ts';
import { fieldChanges, sameContent } from '../../src/reconcile/normalize.ts';
import { computePlan } from '../../src/reconcile/plan.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { clusterAt, MISSING_MESSAGE, startDc, stopDc, waitLeader } from './harness.ts';
import { withClusterMutex } from './shared.ts';

const consul = inject('consul');
if (!consul) console.warn(`\n${MISSING_MESSAGE}\n`);

function uniq(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

function meta(env: string): Record<string, string> {
  return { 'managed-by': 'meshcc', 'meshcc-environment': env };
}

function sd(env: string, name: string, protocol: string): ConfigEntry {
  return { Kind: 'service-defaults', Name: name, Protocol: protocol, Meta: meta(env) };
}

function client(addr: string, extra: Partial<ConstructorParameters<typeof ConsulClient>[0]> = {}): ConsulClient {
  return new ConsulClient({ addr, retryBudgetMs: 30_000, ...extra });
}

describe.skipIf(!consul)('reconcile against a real two-datacenter Consul', () => {
  const c1 = () => client(consul?.dc1 ?? '');

  it('reads every example entry back from Consul without false drift', async () => {
    const cl = c1();
    for (const envName of ['multi-dc', 'primary-secondary', 'gateway-modes']) {
      const { model } = await loadEnvironment(`environments/${envName}`, repoRoot);
      const prefix = uniq('rt');
      for (const e of compile(model).entries) {
        if (e.Kind === 'proxy-defaults') continue; // a singleton: covered by the proxy-defaults test below
        // owned by a test-only environment: entries owned by the real example names would be pruned by (and race
        // with) the conformance suite's applies of those environments
        const renamed = { ...e, Name: `${prefix}-${e.Name}`, Meta: { ...e.Meta, ...meta(prefix) } } as ConfigEntry;
        expect(await cl.write(renamed)).toBe(true);
        const back = await cl.read(e.Kind, renamed.Name);
        expect(back?.ModifyIndex).toBeGreaterThan(0);
        expect(fieldChanges(back, renamed)).toEqual([]);
      }
    }
    // proxy-defaults is a singleton shared with the chain conformance suite: same MeshGateway content, never deleted
    const pd: ConfigEntry = {
      Kind: 'proxy-defaults',
      Name: 'global',
      MeshGateway: { Mode: 'local' },
      Meta: { 'managed-by': 'meshcc', 'meshcc-environment': 'multi-dc' },
    };
    // under the mutex the conformance suite holds while it hands the singleton to another example environment
    await withClusterMutex(cl, 'shared-cluster', async () => {
      expect(await cl.write(pd)).toBe(true);
      expect(fieldChanges(await cl.read('proxy-defaults', 'global'), pd)).toEqual([]);
    });
  });

  it('plans, applies, converges in dc2, then plans no changes; prunes owned leftovers and leaves unmanaged ones', async () => {
    const cl = c1();
    const env = uniq('env');
    const a = `${env}-a`;
    const b = `${env}-b`;
    const foreign = `${env}-foreign`;
    await cl.write({ Kind: 'service-defaults', Name: foreign, Protocol: 'http' });
    const desired: ConfigEntry[] = [
      sd(env, a, 'http'),
      sd(env, b, 'grpc'),
      { Kind: 'service-resolver', Name: a, ConnectTimeout: '15s', Meta: meta(env) },
      { Kind: 'service-intentions', Name: a, Sources: [{ Name: b, Action: 'allow' }], Meta: meta(env) },
    ];
    const mine = <T extends { Name: string }>(l: T[]) => l.filter((e) => e.Name.startsWith(env));
    const p1 = computePlan(env, desired, mine(await cl.listAll()));
    expect(p1.actions.map((x) => x.type)).toEqual(['create', 'create', 'create', 'create']);
    expect(p1.unmanaged).toEqual([`service-defaults/${foreign}`]);
    const r1 = await applyPlan(cl, p1, { verifyDatacenters: ['dc1', 'dc2'], convergenceTimeoutMs: 20_000 });
    expect(r1.ok).toBe(true);
    expect(r1.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(r1.replication.map((r) => `${r.dc}:${r.status}`)).toEqual(['dc1:converged', 'dc2:converged']);

    const p2 = computePlan(env, desired, mine(await cl.listAll()));
    expect(p2.actions.every((x) => x.type === 'noop')).toBe(true);

    // drop b (service-defaults) from the desired set: only b is deleted, the foreign entry stays
    const p3 = computePlan(
      env,
      desired.filter((e) => e.Name !== b),
      mine(await cl.listAll()),
    );
    expect(p3.actions.filter((x) => x.type !== 'noop').map((x) => `${x.type} ${x.key}`)).toEqual([
      `delete service-defaults/${b}`,
    ]);
    expect((await applyPlan(cl, p3)).ok).toBe(true);
    expect(await cl.read('service-defaults', b)).toBeUndefined();
    expect(await cl.read('service-defaults', foreign)).toBeDefined();
  });

  it('refuses a saved plan when a concurrent writer changed the entry, and a fresh plan converges', async () => {
    const cl = c1();
    const env = uniq('cas');
    const name = `${env}-svc`;
    await applyPlan(cl, computePlan(env, [sd(env, name, 'http')], []));
    const saved = computePlan(env, [sd(env, name, 'grpc')], await cl.listAll());
    // concurrent writer moves the ModifyIndex
    await cl.write({ ...sd(env, name, 'tcp'), Meta: { ...meta(env), touched: 'yes' } } as ConfigEntry);
    const r = await applyPlan(cl, saved, { saved: true });
    expect(r.ok).toBe(false);
    expect(r.results[0]?.cause).toContain('MC5007');
    expect((await cl.read('service-defaults', name))?.Meta?.touched).toBe('yes');
    const fresh = computePlan(
      env,
      [sd(env, name, 'grpc')],
      (await cl.listAll()).filter((e) => e.Name === name),
    );
    expect((await applyPlan(cl, fresh)).ok).toBe(true);
    expect(sameContent((await cl.read('service-defaults', name)) ?? {}, sd(env, name, 'grpc'))).toBe(true);
  });

  it('lets only one apply hold an environment lock and names the holder to the second', async () => {
    const env = uniq('lock');
    const first = await acquireLock(c1(), env, { holder: 'first-runner' });
    const second = acquireLock(c1(), env, { holder: 'second-runner' });
    await expect(second).rejects.toBeInstanceOf(LockHeldError);
    await expect(acquireLock(c1(), env)).rejects.toThrow(/first-runner/);
    await first.release();
    const third = await acquireLock(c1(), env, { holder: 'third' });
    await third.release();
  });

  it('fails a CLI apply fast, naming the holder, while another apply holds the environment lock', async () => {
    const env = uniq('two');
    const lock = await acquireLock(c1(), env, { holder: 'held-by-test' });
    try {
      // with the lock held, an apply of that environment must fail fast naming the holder
      const dir = `out/${env}`;
      const r = await runCli([
        'import',
        '--from-consul',
        consul?.dc1 ?? '',
        '--out',
        dir,
        '--name',
        env,
        '--match',
        '^$',
      ]);
      expect(r.code).toBe(0);
      const applied = await runCli(['apply', dir, '--consul', consul?.dc1 ?? '', '--wait', '0']);
      expect(applied.code).toBe(1);
      expect(applied.stderr).toContain('MC5008');
      expect(applied.stderr).toContain('held-by-test');
      rmSync(join(repoRoot, dir), { recursive: true, force: true });
    } finally {
      await lock.release();
    }
  });

  it('imports live entries into an environment that adopts them, applies, plans no changes and heals out-of-band edits through the CLI', async () => {
    const env = uniq('imp');
    const dir = `out/${env}`;
    const cl = c1();
    await cl.write({ Kind: 'service-defaults', Name: `${env}-web`, Protocol: 'http', Meta: { team: 'a' } });
    await cl.write({ Kind: 'service-resolver', Name: `${env}-web`, ConnectTimeout: '1m0s' });
    await cl.write({
      Kind: 'service-intentions',
      Name: `${env}-web`,
      Sources: [{ Name: `${env}-api`, Action: 'allow' }],
    });
    const addr = consul?.dc1 ?? '';
    try {
      expect((await runCli(['import', '--from-consul', addr, '--out', dir, '--match', `^${env}-`])).code).toBe(0);
      const conflict = await runCli(['plan', dir, '--consul', addr]);
      expect(conflict.stderr).toContain('MC5004');
      expect(conflict.code).toBe(1);
      const before = await runCli(['plan', dir, '--consul', addr, '--adopt', '--json']);
      expect(before.stderr).toBe('');
      const json = JSON.parse(before.stdout) as {
        actions: { type: string; key: string }[];
        summary: unknown;
        datacenter: string;
        replicas: string[];
      };
      expect(json.summary).toEqual({ create: 0, update: 3, delete: 0 });
      expect([json.datacenter, json.replicas]).toEqual(['dc1', ['dc2']]);
      expect(json.actions.map((a) => a.type)).toEqual(['adopt', 'adopt', 'adopt']);
      expect(before.code).toBe(2);
      const applied = await runCli(['apply', dir, '--consul', addr, '--adopt', '--wait', '10']);
      expect(applied.stdout).toContain('Apply complete: 3 applied, 0 failed, 0 not attempted.');
      expect(applied.stdout).toContain('replication dc2: converged');
      expect(applied.code).toBe(0);
      const after = await runCli(['plan', dir, '--consul', addr]);
      expect(after.stdout).toContain('Plan: 0 to create, 0 to update, 0 to delete.');
      expect(after.code).toBe(0);
      expect((await runCli(['drift', dir, '--consul', addr])).code).toBe(0);
      // out-of-band edit of an owned entry: reconcile reports it (exit 2), --heal reverts it
      const live = await cl.read('service-defaults', `${env}-web`);
      await cl.write({ ...(live as ConfigEntry), Protocol: 'grpc' } as ConfigEntry);
      const report = await runCli(['reconcile', dir, '--consul', addr]);
      expect(report.stdout).toContain(`changed`);
      expect(report.code).toBe(2);
      const healed = await runCli(['reconcile', dir, '--consul', addr, '--heal', '--wait', '10']);
      expect(healed.stdout).toContain('Apply complete: 1 applied, 0 failed, 0 not attempted.');
      expect(healed.code).toBe(0);
      expect(((await cl.read('service-defaults', `${env}-web`)) as { Protocol?: string } | undefined)?.Protocol).toBe(
        'http',
      );
    } finally {
      rmSync(join(repoRoot, dir), { recursive: true, force: true });
    }
  });

  it('classifies out-of-band changes, deletions and unmanaged entries as drift, and heals owned ones', async () => {
    const cl = c1();
    const env = uniq('drift');
    const desired = [sd(env, `${env}-a`, 'http'), sd(env, `${env}-b`, 'http')];
    await applyPlan(cl, computePlan(env, desired, []));
    const clean = await detectDrift(cl, env, desired, { primary: 'dc1', datacenters: [] });
    expect(clean.items.filter((i) => i.key.includes(env))).toEqual([]);
    await cl.write(sd(env, `${env}-a`, 'grpc'));
    await cl.delete('service-defaults', `${env}-b`);
    await cl.write({ Kind: 'service-resolver', Name: `${env}-a`, ConnectTimeout: '2s' });
    const d = await detectDrift(cl, env, desired, { primary: 'dc1', datacenters: [] });
    expect(d.drifted).toBe(true);
    expect(d.items.filter((i) => i.key.includes(env)).map((i) => `${i.kind} ${i.key}`)).toEqual([
      `changed service-defaults/${env}-a`,
      `deleted service-defaults/${env}-b`,
      `unmanaged service-resolver/${env}-a`,
    ]);
    const heal = computePlan(
      env,
      desired,
      (await cl.listAll()).filter((e) => e.Name.startsWith(env)),
    );
    expect((await applyPlan(cl, heal)).ok).toBe(true);
    const after = await detectDrift(cl, env, desired, { primary: 'dc1', datacenters: [] });
    expect(after.items.filter((i) => i.key.includes(env)).map((i) => i.kind)).toEqual(['unmanaged']);
    await cl.delete('service-resolver', `${env}-a`);
    const clean2 = await detectDrift(cl, env, desired, { primary: 'dc1', datacenters: [] });
    expect(clean2.drifted).toBe(false);
  });

  it('decides a PUT whose connection dropped by re-reading, and reports it applied', async () => {
    const env = uniq('drop');
    const target = new URL(consul?.dc1 ?? 'http://127.0.0.1:8500');
    let dropped = 0;
    // Fault proxy: forwards every request, but for the first PUT drops the client connection once the answer arrives.
    const sockets = new Set<Socket>();
    const proxy: Server = createServer((down: Socket) => {
      sockets.add(down);
      let first = '';
      const up = new Socket();
      up.connect(Number(target.port), target.hostname);
      down.on('data', (d: Buffer) => {
        first += d.toString('latin1');
        up.write(d);
      });
      up.on('data', (d: Buffer) => {
        if (first.startsWith('PUT') && dropped === 0) {
          dropped++;
          down.destroy();
          up.destroy();
          return;
        }
        down.write(d);
      });
      up.on('error', () => down.destroy());
      down.on('error', () => up.destroy());
      up.on('end', () => down.end());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (proxy.address() as { port: number }).port;
      const viaProxy = client(`http://127.0.0.1:${port}`, { retryBudgetMs: 5_000 });
      const p = computePlan(env, [sd(env, `${env}-svc`, 'http')], []);
      const r = await applyPlan(viaProxy, p);
      expect(dropped).toBe(1);
      expect(r.results.map((x) => x.status)).toEqual(['applied']);
      expect(await c1().read('service-defaults', `${env}-svc`)).toBeDefined();
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('applies with dc2 stopped, reporting dc2 unreachable rather than drifted', async () => {
    // held so that the conformance suite (another file, maybe running now) never sees a stopped server
    await withClusterMutex(c1(), 'shared-cluster', async () => {
      const cluster = clusterAt(consul?.root ?? '');
      const cl = c1();
      const env = uniq('dc2down');
      await stopDc(cluster.dc2);
      try {
        const p = computePlan(env, [sd(env, `${env}-svc`, 'http')], []);
        const r = await applyPlan(cl, p, { verifyDatacenters: ['dc1', 'dc2'], convergenceTimeoutMs: 3_000 });
        expect(r.ok).toBe(true);
        expect(r.replication.map((x) => `${x.dc}:${x.status}`)).toEqual(['dc1:converged', 'dc2:unreachable']);
        const d = await detectDrift(cl, env, [sd(env, `${env}-svc`, 'http')], {
          primary: 'dc1',
          datacenters: ['dc1', 'dc2'],
        });
        expect(d.items.filter((i) => i.kind === 'dc-unreachable').map((i) => i.dc)).toEqual(['dc2']);
        expect(d.items.some((i) => i.key.includes(env))).toBe(false);
      } finally {
        startDc(cluster.dc2);
        await waitLeader(cluster.dc2);
      }
    });
  });

  it('finishes an apply when dc1 restarts in the middle of it', async () => {
    await withClusterMutex(c1(), 'shared-cluster', async () => {
      const cluster = clusterAt(consul?.root ?? '');
      const env = uniq('restart');
      const desired = Array.from({ length: 80 }, (_, i) => sd(env, `${env}-${String(i).padStart(2, '0')}`, 'http'));
      const cl = client(consul?.dc1 ?? '', { retryBudgetMs: 60_000, timeoutMs: 3_000 });
      const p = computePlan(env, desired, []);
      const applying = applyPlan(cl, p, { concurrency: 2 });
      while (cl.requests < 10) await new Promise((r) => setTimeout(r, 5));
      const requestsAtKill = cl.requests;
      await stopDc(cluster.dc1);
      startDc(cluster.dc1);
      const r = await applying;
      await waitLeader(cluster.dc1);
      // any entry reported failed must be due to the restart; a re-plan converges
      const again = computePlan(
        env,
        desired,
        (await cl.listAll()).filter((e) => e.Name.startsWith(env)),
      );
      const r2 = await applyPlan(cl, again);
      expect(r2.ok).toBe(true);
      const final = computePlan(
        env,
        desired,
        (await cl.listAll()).filter((e) => e.Name.startsWith(env)),
      );
      expect(final.actions.every((a) => a.type === 'noop')).toBe(true);
      expect(requestsAtKill).toBeLessThan(80);
      expect(r.results.length).toBe(80);
    });
  });
});
