/**
 * Raw entry files of a peered environment: `entries/<cluster>/` goes to that cluster only, a file directly in
 * `entries/` to every cluster; a folder naming no cluster is MC1110 (its entries not loaded), and one Kind/Name for
 * every cluster and again for one cluster is MC1108. Proven on what `meshcc synth` writes per cluster and on the
 * entries `plan` would write (each cluster's compiled entries).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileClusters } from '../../src/compiler/compile-clusters.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { repoRoot, runCli } from './run-cli.ts';

const FIXTURE = 'test/fixtures/peered-entries';

let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'meshcc-peered-entries-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('raw entries of a peered environment', () => {
  it('go to the cluster their folder names, or to every cluster from the top of entries/', async () => {
    const r = await runCli(['synth', FIXTURE, '--out', join(out, 'synth')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const sd = (c: string, name: string) =>
      JSON.parse(
        readFileSync(join(out, 'synth', 'clusters', c, 'consul/api/service-defaults', `${name}.json`), 'utf8'),
      );
    // entries/ledger-defaults.hcl: both clusters; entries/east/ and entries/west/ each declare web, differently.
    expect(readdirSync(join(out, 'synth/clusters/east/consul/api/service-defaults')).sort()).toEqual([
      'ledger.json',
      'web.json',
    ]);
    expect(sd('east', 'ledger').Protocol).toBe('tcp');
    expect(sd('west', 'ledger').Protocol).toBe('tcp');
    expect(sd('east', 'web').Protocol).toBe('http');
    expect(sd('west', 'web').Protocol).toBe('tcp');
    const loaded = await loadEnvironment(FIXTURE, repoRoot);
    const pc = compileClusters(loaded.model);
    const web = (c: string) =>
      pc.clusters
        .find((x) => x.cluster.name === c)!
        .compilation.entries.filter((e) => e.Kind === 'service-defaults' && e.Name === 'web')
        .map((e) => (e as { Protocol?: string }).Protocol);
    expect(web('east')).toEqual(['http']);
    expect(web('west')).toEqual(['tcp']);
    expect(
      loaded.model.entries.filter((e) => e.origin === 'file').map((e) => [e.path, e.cluster ?? '(every cluster)']),
    ).toEqual([
      ['entries/east/web-defaults.hcl#service-defaults/web', 'east'],
      ['entries/ledger-defaults.hcl#service-defaults/ledger', '(every cluster)'],
      ['entries/west/web-defaults.json#service-defaults/web', 'west'],
    ]);
  });

  it('refuse a folder that names no cluster (MC1110) and an entry for every cluster declared again for one (MC1108)', async () => {
    const r = await runCli(['validate', 'test/fixtures/peered-entries-unknown', '--format', 'json']);
    expect(r.code).toBe(3);
    const ds = (JSON.parse(r.stdout) as { diagnostics: { code: string; message: string; span?: { file: string } }[] })
      .diagnostics;
    expect(ds.map((d) => d.code)).toEqual(['MC1110', 'MC1108']);
    expect(ds[0]!.message).toBe(
      "entries/north/: no cluster 'north' in this mesh (clusters: east, west); in an environment of peered clusters each folder directly under entries/ names the cluster its entries are written to",
    );
    expect(ds[0]!.span?.file).toBe('test/fixtures/peered-entries-unknown/entries/north/ledger.hcl');
    expect(ds[1]!.message).toContain('service-defaults/web is declared more than once');
    // Nothing is written when the environment has errors.
    const s = await runCli(['synth', 'test/fixtures/peered-entries-unknown', '--out', join(out, 'bad')]);
    expect(s.code).toBe(3);
    expect(() => readdirSync(join(out, 'bad'))).toThrow();
  });

  it('leave folders of a mesh without clusters alone (they only organise files)', async () => {
    const loaded = await loadEnvironment('environments/multi-dc', repoRoot);
    expect(loaded.model.entries.filter((e) => e.cluster !== undefined)).toEqual([]);
  });
});
