/**
 * Creates every emitted ACL policy, in both its HCL and JSON form, on a real Consul dev agent with ACLs on (loopback
 * only, random ports, stopped after the suite). Consul parses the rules on create and rejects bad ones.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Compilation } from '../../src/compiler/types.ts';
import { emitAclPolicies } from '../../src/emit/acl-policies.ts';
import type { Artifact } from '../../src/emit/artifact.ts';
import { terraformDocument } from '../../src/emit/terraform-json.ts';
import { KINDS } from '../../src/reconcile/consul-client.ts';
import { consulBinary, missingPeer } from '../support/peers.ts';
import { allEnvironmentCompilations } from './environments.ts';
import { fixtures } from './fixtures.ts';

const consul = consulBinary();
const skip = !consul && missingPeer('real Consul binary', 'run scripts/setup-consul.sh or set MESHCC_CONSUL');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(skip)('a real Consul agent with ACLs', async () => {
  const token = randomUUID();
  let agent: ChildProcess | undefined;
  let dataDir = '';
  let http = 0;
  let log = '';

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${http}${path}`, {
      method,
      headers: { 'X-Consul-Token': token },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'meshcc-consul-acl-'));
    const [h, d, s, l, w, g] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    http = h;
    const hcl =
      `ports { http = ${h}\n dns = ${d}\n server = ${s}\n serf_lan = ${l}\n serf_wan = ${w}\n grpc = ${g}\n grpc_tls = -1 }\n` +
      `acl { enabled = true\n default_policy = "deny"\n tokens { initial_management = "${token}" } }\n` +
      `data_dir = "${dataDir}"`;
    agent = spawn(consul!, ['agent', '-dev', '-bind', '127.0.0.1', '-client', '127.0.0.1', '-hcl', hcl], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent.stdout?.on('data', (b: Buffer) => {
      log += b.toString();
    });
    agent.stderr?.on('data', (b: Buffer) => {
      log += b.toString();
    });
    for (let i = 0; i < 300; i++) {
      const r = await api('GET', '/v1/acl/token/self').catch(() => undefined);
      if (r?.ok) return;
      if (agent.exitCode !== null) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`consul dev agent did not come up:\n${log.slice(-2000)}`);
  });

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((res) => agent!.once('exit', res));
      agent.kill('SIGTERM');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const rank = (kind: string): number => {
    const i = KINDS.indexOf(kind as (typeof KINDS)[number]);
    return i < 0 ? KINDS.length : i;
  };
  const policies: Artifact[] = [];
  const named: [string, Compilation][] = [
    ...Object.entries(fixtures).map(([n, f]) => [`fixture ${n}`, f()] as [string, Compilation]),
    ...(await allEnvironmentCompilations()),
  ];
  const comps = named.map(([, c]) => c);
  for (const c of comps) policies.push(...emitAclPolicies(c));
  const unique = [...new Map(policies.map((a) => [a.path.replace(/^[^/]+\/acl\//, ''), a])).values()];

  it('has policies to create', () => {
    expect(unique.length).toBeGreaterThan(4);
  });

  it('rejects an invalid access level (so acceptance below means something)', async () => {
    const r = await api('PUT', '/v1/acl/policy', { Name: 't-bad', Rules: 'service "x" {\n  policy = "wirte"\n}\n' });
    expect(r.status).not.toBe(200);
  });

  it.each(unique.map((a) => ({ file: a.path, a })))('accepts $file', async ({ a }) => {
    const name = `t-${a.path.replace(/[^A-Za-z0-9-]/g, '-')}`;
    const r = await api('PUT', '/v1/acl/policy', { Name: name, Rules: a.content });
    expect(r.status, await r.clone().text()).toBe(200);
    const created = (await r.json()) as { Rules: string };
    expect(created.Rules).toBe(a.content);
  });

  // Each compilation's entries go in together, in the order apply writes them (Consul checks the discovery chains an
  // entry changes against what is already stored), and are deleted again, so examples never see each other's entries.
  const byCompilation = named.map(([name, c]) => ({
    name,
    resources: Object.entries(
      (terraformDocument(c) as { resource?: { consul_config_entry?: Record<string, Record<string, string>> } }).resource
        ?.consul_config_entry ?? {},
    )
      .map(([id, r]) => ({ id, r }))
      .sort((a, b) => rank(a.r.kind ?? '') - rank(b.r.kind ?? '')),
  }));

  it.each(byCompilation)(
    'stores every entry of $name as written, so a plan after apply is empty',
    async ({ resources }) => {
      const written: { kind: string; name: string }[] = [];
      try {
        for (const { id, r } of resources) {
          // The mesh entry has no Name in Consul's API (its name is always "mesh").
          const sent = { Kind: r.kind, ...(r.kind === 'mesh' ? {} : { Name: r.name }), ...JSON.parse(r.config_json!) };
          const put = await api('PUT', '/v1/config', sent);
          expect(put.status, `${id}: ${await put.clone().text()}`).toBe(200);
          written.push({ kind: String(r.kind), name: String(r.name) });
          const got = (await (await api('GET', `/v1/config/${r.kind}/${r.name}`)).json()) as Record<string, unknown>;
          const { CreateIndex: _c, ModifyIndex: _m, Hash: _h, ...stored } = got;
          expect(stored, id).toEqual(sent);
        }
      } finally {
        for (const w of written.reverse()) await api('DELETE', `/v1/config/${w.kind}/${w.name}`);
      }
    },
  );
});
