import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/emit/artifact.ts';
import { runCli } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'meshcc-synth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('meshcc synth', () => {
  it('writes every artifact of multi-dc with a manifest whose hashes match the files', async () => {
    const out = join(tmp, 'a');
    const r = await runCli(['synth', 'environments/multi-dc', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = tree(out);
    const manifest = JSON.parse(files['manifest.json']!) as { files: { path: string; sha256: string }[] };
    expect(manifest.files.map((f) => f.path).sort()).toEqual(
      Object.keys(files)
        .filter((f) => f !== 'manifest.json')
        .sort(),
    );
    for (const f of manifest.files) expect(sha256(files[f.path]!), f.path).toBe(f.sha256);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        'consul/api/service-resolver/currency.json',
        'consul/hcl/service-resolver/currency.hcl',
        'consul/crd/service-resolver/currency.yaml',
        'compiled/dc1/payments.json',
        'dc1/helm/values.yaml',
        'dc2/agent/agent.hcl',
        'terraform/main.tf.json',
      ]),
    );
  });

  it('is byte-for-byte deterministic and leaves an unchanged output alone', async () => {
    const a = join(tmp, 'det-a');
    const b = join(tmp, 'det-b');
    await runCli(['synth', 'environments/gateway-modes', '--out', a]);
    await runCli(['synth', 'environments/gateway-modes', '--out', b]);
    expect(tree(a)).toEqual(tree(b));
    const again = await runCli(['synth', 'environments/gateway-modes', '--out', a]);
    expect(again.stdout).toMatch(/^unchanged:/);
  });

  it('fails on a construct argument out of range with MC1002 at the line, writing nothing', async () => {
    const out = join(tmp, 'bad-port');
    const r = await runCli(['synth', 'test/fixtures/bad-port', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/test\/fixtures\/bad-port\/mesh\.ts\(6,\d+\): error MC1002: /);
    expect(r.stderr).toContain('port');
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(existsSync(out)).toBe(false);
  });

  it('fails on a raw entry Consul would reject, naming file, line and field, and keeps the previous output', async () => {
    const out = join(tmp, 'bad-entry');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'keep.txt'), 'previous run\n');
    const r = await runCli(['synth', 'test/fixtures/bad-entry', '--out', out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/bad-entry\/entries\/proxy-defaults\.json\(4,\d+\): error MC11\d\d: /);
    expect(r.stderr).toContain('MeshGateway');
    expect(tree(out)).toEqual({ 'keep.txt': 'previous run\n' });
  });

  it('reports an environment that throws as MC1001 at its line, without a stack trace', async () => {
    const r = await runCli(['synth', 'test/fixtures/throws', '--out', join(tmp, 'throws')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/test\/fixtures\/throws\/mesh\.ts\(6,\d+\): error MC1001: .*web is not configured/);
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  });

  it('names a missing environment', async () => {
    const r = await runCli(['synth', 'environments/nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('environments/nope');
  });
});
