/** `meshcc validate`, `reach` and `graph` end to end on fixture environments (in-process CLI). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkEntryDecls } from '../../src/cli/commands/validate.ts';
import { runCli } from '../cli/run-cli.ts';
import { entry } from './model.ts';

const broken = 'test/validation/fixtures/broken';
const clean = 'test/validation/fixtures/clean';
/** 1-based line of the cross-datacenter upstream in the broken fixture (where MC3012 points). */
const apiLine =
  readFileSync(join(import.meta.dirname, 'fixtures/broken/mesh.ts'), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('w.addUpstream(api')) + 1;
const tmp = mkdtempSync(join(tmpdir(), 'meshcc-validate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('meshcc validate', () => {
  test('exits 3 and prints located errors when the environment has errors', async () => {
    const r = await runCli(['validate', broken]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(
      `${broken}/mesh.ts(${apiLine},3): error MC3012: upstream web → api reaches api in 'dc2'`,
    );
    expect(r.stdout).toContain('warning (suppressed: loopback health probe) MC3021');
    expect(r.stderr).toMatch(/error\(s\), 0 warning\(s\), 0 info, 1 suppressed/);
  });

  test('exits 0 with only warnings, and 3 when the threshold is warning', async () => {
    expect((await runCli(['validate', clean])).code).toBe(0);
    const strict = await runCli(['validate', clean, '--failure-threshold', 'warning']);
    expect(strict.code).toBe(3);
    expect(strict.stdout).toContain('warning MC3021');
  });

  test('prints stable JSON and GitHub workflow commands', async () => {
    const a = await runCli(['validate', broken, '--format', 'json']);
    const b = await runCli(['validate', broken, '--format', 'json']);
    expect(a.stdout).toBe(b.stdout);
    const doc = JSON.parse(a.stdout);
    expect(doc.diagnostics.map((d: { code: string }) => d.code)).toContain('MC3012');
    expect(doc.summary.suppressed).toBe(1);
    const gh = await runCli(['validate', broken, '--format', 'github']);
    expect(gh.stdout).toContain(
      `::error file=${broken}/mesh.ts,line=${apiLine},col=3,title=MC3012::upstream web → api`,
    );
  });

  test('rejects an unknown format or threshold with exit 1', async () => {
    expect((await runCli(['validate', clean, '--format', 'xml'])).code).toBe(1);
    expect((await runCli(['validate', clean, '--failure-threshold', 'info'])).code).toBe(1);
  });

  test('--report appends every upstream path hop by hop', async () => {
    const r = await runCli(['validate', clean, '--report']);
    expect(r.stdout).toContain('web [dc1] → api (datacenter dc2): reachable');
    expect(r.stdout).toContain(
      'sidecar:web-sidecar-proxy@dc1 → local-gateway:mesh-gateway@dc1(10.1.0.10:8443) → remote-gateway:mesh-gateway@dc2(198.51.100.2:443) → instance:api@dc2(10.2.0.30:9091)  [ok]',
    );
  });

  test('--entries checks a folder of entry files on its own and exits 0 when it is empty', async () => {
    const r = await runCli(['validate', '--entries', tmp]);
    expect(r.code).toBe(0);
  });

  test('MC3060: a resolver Consul would refuse is reported with Consul’s message; a valid one is not', () => {
    const bad = entry({
      Kind: 'service-resolver',
      Name: 'api',
      Redirect: { Service: 'v2' },
      Failover: { '*': { Datacenters: ['dc2'] } },
    });
    const ds = checkEntryDecls([bad]);
    expect(ds.map((d) => d.code)).toEqual(['MC3060']);
    expect(ds[0]?.path).toBe(bad.path);
    expect(ds[0]?.span).toEqual(bad.span);
    expect(ds[0]?.message).toBe(
      "service-resolver 'api' would be rejected by Consul: Redirect and Failover cannot both be set",
    );
    expect(
      checkEntryDecls([entry({ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc2'] } } })]),
    ).toEqual([]);
  });
});

describe('meshcc reach and graph', () => {
  test('reach exits 3 when an upstream is unreachable and explains why', async () => {
    const r = await runCli(['reach', broken]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('web [dc1] → api (datacenter dc2): UNREACHABLE');
    expect(r.stdout).toContain("[unreachable: mode 'none' across networks dc1 and dc2]");
    expect((await runCli(['reach', clean])).code).toBe(0);
  });

  test('graph prints the same mermaid twice and dot on request', async () => {
    const a = await runCli(['graph', broken]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe((await runCli(['graph', broken])).stdout);
    expect(a.stdout).toMatch(/^flowchart LR\n/);
    expect(a.stdout).toContain('linkStyle');
    const dot = await runCli(['graph', broken, '--format', 'dot']);
    expect(dot.stdout).toMatch(/^digraph mesh \{/);
    expect(dot.stdout).toContain(
      '"dc1/svc/web" -> "dc2/svc/api" [label="api · none", style=dashed, color=red, fontcolor=red];',
    );
  });
});
