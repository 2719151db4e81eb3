import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Artifact } from '../../src/emit/artifact.ts';
import { consulBinary, missingPeer } from '../support/peers.ts';
import { emitPerDatacenter } from './emit-all.ts';
import { allEnvironmentCompilations } from './environments.ts';
import { fixtures } from './fixtures.ts';

const consul = consulBinary();
const skip = !consul && missingPeer('real Consul binary', 'run scripts/setup-consul.sh or set MESHCC_CONSUL');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs `consul validate` on one datacenter's agent config plus service files of one format. */
function validate(artifacts: readonly Artifact[], dc: string, ext: 'hcl' | 'json'): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshcc-validate-'));
  dirs.push(dir);
  const files = artifacts.filter((a) => a.path.startsWith(`${dc}/agent/`) && a.path.endsWith(`.${ext}`));
  expect(files.length).toBeGreaterThan(0);
  for (const a of files) writeFileSync(join(dir, a.path.slice(dc.length + 1).replaceAll('/', '__')), a.content);
  // A local, machine-specific setting every real agent has; not part of meshcc's output.
  writeFileSync(join(dir, 'zz-local.json'), JSON.stringify({ data_dir: join(dir, 'data') }));
  return execFileSync(consul!, ['validate', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function vmCases() {
  const out: { name: string; dc: string; artifacts: Artifact[] }[] = [];
  const comps = [
    ...Object.entries(fixtures).map(([n, f]) => [n, f()] as const),
    ...(await allEnvironmentCompilations()),
  ];
  for (const [name, c] of comps) {
    const artifacts = emitPerDatacenter(c);
    for (const dc of c.model.datacenters.filter((d) => d.platform === 'vm')) out.push({ name, dc: dc.name, artifacts });
  }
  return out;
}

describe.skipIf(skip)('real Consul accepts the agent and service files', async () => {
  const cases = await vmCases();
  it.each(cases)('$name: $dc in HCL and in JSON', ({ dc, artifacts }) => {
    expect(validate(artifacts, dc, 'hcl')).toContain('Configuration is valid!');
    expect(validate(artifacts, dc, 'json')).toContain('Configuration is valid!');
  });
});
