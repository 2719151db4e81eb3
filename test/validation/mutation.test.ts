/**
 * Mutation test from the issue: take environments/multi-dc, remove dc2's mesh gateway, and the currency failover to
 * dc2 must be reported unreachable at the right lines (the upstream in mesh.ts, the failover in the resolver file).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';

const envDir = join(import.meta.dirname, '../../environments/multi-dc');

async function compileWithout(dc: string) {
  const loaded = await loadEnvironment(envDir);
  const model = { ...loaded.model, gateways: loaded.model.gateways.filter((g) => g.datacenter !== dc) };
  return compile(model).diagnostics;
}

const where = (s?: { file: string; line: number }) => (s ? `${s.file.slice(envDir.length + 1)}:${s.line}` : '');

describe('environments/multi-dc without the dc2 mesh gateway', () => {
  it('is clean before the mutation', async () => {
    const loaded = await loadEnvironment(envDir);
    expect(compile(loaded.model).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('reports the currency failover to dc2 unreachable at the upstream and at the resolver failover line', async () => {
    const ds = await compileWithout('dc2');
    const failover = ds.find((d) => d.code === 'MC3011');
    expect(failover?.severity).toBe('error');
    expect(failover?.message).toContain("currency (failover target) in 'dc2'");
    expect(failover?.path).toBe('multi-dc/payments/dc1/currency');
    // payments.deploy(dc1, ...).addUpstream(currency, ...) is on line 39 of mesh.ts
    expect(where(failover?.span)).toBe('mesh.ts:39');
    expect(failover?.related?.map((r) => `${r.message} @ ${where(r.span)}`)).toEqual([
      "datacenter 'dc2' declared here @ mesh.ts:14",
      "failover of 'currency' declared here @ entries/currency-resolver.hcl:6",
    ]);
  });

  it('reports dc2 as a datacenter the WAN federation cannot reach, at its declaration', async () => {
    const ds = await compileWithout('dc2');
    const topology = ds.find((d) => d.code === 'MC3005');
    expect(topology?.severity).toBe('error');
    expect(where(topology?.span)).toBe('mesh.ts:14');
  });

  it('leaves the same-datacenter paths alone (no false alarm for web → payments or the dc1 primary)', async () => {
    const ds = await compileWithout('dc2');
    expect(ds.filter((d) => d.path === 'multi-dc/web/dc1/payments')).toEqual([]);
    expect(ds.filter((d) => d.code === 'MC3011' || d.code === 'MC3010' || d.code === 'MC3012')).toHaveLength(1);
  });
});
