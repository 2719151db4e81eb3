/**
 * ACL-enabled variant: its own single-server Consul (dev mode, ACLs default deny) on 127.0.56.1, started and killed by
 * this file. A token that may write services but not intentions must write nothing (preflight, MC5011), and the token
 * never appears in any output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulClient } from '../../src/reconcile/consul-client.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { CONSUL_BIN, consulAvailable, MISSING_MESSAGE } from './harness.ts';

const ADDR = 'http://127.0.56.1:8500';
const MANAGEMENT = 'aaaaaaaa-1111-2222-3333-444444444444';
const available = consulAvailable();
if (!available) console.warn(`\n${MISSING_MESSAGE}\n`);

describe.skipIf(!available)('apply with an ACL token lacking a permission', () => {
  let agent: ChildProcess | undefined;
  const dir = join(repoRoot, 'out', `acl-${process.pid}`);
  let limited = '';

  beforeAll(async () => {
    const acl = `acl { enabled = true, default_policy = "deny", tokens { initial_management = "${MANAGEMENT}" } }`;
    agent = spawn(
      CONSUL_BIN,
      ['agent', '-dev', '-bind', '127.0.56.1', '-client', '127.0.56.1', '-hcl', 'ports { dns = -1 }', '-hcl', acl],
      {
        stdio: 'ignore',
      },
    );
    const admin = new ConsulClient({ addr: ADDR, token: MANAGEMENT, retryBudgetMs: 30_000, baseBackoffMs: 200 });
    await admin.request('PUT', '/v1/acl/policy', {
      body: {
        Name: 'services-only',
        Rules:
          'service_prefix "" { policy = "write" }\nkey_prefix "meshcc/locks/" { policy = "write" }\nsession_prefix "" { policy = "write" }',
      },
    });
    const tok = await admin.request<{ SecretID: string }>('PUT', '/v1/acl/token', {
      body: { Policies: [{ Name: 'services-only' }] },
    });
    limited = tok.body.SecretID;
    mkdirSync(join(dir, 'entries'), { recursive: true });
    writeFileSync(
      join(dir, 'mesh.ts'),
      "import { Datacenter, Mesh } from 'meshcc';\nconst mesh = new Mesh('acl-env', { clusterId: '11111111-2222-3333-4444-555555555555' });\nnew Datacenter(mesh, 'dc1', { primary: true, platform: 'vm' });\nexport default mesh;\n",
    );
    writeFileSync(
      join(dir, 'entries', 'web.json'),
      JSON.stringify({ Kind: 'service-defaults', Name: 'web', Protocol: 'http' }),
    );
    writeFileSync(
      join(dir, 'entries', 'web-intentions.json'),
      JSON.stringify({ Kind: 'service-intentions', Name: 'web', Sources: [{ Name: 'api', Action: 'allow' }] }),
    );
    writeFileSync(join(dir, 'token'), limited);
  });

  afterAll(() => {
    agent?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the missing intention permission per entry and writes nothing', async () => {
    const r = await runCli(['apply', dir, '--consul', ADDR, '--token-file', join(dir, 'token'), '--wait', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MC5011');
    expect(r.stderr).toContain('service-intentions/web');
    expect(r.stderr).toContain('intention:write on "web"');
    expect(r.stderr).not.toContain('service-defaults/web (needs');
    expect(`${r.stdout}${r.stderr}`).not.toContain(limited);
    const admin = new ConsulClient({ addr: ADDR, token: MANAGEMENT });
    expect(await admin.read('service-defaults', 'web')).toBeUndefined();
  });

  it('applies once the token is sufficient', async () => {
    const r = await runCli(['apply', dir, '--consul', ADDR, '--wait', '0'], { CONSUL_HTTP_TOKEN: MANAGEMENT });
    expect(r.stdout).toContain('Apply complete: 2 applied, 0 failed, 0 not attempted.');
    expect(r.code).toBe(0);
  });

  it('never prints a rejected token', async () => {
    const bogus = 'bbbbbbbb-0000-0000-0000-000000000000';
    const r = await runCli(['plan', dir, '--consul', ADDR, '--timeout', '1'], { CONSUL_HTTP_TOKEN: bogus });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error MC5002');
    expect(`${r.stdout}${r.stderr}`).not.toContain(bogus);
  });
});
