import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { phases } from '../../src/reconcile/apply.ts';
import { backoffDelay, isRetryableStatus, type LiveEntry, redact } from '../../src/reconcile/consul-client.ts';
import { classifyPrimary, classifySecondary, isDrifted } from '../../src/reconcile/drift.ts';
import { importEnvironment } from '../../src/reconcile/import.ts';
import { fieldChanges, normalizeEntry, sameContent } from '../../src/reconcile/normalize.ts';
import { checkSafety, computePlan, planCounts, toSavedPlan } from '../../src/reconcile/plan.ts';
import { renderPlanJson, renderPlanText } from '../../src/reconcile/render-plan.ts';

const ENV = 'unit';
const owned = { 'managed-by': 'meshcc', 'meshcc-environment': ENV };

function sd(name: string, protocol: string, meta: Record<string, string> = owned): ConfigEntry {
  return { Kind: 'service-defaults', Name: name, Protocol: protocol, Meta: meta };
}

function live(e: ConfigEntry, index: number): LiveEntry {
  return { ...e, CreateIndex: index, ModifyIndex: index, Hash: 123 } as unknown as LiveEntry;
}

describe('normalisation', () => {
  it('ignores server-populated fields and the empty defaults Consul adds', () => {
    const desired = { Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'local' }, Meta: owned };
    const fromConsul = {
      ...desired,
      Config: null,
      TransparentProxy: {},
      Expose: {},
      AccessLogs: {},
      Hash: 8876093791104043000,
      CreateIndex: 18,
      ModifyIndex: 18,
      Partition: 'default',
      Namespace: 'default',
    };
    expect(sameContent(desired, fromConsul)).toBe(true);
  });

  it('ignores the precedence and default type Consul adds to intention sources', () => {
    const desired = { Kind: 'service-intentions', Name: 'a', Sources: [{ Name: 'b', Action: 'allow' }] };
    const back = { ...desired, Sources: [{ Name: 'b', Action: 'allow', Precedence: 9, Type: 'consul' }] };
    expect(sameContent(desired, back)).toBe(true);
  });

  it('compares durations by value', () => {
    const a = { Kind: 'service-resolver', Name: 'r', ConnectTimeout: '60s' };
    const b = { Kind: 'service-resolver', Name: 'r', ConnectTimeout: '1m0s' };
    expect(sameContent(a, b)).toBe(true);
    expect(sameContent(a, { ...b, ConnectTimeout: '2m' })).toBe(false);
  });

  it('keeps zero values inside opaque Config maps', () => {
    expect(normalizeEntry({ Kind: 'proxy-defaults', Name: 'global', Config: { x: 0 } })).toEqual({
      Config: { x: 0 },
      Kind: 'proxy-defaults',
      Name: 'global',
    });
  });

  it('compares Meta maps regardless of key order', () => {
    expect(
      sameContent(
        { Kind: 'k', Name: 'n', Meta: { b: '1', a: '2' } },
        { Kind: 'k', Name: 'n', Meta: { a: '2', b: '1' } },
      ),
    ).toBe(true);
  });

  it('lists field-level changes by dotted path', () => {
    expect(fieldChanges(sd('web', 'http'), sd('web', 'grpc'))).toEqual([
      { path: 'Protocol', before: 'http', after: 'grpc' },
    ]);
  });
});

describe('plan', () => {
  it('creates missing entries, updates changed owned ones, deletes owned leftovers and keeps equal ones', () => {
    const desired = [sd('a', 'http'), sd('b', 'grpc'), sd('c', 'tcp')];
    const l = [live(sd('b', 'http'), 5), live(sd('c', 'tcp'), 6), live(sd('d', 'http'), 7)];
    const p = computePlan(ENV, desired, l);
    expect(p.actions.map((a) => `${a.type} ${a.key}`)).toEqual([
      'create service-defaults/a',
      'update service-defaults/b',
      'noop service-defaults/c',
      'delete service-defaults/d',
    ]);
    expect(p.actions.find((a) => a.type === 'update')?.modifyIndex).toBe(5);
    expect(planCounts(p)).toEqual({ create: 1, update: 1, delete: 1 });
  });

  it('never touches unmanaged entries or entries of another environment, and lists them', () => {
    const l = [
      live(sd('x', 'http', {}), 3),
      live(sd('y', 'http', { 'managed-by': 'meshcc', 'meshcc-environment': 'other' }), 4),
    ];
    const p = computePlan(ENV, [], l);
    expect(p.actions).toEqual([]);
    expect(p.unmanaged).toEqual(['service-defaults/x', 'service-defaults/y']);
  });

  it('reports a conflict when a desired entry exists unmanaged, and adopts it only with --adopt when equal', () => {
    const l = [live(sd('x', 'http', {}), 3)];
    const conflict = computePlan(ENV, [sd('x', 'http')], l);
    expect(conflict.actions).toEqual([]);
    expect(conflict.diagnostics.map((d) => d.code)).toEqual(['MC5004']);
    const adopted = computePlan(ENV, [sd('x', 'http')], l, { adopt: true });
    expect(adopted.actions.map((a) => a.type)).toEqual(['adopt']);
    const different = computePlan(ENV, [sd('x', 'grpc')], l, { adopt: true });
    expect(different.actions).toEqual([]);
    expect(different.diagnostics.map((d) => d.code)).toEqual(['MC5004']);
  });

  it('refuses to empty a kind without allowEmpty and caps deletions', () => {
    const l = [live(sd('a', 'http'), 1), live(sd('b', 'http'), 2)];
    const p = computePlan(ENV, [], l);
    expect(checkSafety(p).map((d) => d.code)).toEqual(['MC5005']);
    expect(checkSafety(p, { allowEmpty: true })).toEqual([]);
    expect(checkSafety(p, { allowEmpty: true, maxDeletions: 1 }).map((d) => d.code)).toEqual(['MC5006']);
  });

  it('orders writes by dependency and deletes in reverse, last', () => {
    const desired: ConfigEntry[] = [
      { Kind: 'service-intentions', Name: 'a', Sources: [{ Name: 'b', Action: 'allow' }], Meta: owned },
      { Kind: 'service-resolver', Name: 'a', Meta: owned },
      { Kind: 'service-router', Name: 'a', Meta: owned },
      { Kind: 'proxy-defaults', Name: 'global', Meta: owned },
      sd('a', 'http'),
    ];
    const l = [
      live({ Kind: 'service-resolver', Name: 'old', Meta: owned }, 1),
      live({ Kind: 'service-intentions', Name: 'old', Sources: [], Meta: owned }, 2),
    ];
    const p = computePlan(ENV, desired, l);
    expect(phases(p.actions).map((ph) => ph.map((a) => `${a.type} ${a.key}`))).toEqual([
      ['create proxy-defaults/global'],
      ['create service-defaults/a'],
      ['create service-resolver/a'],
      ['create service-router/a'],
      ['create service-intentions/a'],
      ['delete service-intentions/old'],
      ['delete service-resolver/old'],
    ]);
  });

  it('renders + ~ - lines and the summary, and the same plan always renders the same bytes', () => {
    const p = computePlan(
      ENV,
      [sd('a', 'http'), sd('b', 'grpc')],
      [live(sd('b', 'http'), 5), live(sd('d', 'http'), 7)],
    );
    const text = renderPlanText(p);
    expect(text).toContain('  + service-defaults/a');
    expect(text).toContain('  ~ service-defaults/b\n      ~ Protocol: "http" -> "grpc"');
    expect(text).toContain('  - service-defaults/d');
    expect(text).toContain('Plan: 1 to create, 1 to update, 1 to delete.');
    expect(renderPlanJson(p)).toBe(
      renderPlanJson(
        computePlan(ENV, [sd('b', 'grpc'), sd('a', 'http')], [live(sd('d', 'http'), 7), live(sd('b', 'http'), 5)]),
      ),
    );
    expect(toSavedPlan(p, 'http://x').actions.map((a) => a.modifyIndex)).toEqual([undefined, 5, 7]);
  });

  it('says no changes when Consul matches', () => {
    const p = computePlan(ENV, [sd('a', 'http')], [live(sd('a', 'http'), 1)]);
    expect(renderPlanText(p)).toBe(
      `No changes. Consul matches environment ${ENV}.\n\nPlan: 0 to create, 0 to update, 0 to delete.\n`,
    );
  });
});

describe('drift classification', () => {
  it('classifies changed, deleted and unmanaged entries in the primary', () => {
    const items = classifyPrimary(
      ENV,
      [sd('a', 'http'), sd('b', 'http')],
      [live(sd('a', 'grpc'), 1), live(sd('z', 'http', {}), 2), live({ Kind: 'service-resolver', Name: 'b' }, 3)],
      'dc1',
    );
    expect(items.map((i) => `${i.kind} ${i.key} ${i.affects ?? ''}`)).toEqual([
      'changed service-defaults/a ',
      'deleted service-defaults/b ',
      'unmanaged service-defaults/z false',
      'unmanaged service-resolver/b true',
    ]);
    expect(isDrifted(items.filter((i) => i.kind === 'unmanaged' && !i.affects))).toBe(false);
    expect(isDrifted(items.filter((i) => i.kind === 'unmanaged'))).toBe(true);
  });

  it('compares a secondary with the primary by content, not by index', () => {
    const pri = [live(sd('a', 'http'), 10), live(sd('b', 'http'), 11)];
    const sec = [live(sd('a', 'http'), 99)];
    expect(classifySecondary(pri, sec, 'dc2').map((i) => `${i.kind} ${i.key}`)).toEqual([
      'replication-pending service-defaults/b',
    ]);
  });
});

describe('client helpers', () => {
  it('retries on 5xx and 429 only', () => {
    expect([200, 400, 403, 404, 429, 500, 503].map(isRetryableStatus)).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  it('draws full-jitter backoff below the capped exponential bound', () => {
    expect(backoffDelay(0, 100, 5000, () => 0.999)).toBe(99);
    expect(backoffDelay(10, 100, 5000, () => 0.5)).toBe(2500);
    expect(backoffDelay(3, 100, 5000, () => 0)).toBe(0);
  });

  it('redacts the token from error text', () => {
    expect(redact('ACL not found for token s3cr3t-token', 's3cr3t-token')).toBe('ACL not found for token <redacted>');
  });
});

describe('import', () => {
  it('writes entries without server fields or ownership keys, and a mesh.ts naming the datacenters', () => {
    const files = importEnvironment({
      name: 'imported',
      entries: [live(sd('web', 'http', { ...owned, team: 'x' }), 4)],
      datacenters: ['dc2', 'dc1'],
      primary: 'dc1',
      clusterId: '11111111-2222-3333-4444-555555555555',
    });
    expect(files.map((f) => f.path)).toEqual(['entries/service-defaults--web.json', 'mesh.ts']);
    expect(JSON.parse(files[0]?.content ?? '')).toEqual({
      Kind: 'service-defaults',
      Meta: { team: 'x' },
      Name: 'web',
      Protocol: 'http',
    });
    expect(files[1]?.content).toContain("new Datacenter(mesh, 'dc1', { primary: true, platform: 'vm' });");
  });
});
