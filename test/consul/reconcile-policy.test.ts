/**
 * `meshcc reconcile <env> --heal --policy KIND=heal|warn` against the shared two-datacenter Consul: drift of a `warn`
 * kind is reported (MC5013) and left as it is, drift of the other kinds is healed; exit 2 while drift is left.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { ConsulClient } from '../../src/reconcile/consul-client.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { MISSING_MESSAGE } from './harness.ts';

const consul = inject('consul');
if (!consul) console.warn(`\n${MISSING_MESSAGE}\n`);

describe.skipIf(!consul)('reconcile --heal with a per-kind policy', () => {
  const addr = consul?.dc1 ?? '';
  const cl = new ConsulClient({ addr, retryBudgetMs: 30_000 });
  const env = `pol-${randomBytes(3).toString('hex')}`;
  const dir = join(repoRoot, 'out', env);
  const web = `${env}-web`;

  afterAll(async () => {
    await cl.delete('service-intentions', web).catch(() => undefined);
    await cl.delete('service-defaults', web).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  async function protocol(): Promise<string | undefined> {
    return ((await cl.read('service-defaults', web)) as { Protocol?: string } | undefined)?.Protocol;
  }
  async function action(): Promise<string | undefined> {
    const e = (await cl.read('service-intentions', web)) as { Sources?: { Action?: string }[] } | undefined;
    return e?.Sources?.[0]?.Action;
  }
  async function tamper(): Promise<void> {
    const sd = await cl.read('service-defaults', web);
    expect(await cl.write({ ...(sd as ConfigEntry), Protocol: 'grpc' } as ConfigEntry)).toBe(true);
    const ix = (await cl.read('service-intentions', web)) as ConfigEntry & { Sources: { Action: string }[] };
    const sources = ix.Sources.map((s) => ({ ...s, Action: 'deny' }));
    expect(await cl.write({ ...ix, Sources: sources } as unknown as ConfigEntry)).toBe(true);
  }

  it('heals heal kinds, reports and leaves warn kinds, and heals everything once the policy allows', async () => {
    mkdirSync(join(dir, 'entries'), { recursive: true });
    writeFileSync(
      join(dir, 'mesh.ts'),
      `import { Datacenter, Mesh } from 'meshcc';\nconst mesh = new Mesh('${env}', { clusterId: '11111111-2222-3333-4444-555555555555' });\nnew Datacenter(mesh, 'dc1', { primary: true, platform: 'vm' });\nexport default mesh;\n`,
    );
    writeFileSync(
      join(dir, 'entries', 'web.json'),
      JSON.stringify({ Kind: 'service-defaults', Name: web, Protocol: 'http' }),
    );
    writeFileSync(
      join(dir, 'entries', 'web-intentions.json'),
      JSON.stringify({ Kind: 'service-intentions', Name: web, Sources: [{ Name: `${env}-api`, Action: 'allow' }] }),
    );
    const applied = await runCli(['apply', dir, '--consul', addr, '--wait', '0']);
    expect(applied.code, applied.stderr).toBe(0);

    await tamper();
    const r = await runCli([
      'reconcile',
      dir,
      '--consul',
      addr,
      '--heal',
      '--policy',
      'service-intentions=warn',
      '--wait',
      '0',
    ]);
    expect(r.stdout).toContain(`changed`);
    expect(r.stdout).toContain('Apply complete: 1 applied, 0 failed, 0 not attempted.');
    expect(r.stderr).toContain('MC5013');
    expect(r.stderr).toContain(`service-intentions/${web}`);
    expect(r.stderr).not.toContain(`service-defaults/${web} is`);
    expect(r.stdout).toContain('Drift left by policy: 1 change(s) of warn kinds not healed.');
    expect(r.code).toBe(2);
    expect(await protocol()).toBe('http');
    expect(await action()).toBe('deny');

    // default warn for everything: nothing written, drift reported
    await tamper();
    const all = await runCli(['reconcile', dir, '--consul', addr, '--heal', '--policy=*=warn', '--wait', '0']);
    expect(all.code).toBe(2);
    expect(all.stdout).not.toContain('Apply complete');
    expect(await protocol()).toBe('grpc');
    expect(await action()).toBe('deny');

    // '*=warn' with an explicit heal for one kind, comma-separated
    const mixed = await runCli([
      'reconcile',
      dir,
      '--consul',
      addr,
      '--heal',
      '--policy',
      '*=warn,service-defaults=heal',
      '--wait',
      '0',
    ]);
    expect(mixed.code).toBe(2);
    expect(await protocol()).toBe('http');
    expect(await action()).toBe('deny');

    // the default policy heals every kind
    const healed = await runCli(['reconcile', dir, '--consul', addr, '--heal', '--wait', '0']);
    expect(healed.stdout).toContain('Apply complete: 1 applied, 0 failed, 0 not attempted.');
    expect(healed.code).toBe(0);
    expect(await action()).toBe('allow');
    expect((await runCli(['drift', dir, '--consul', addr])).code).toBe(0);

    const bad = await runCli(['reconcile', dir, '--consul', addr, '--heal', '--policy', 'service-intentions=ignore']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--policy expects KIND=heal|warn');
  });
});
