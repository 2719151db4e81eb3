/**
 * The GitOps path of a peered environment against two independent real Consul clusters (test/consul/peering-harness.ts,
 * fixture test/fixtures/peered-live): what the plan, apply and drift workflows run, end to end.
 *
 * Proven here: `plan --json --out` with the per-cluster addresses passed the way the workflows pass them
 * (`MESHCC_CLUSTER_SECRETS`, the one secret holding them as JSON) prints a schema-version-2 document (a plan per cluster, the
 * peering to establish, a picture with cluster boxes) holding no address or token, and saves a `meshcc-plan/2` plan;
 * `github comment --dry-run` renders it per cluster with the peering table; `apply --plan` refuses swapped addresses
 * (MC5014) and a plan whose live state moved in one cluster (MC5007) writing nothing in either cluster, then applies
 * the same plan once the entry is back as planned (entries in each cluster's own Consul, the peering established, no
 * token printed); a saved plan made while the peering was active is refused once the peering broke; drift JSON of a
 * broken peering (schema version 2) opens a drift issue on a fake GitHub naming the peering, its states and the fix;
 * `reconcile --heal` re-establishes it; `reconcile` is then clean and the drift issue is closed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { FakeGitHub } from '../github/fake-github.ts';
import { consulAvailable, MISSING_MESSAGE } from './harness.ts';
import { type PeeredPair, startPeeredPair, stopPeeredPair } from './peering-harness.ts';

const FIXTURE = 'test/fixtures/peered-live';
const skip = !consulAvailable();
if (skip) console.warn(`\n${MISSING_MESSAGE}\n`);

async function api<T>(addr: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${addr}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function eventually(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const states = async (addr: string) =>
  (await api<{ Name: string; State: string }[] | null>(addr, 'GET', '/v1/peerings'))?.map(
    (p) => `${p.Name}:${p.State}`,
  ) ?? [];

const names = async (addr: string, kind: string) =>
  ((await api<{ Name?: string }[] | null>(addr, 'GET', `/v1/config/${kind}`)) ?? []).map((e) => e.Name ?? kind);

const ajv = new Ajv2020({ allErrors: true, strict: false });
const schema = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'schemas', `${name}.schema.json`), 'utf8'));
ajv.addSchema(schema('plan'));
const planSchema = ajv.getSchema('https://meshcc.dev/schemas/plan.schema.json')!;
const driftSchema = ajv.compile(schema('drift'));

/** A peering token is base64 of JSON starting {"CA": — it must appear nowhere. */
const TOKENISH = /eyJDQSI|PeeringToken|EstablishmentSecret/;

describe.skipIf(skip)('GitOps of a peered environment on two real Consul clusters', () => {
  let pair: PeeredPair;
  let dir: string;
  /** The per-cluster secrets as a workflow passes them: `MESHCC_CLUSTER_SECRETS: ${{ secrets.MESHCC_CLUSTER_SECRETS }}`. */
  let secretsEnv: Record<string, string>;

  beforeAll(async () => {
    pair = await startPeeredPair(68);
    process.env.MESHCC_TEST_PEER_A_ID = pair.a.clusterId;
    process.env.MESHCC_TEST_PEER_B_ID = pair.b.clusterId;
    dir = mkdtempSync(join(tmpdir(), 'meshcc-peer-gitops-'));
    secretsEnv = {
      MESHCC_CLUSTER_SECRETS: JSON.stringify({
        CONSUL_HTTP_ADDR_A: pair.a.addr,
        CONSUL_HTTP_ADDR_B: pair.b.addr,
        GITHUB_TOKEN: 'ghs_notreallyatokennotreallyatoken00',
        UNRELATED: 'x',
      }),
    };
  });
  afterAll(async () => {
    if (pair) await stopPeeredPair(pair);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('plan --json --out: a plan per cluster and the peering to establish, no address or token in it', async () => {
    const r = await runCli(['plan', FIXTURE, '--json', '--out', join(dir, 'plan.saved.json')], secretsEnv);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    writeFileSync(join(dir, 'plan.json'), r.stdout);
    const doc = JSON.parse(r.stdout) as {
      schemaVersion: number;
      environment: string;
      summary: { create: number };
      actions: { cluster: string; key: string }[];
      clusters: { cluster: string; datacenter: string; actions: { key: string }[] }[];
      peerings: { key: string; plan: string; acceptor: { state?: string } }[];
      mermaid: string;
    };
    expect(doc.schemaVersion).toBe(2);
    expect(planSchema(doc), JSON.stringify(planSchema.errors)).toBe(true);
    expect(doc.environment).toBe('peered-live');
    expect(doc.clusters.map((c) => [c.cluster, c.datacenter])).toEqual([
      ['a', 'pa1'],
      ['b', 'pb1'],
    ]);
    const keys = (c: string) => doc.clusters.find((x) => x.cluster === c)!.actions.map((a) => a.key);
    expect(keys('a')).toContain('service-resolver/currency');
    expect(keys('b')).toContain('exported-services/default');
    expect(keys('b')).not.toContain('service-resolver/currency');
    // Version-1 readers still find the totals and every action (each naming its cluster).
    expect(doc.summary.create).toBe(keys('a').length + keys('b').length);
    expect(doc.actions.filter((a) => a.cluster === 'a').map((a) => a.key)).toEqual(keys('a'));
    expect(doc.peerings).toEqual([
      expect.objectContaining({ key: 'b/a <- a/b', plan: 'establish', acceptor: { cluster: 'b', peerName: 'a' } }),
    ]);
    expect(doc.mermaid).toContain('subgraph cl0["cluster a"]');
    expect(doc.mermaid).toContain('cl0 -.->|"peering: a dials b (not active)"| cl1');
    expect(r.stdout).not.toContain(pair.a.addr);
    const saved = JSON.parse(readFileSync(join(dir, 'plan.saved.json'), 'utf8')) as {
      format: string;
      clusters: { cluster: string; consul: string }[];
    };
    expect(saved.format).toBe('meshcc-plan/2');
    expect(saved.clusters.map((c) => [c.cluster, c.consul])).toEqual([
      ['a', pair.a.addr],
      ['b', pair.b.addr],
    ]);
  });

  it('github comment renders the peered plan: a row and a diff per cluster, the peering table', async () => {
    const r = await runCli(['github', 'comment', '--plan', join(dir, 'plan.json'), '--dry-run'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('across 2 clusters');
    expect(r.stdout).toMatch(/\| `a` \| `pa1` \(primary\) \| Plan: \d+ to create, 0 to update, 0 to delete \|/);
    expect(r.stdout).toContain('<details><summary>cluster <code>b</code> (<code>pb1</code>)');
    expect(r.stdout).toContain(
      '| `b/a <- a/b` | `b` (as `a`): missing | `a` (as `b`): missing | 🔗 will be established (token never shown) |',
    );
    expect(r.stdout).toMatch(/\*\*Plan: \d+ to create, 0 to update, 0 to delete, 1 peering to establish\*\*/);
  });

  it('apply --plan refuses swapped addresses and writes nothing', async () => {
    const r = await runCli([
      'apply',
      '--plan',
      join(dir, 'plan.saved.json'),
      '--consul-cluster',
      `a=${pair.b.addr}`,
      '--consul-cluster',
      `b=${pair.a.addr}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MC5014');
    expect(await names(pair.a.addr, 'service-resolver')).toEqual([]);
    expect(await states(pair.b.addr)).toEqual([]);
  });

  it('apply --plan refuses a plan whose live state moved in one cluster, writing nothing in either', async () => {
    // Someone writes b's exported-services (planned as new) by hand after the plan was made.
    await api(pair.b.addr, 'PUT', '/v1/config', { Kind: 'exported-services', Name: 'default', Services: [] });
    const r = await runCli(['apply', FIXTURE, '--plan', join(dir, 'plan.saved.json')], secretsEnv);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MC5007');
    expect(r.stderr).toContain('cluster b: exported-services/default (planned as new; it now exists)');
    expect(r.stderr).toContain('the saved plan is stale; nothing written');
    expect(await names(pair.a.addr, 'service-resolver')).toEqual([]);
    expect(await states(pair.a.addr)).toEqual([]);
    expect(await states(pair.b.addr)).toEqual([]);
  });

  it('apply --plan applies the saved plan once live state is as planned: entries per cluster, peering ACTIVE', async () => {
    await api(pair.b.addr, 'DELETE', '/v1/config/exported-services/default');
    const r = await runCli(['apply', FIXTURE, '--plan', join(dir, 'plan.saved.json'), '--wait', '60'], secretsEnv);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('peering b/a <- a/b: established');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(TOKENISH);
    expect(await names(pair.a.addr, 'service-resolver')).toEqual(['billing', 'currency']);
    expect(await names(pair.b.addr, 'service-resolver')).toEqual([]);
    expect(await names(pair.b.addr, 'exported-services')).toEqual(['default']);
    expect(await states(pair.a.addr)).toEqual(['b:ACTIVE']);
    expect(await states(pair.b.addr)).toEqual(['a:ACTIVE']);
    const again = await runCli(['plan', FIXTURE, '--json'], secretsEnv);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).peerings[0].plan).toBe('unchanged');
  });

  it('a saved plan made while the peering was active is refused once the peering broke', async () => {
    const p = await runCli(['plan', FIXTURE, '--out', join(dir, 'clean.saved.json')], secretsEnv);
    expect(p.code).toBe(0);
    await api(pair.a.addr, 'DELETE', '/v1/peering/b');
    await eventually('dialer half gone', async () => !(await states(pair.a.addr)).some((s) => s.startsWith('b:')));
    const r = await runCli(['apply', '--plan', join(dir, 'clean.saved.json')], secretsEnv);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MC5007');
    expect(r.stderr).toContain('peering b/a <- a/b (planned: acceptor ACTIVE, dialer ACTIVE; now: acceptor');
    expect(await states(pair.a.addr)).toEqual([]);
  });

  it('drift JSON of the broken peering opens a drift issue (fake GitHub) naming it and the fix', async () => {
    const d = await runCli(['drift', FIXTURE, '--json'], secretsEnv);
    expect(d.code).toBe(2);
    const doc = JSON.parse(d.stdout) as { schemaVersion: number; drifted: boolean; peerings: { active: boolean }[] };
    expect(doc.schemaVersion).toBe(2);
    expect(driftSchema(doc), JSON.stringify(driftSchema.errors)).toBe(true);
    expect(doc.drifted).toBe(true);
    expect(doc.peerings.map((p) => p.active)).toEqual([false]);
    writeFileSync(join(dir, 'drift.json'), d.stdout);
    const fake = new FakeGitHub();
    await fake.start();
    try {
      const gh = {
        GITHUB_TOKEN: fake.token,
        GITHUB_API_URL: fake.url,
        GITHUB_REPOSITORY: 'acme/mesh',
        MESHCC_GITHUB_FAST: '1',
        ...secretsEnv,
      };
      const r = await runCli(['github', 'drift-issue', '--drift', join(dir, 'drift.json')], gh);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^drift issue for peered-live opened: #\d+/);
      const body = fake.issues[0]!.body;
      expect(body).toContain('- **1** peering not active');
      expect(body).toContain('`b/a <- a/b` | `b` (as `a`): ');
      expect(body).toContain('`a` (as `b`): missing | 🛑 not active');
      expect(body).toContain("no peering 'b' in cluster a (dialer): deleted, or never established");
      expect(body).toContain('run `meshcc apply`');
      expect(body).not.toContain('ghs_notreallyatoken');

      // The scheduled heal: reconcile --heal re-establishes the peering; then reconcile is clean.
      const heal = await runCli(['reconcile', FIXTURE, '--heal', '--wait', '60'], secretsEnv);
      expect(heal.code).toBe(0);
      expect(heal.stdout).toContain('Healing: applying the environment.');
      expect(heal.stdout).toContain('peering b/a <- a/b: established');
      expect(`${heal.stdout}${heal.stderr}`).not.toMatch(TOKENISH);
      expect(await states(pair.a.addr)).toEqual(['b:ACTIVE']);
      const check = await runCli(['reconcile', FIXTURE], secretsEnv);
      expect(check.code).toBe(0);
      expect(check.stdout).toContain('No drift in environment peered-live.');
      const clean = await runCli(['drift', FIXTURE, '--json'], secretsEnv);
      expect(clean.code).toBe(0);
      writeFileSync(join(dir, 'drift.json'), clean.stdout);
      const closed = await runCli(['github', 'drift-issue', '--drift', join(dir, 'drift.json')], gh);
      expect(closed.stdout).toMatch(/^drift issue for peered-live closed: #\d+/);
      expect(fake.issues[0]!.state).toBe('closed');
    } finally {
      await fake.stop();
    }
  });

  it('reconcile --heal with a warn policy leaves a changed entry of that kind and reports it (exit 2)', async () => {
    const live = await api<Record<string, unknown>>(pair.a.addr, 'GET', '/v1/config/service-resolver/currency');
    await api(pair.a.addr, 'PUT', '/v1/config', { ...live, ConnectTimeout: '17s' });
    const r = await runCli(['reconcile', FIXTURE, '--heal', '--policy', 'service-resolver=warn'], secretsEnv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MC5013');
    expect(r.stderr).toContain('a/service-resolver/currency');
    expect(r.stdout).toContain('Drift left by policy: 1 change(s) of warn kinds not healed.');
    const healed = await runCli(['reconcile', FIXTURE, '--heal'], secretsEnv);
    expect(healed.code).toBe(0);
    const after = await api<{ ConnectTimeout?: string }>(pair.a.addr, 'GET', '/v1/config/service-resolver/currency');
    expect(after.ConnectTimeout ?? '0s').not.toBe('17s');
  });
});
