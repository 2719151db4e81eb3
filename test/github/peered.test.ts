/**
 * The GitHub half of a peered environment against the fake GitHub REST server (test/github/fake-github.ts): the plan
 * comment, check run and job summary of a schema-version-2 plan document, and the drift issue of a peering that broke.
 * The documents are made by the same code `meshcc plan --json` and `meshcc drift --json` run (compiled clusters,
 * `computePlan`, `assessPeering`, `peeredPlanDocument`); test/consul/peering-gitops.test.ts makes them against real
 * Consul. Annotations come from `meshcc validate --format json` of a peered fixture with a finding, at its file:line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileClusters } from '../../src/compiler/compile-clusters.ts';
import { stableJson } from '../../src/emit/artifact.ts';
import { GITHUB_COMMENT_LIMIT, renderPlanComment } from '../../src/github/comment-body.ts';
import { parseDriftDocument, parsePlanDocument } from '../../src/github/types.ts';
import { renderMermaid } from '../../src/graph/mermaid.ts';
import { peeredMeshGraph } from '../../src/graph/peered-graph.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { classifyPrimary } from '../../src/reconcile/drift.ts';
import { peeredPlanDocument } from '../../src/reconcile/peered-plan.ts';
import { assessPeering } from '../../src/reconcile/peering.ts';
import { computePlan } from '../../src/reconcile/plan.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { FakeGitHub } from './fake-github.ts';

/** What `meshcc plan <env> --json` prints for a peered environment against Consuls holding nothing yet. */
async function planJson(
  env: string,
  activePeering = false,
  liveIn: Record<string, unknown[]> = {},
  blockers: (string | undefined)[] = [],
): Promise<string> {
  const loaded = await loadEnvironment(env, repoRoot);
  const pc = compileClusters(loaded.model);
  const clusters = pc.clusters.map((c) => ({
    cluster: c.cluster.name,
    datacenter: c.cluster.primaryDatacenter,
    datacenters: c.cluster.datacenters,
    trustDomain: c.cluster.trustDomain,
    consul: `http://consul.${c.cluster.name}.internal:8500`,
    plan: computePlan(loaded.model.name, c.compilation.entries, (liveIn[c.cluster.name] ?? []) as never),
  }));
  const live = (name: string) => (activePeering ? [{ ID: '1', Name: name, State: 'ACTIVE' }] : []);
  const peerings = (loaded.model.peerings ?? []).map((p) =>
    assessPeering(p, live(p.acceptor.peerName), live(p.dialer.peerName)),
  );
  const g = peeredMeshGraph(
    pc.model,
    pc.clusters.flatMap((c) => c.compilation.upstreams),
    new Map(peerings.map((a) => [a.key, a.active])),
  );
  return stableJson(
    peeredPlanDocument({ environment: loaded.model.name, clusters, peerings }, renderMermaid(g), blockers),
  );
}

let fake: FakeGitHub;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshcc-gh-peered-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  fake = new FakeGitHub();
  await fake.start();
  fake.pulls.set(7, { state: 'open', merged: false });
});
afterEach(async () => {
  await fake.stop();
});

const env = () => ({
  GITHUB_TOKEN: fake.token,
  GITHUB_API_URL: fake.url,
  GITHUB_REPOSITORY: 'acme/mesh',
  GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
  MESHCC_GITHUB_FAST: '1',
  CONSUL_HTTP_TOKEN_WEST: 'west-secret-token-0123456789',
});

describe('against a fake GitHub REST server: a peered environment', () => {
  it('posts the plan comment with a row and a diff per cluster, the peering table and the picture', async () => {
    writeFileSync(join(dir, 'plan.json'), await planJson('environments/peered'));
    const r = await runCli(['github', 'comment', '--plan', join(dir, 'plan.json'), '--pr', '7'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const body = fake.comments[0]!.body;
    expect(body.startsWith('<!-- meshcc:plan env=peered -->\n')).toBe(true);
    const doc = parsePlanDocument(JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')));
    for (const d of doc.datacenters) {
      expect(body).toContain(`| \`${d.cluster}\` | \`${d.datacenter}\` (primary) | Plan: ${d.create} to create,`);
      expect(body).toContain(`<details><summary>cluster <code>${d.cluster}</code> (<code>${d.datacenter}</code>)`);
    }
    // Each cluster's diff under its own heading: east's resolver only under east.
    const east = body.slice(body.indexOf('cluster <code>east</code>'), body.indexOf('cluster <code>west</code>'));
    expect(east).toContain('+ service-resolver/currency');
    expect(body.slice(body.indexOf('cluster <code>west</code>'))).not.toContain('+ service-resolver/currency');
    expect(body).toContain('#### Peerings');
    expect(body).toContain(
      '| `west/east <- east/west` | `west` (as `east`): missing | `east` (as `west`): missing | 🔗 will be established (token never shown) |',
    );
    expect(body).toContain('across 2 clusters');
    expect(body).toContain('subgraph cl0["cluster east"]');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('#### Peerings');
  });

  it('says why a peering cannot be established now when plan found a blocker', async () => {
    const why =
      'cluster west: servers are configured to PeerThroughMeshGateways, but no mesh gateway instances are registered';
    writeFileSync(join(dir, 'plan-blocked.json'), await planJson('environments/peered', false, {}, [why]));
    const r = await runCli(['github', 'summary', '--plan', join(dir, 'plan-blocked.json')], {});
    expect(r.stdout).toContain(`| \`east\` (as \`west\`): missing | ⚠️ cannot be established now: ${why} |`);
    const c = await runCli(['github', 'check', '--plan', join(dir, 'plan-blocked.json'), '--dry-run'], {});
    expect(c.stdout).toContain(`acceptor missing, dialer missing (cannot be established now: ${why})`);
    // An active peering never carries one.
    const active = JSON.parse(await planJson('environments/peered', true, {}, [why]));
    expect(active.peerings[0].blocker).toBeUndefined();
  });

  it("names the cluster of a plan finding (an unmanaged entry in west's Consul)", async () => {
    const adhoc = { Kind: 'service-defaults', Name: 'adhoc', Protocol: 'tcp', ModifyIndex: 5 };
    writeFileSync(join(dir, 'plan-unmanaged.json'), await planJson('environments/peered', false, { west: [adhoc] }));
    const r = await runCli(['github', 'summary', '--plan', join(dir, 'plan-unmanaged.json')], {});
    expect(r.stdout).toMatch(/- ℹ️ info \*\*MC5003\*\* `cluster west`: .*service-defaults\/adhoc/);
  });

  it('says "1 peering to establish" when the entries are in place but the peering is not', async () => {
    const doc = JSON.parse(await planJson('environments/peered')) as Record<string, unknown>;
    const empty = { create: 0, update: 0, delete: 0 };
    const bare = {
      ...doc,
      summary: empty,
      actions: [],
      clusters: (doc.clusters as Record<string, unknown>[]).map((c) => ({ ...c, summary: empty, actions: [] })),
    };
    writeFileSync(join(dir, 'plan-peering.json'), JSON.stringify(bare));
    const r = await runCli(['github', 'summary', '--plan', join(dir, 'plan-peering.json')], {});
    expect(r.stdout).toContain('**Plan: 1 peering to establish** across 2 clusters');
    const active = await runCli(
      ['github', 'check', '--plan', join(dir, 'plan-peering.json'), '--dry-run', '--env', 'peered'],
      {},
    );
    expect(active.stdout).toContain('peered: Plan: 1 peering to establish (success)');
    expect(active.stdout).toContain(
      '- peering `west/east <- east/west`: acceptor missing, dialer missing (will be established)',
    );
  });

  it('creates the check run with the peered finding annotated at its file:line and a line per cluster', async () => {
    const v = await runCli(['validate', 'test/fixtures/peered-unexported', '--format', 'json']);
    expect(v.code).toBe(3);
    writeFileSync(join(dir, 'validate.json'), v.stdout);
    writeFileSync(join(dir, 'plan-bad.json'), await planJson('test/fixtures/peered-unexported', true));
    const r = await runCli(
      [
        'github',
        'check',
        '--env',
        'peered',
        '--validation',
        join(dir, 'validate.json'),
        '--plan',
        join(dir, 'plan-bad.json'),
        '--sha',
        'abc1234',
        '--root',
        repoRoot,
      ],
      env(),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe("check run 'meshcc / peered' failure: 1 annotations in 1 requests\n");
    const run = fake.checkRuns[0]!;
    const mesh = readFileSync(join(repoRoot, 'test/fixtures/peered-unexported/mesh.ts'), 'utf8').split('\n');
    const [a] = run.annotations as { path: string; start_line: number; title: string; annotation_level: string }[];
    expect(a).toMatchObject({
      path: 'test/fixtures/peered-unexported/mesh.ts',
      annotation_level: 'failure',
      title: 'MC3103 (peered/payments/dc1/ledger.peer-west)',
    });
    // The line is the upstream to the peer's ledger.
    expect(mesh[a!.start_line - 1]).toContain("addUpstream(ledger, { localBindPort: 9095, peer: 'west' })");
    const created = fake.requests.find((q) => q.method === 'POST' && q.path.endsWith('/check-runs'))!;
    const output = created.body!.output as { summary: string };
    expect(output.summary).toContain('- cluster `east` (`dc1`): Plan:');
    expect(output.summary).toContain('- cluster `west` (`dc2`): Plan:');
    expect(output.summary).toContain('- peering `west/east <- east/west`: acceptor ACTIVE, dialer ACTIVE');
  });

  it('opens the drift issue for a peering deleted on one side (a row per cluster, the fix), never showing a token', async () => {
    const loaded = await loadEnvironment('environments/peered', repoRoot);
    const pc = compileClusters(loaded.model);
    // east's currency resolver is gone from its Consul; the dialer's half of the peering was deleted.
    const items = pc.clusters.flatMap((c) =>
      classifyPrimary(
        'peered',
        c.compilation.entries,
        c.compilation.entries
          .filter((e) => !(c.cluster.name === 'east' && e.Name === 'currency' && e.Kind === 'service-resolver'))
          .map((e) => ({ ...e, ModifyIndex: 10 })),
        c.cluster.primaryDatacenter,
      ).map((i) => ({ ...i, cluster: c.cluster.name })),
    );
    const peerings = (loaded.model.peerings ?? []).map((p) =>
      assessPeering(p, [{ ID: '1', Name: p.acceptor.peerName, State: 'ACTIVE' }], []),
    );
    const json = stableJson({ schemaVersion: 2, environment: 'peered', drifted: true, items, peerings });
    const doc = parseDriftDocument(JSON.parse(json));
    expect(doc.items).toEqual([
      { datacenter: 'dc1', cluster: 'east', class: 'deleted', kind: 'service-resolver', name: 'currency' },
    ]);
    writeFileSync(join(dir, 'drift.json'), json);
    const r = await runCli(['github', 'drift-issue', '--drift', join(dir, 'drift.json')], env());
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^drift issue for peered opened: #\d+/);
    const body = fake.issues[0]!.body;
    expect(body).toContain('| Cluster | Datacenter | Entry | Drift | Owner |');
    expect(body).toContain('| `east` | `dc1` | `service-resolver/currency` | deleted | — |');
    expect(body).toContain('- **1** peering not active');
    expect(body).toContain(
      '| `west/east <- east/west` | `west` (as `east`): ACTIVE | `east` (as `west`): missing | 🛑 not active |',
    );
    expect(body).toContain("**peering `west/east <- east/west`** (MC5015): no peering 'west' in cluster east (dialer)");
    expect(body).not.toContain('west-secret-token');

    // Only the peering broken, no entry drift: still drift, the issue stays open and is updated.
    const onlyPeering = stableJson({ schemaVersion: 2, environment: 'peered', drifted: true, items: [], peerings });
    writeFileSync(join(dir, 'drift.json'), onlyPeering);
    const again = await runCli(['github', 'drift-issue', '--drift', join(dir, 'drift.json')], env());
    expect(again.stdout).toMatch(/^drift issue for peered updated: #\d+/);
    expect(fake.issues[0]!.state).toBe('open');
  });

  it('fits a peered plan with a huge diff in one cluster under the comment limit, keeping both rows and the peerings', async () => {
    const doc = parsePlanDocument(JSON.parse(await planJson('environments/peered')));
    const lines = Array.from({ length: 200_000 }, (_, i) => `+ service-resolver/svc-${i}`).join('\n');
    const big = {
      ...doc,
      datacenters: doc.datacenters.map((d) => (d.cluster === 'east' ? { ...d, create: 200_000, diff: lines } : d)),
    };
    const body = renderPlanComment(big);
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body).toContain('| `east` | `dc1` (primary) | Plan: 200000 to create, 0 to update, 0 to delete |');
    expect(body).toContain('| `west` | `dc2` (primary) |');
    expect(body).toContain('#### Peerings');
    expect(body).toMatch(/… \d+ lines elided/);
    // west's short diff is kept whole.
    const west = doc.datacenters.find((d) => d.cluster === 'west')!;
    expect(body).toContain(west.diff);
  });

  it('refuses a plan or drift document of a newer schema version with a clear message', async () => {
    writeFileSync(
      join(dir, 'plan-v3.json'),
      JSON.stringify({ schemaVersion: 3, environment: 'x', summary: {}, actions: [] }),
    );
    const r = await runCli(['github', 'comment', '--plan', join(dir, 'plan-v3.json'), '--pr', '7'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('plan JSON: schema version 3 is newer than this meshcc reads (2); update meshcc');
    expect(fake.requests).toHaveLength(0);
  });
});
