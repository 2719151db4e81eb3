import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as all from '../../src/constructs/index.ts';
import { ConstructArgError, Datacenter, Mesh, MeshGateway, Service, suppress } from '../../src/constructs/index.ts';
import { lowerMesh } from '../../src/constructs/lower.ts';

const CLUSTER = '11111111-2222-3333-4444-555555555555';
const thisFile = fileURLToPath(import.meta.url);

function lineOf(file: string, needle: string): number {
  return (
    readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(needle)) + 1
  );
}

describe('constructs', () => {
  it('fails eagerly on a port out of range, naming the construct path and the caller line', () => {
    const mesh = new Mesh('t', { clusterId: CLUSTER });
    const dc = new Datacenter(mesh, 'dc1', { primary: true, platform: 'vm' });
    let err: unknown;
    try {
      new MeshGateway(dc, 'mesh-gateway', { lan: { address: '10.0.0.1', port: 70000 } }); // port-out-of-range
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConstructArgError);
    const e = err as ConstructArgError;
    expect(e.constructPath).toBe('t/dc1/mesh-gateway');
    expect(e.property).toBe('lan.port');
    expect(e.message).toBe("[t/dc1/mesh-gateway] 'lan.port' must be a TCP port 1-65535, got 70000");
    expect(e.span?.file).toBe(thisFile);
    expect(e.span?.line).toBe(lineOf(thisFile, '// port-out-of-range'));
  });

  it('fails on a cluster id that is not a UUID', () => {
    expect(() => new Mesh('t', { clusterId: 'nope' })).toThrow('[t] \'clusterId\' must be a UUID, got "nope"');
  });

  it('fails on a service name that is not a DNS label', () => {
    const mesh = new Mesh('t', { clusterId: CLUSTER });
    expect(() => new Service(mesh, 'Web_1')).toThrow(/'name' must be a DNS label/);
  });

  it('rejects suppressing without a reason', () => {
    const mesh = new Mesh('t', { clusterId: CLUSTER });
    expect(() => suppress(mesh, 'MC3001', ' ')).toThrow('a reason is required');
  });
});

describe('lowering', () => {
  it('lowers the multi-dc example to a plain model with source lines of the environment file', async () => {
    const envFile = fileURLToPath(new URL('../../environments/multi-dc/mesh.ts', import.meta.url));
    const mesh = (await import('../../environments/multi-dc/mesh.ts')).default;
    const model = lowerMesh(mesh);
    expect(JSON.parse(JSON.stringify(model))).toEqual(model); // plain data only
    expect(model.name).toBe('multi-dc');
    expect(model.trustDomain).toBe(`${CLUSTER}.consul`);
    expect(model.primaryDatacenter).toBe('dc1');
    expect(model.datacenters.map((d) => [d.name, d.platform, d.primary, d.network])).toEqual([
      ['dc1', 'kubernetes', true, 'dc1'],
      ['dc2', 'vm', false, 'dc2'],
    ]);
    const payments = model.instances.find((i) => i.service === 'payments')!;
    expect(payments.upstreams).toHaveLength(1);
    const up = payments.upstreams[0]!;
    expect(up).toMatchObject({
      destinationName: 'currency',
      localBindPort: 9094,
      path: 'multi-dc/payments/dc1/currency',
    });
    expect(up.datacenter).toBeUndefined();
    expect(up.span).toEqual({
      file: envFile,
      line: lineOf(envFile, 'payments.deploy(dc1, { port: 9091 }).addUpstream(currency'),
      column: expect.any(Number),
    });
    expect(model.entries.map((e) => `${e.entry.Kind}/${e.entry.Name}`)).toEqual([
      'proxy-defaults/global',
      'service-intentions/payments',
      'service-intentions/currency',
    ]);
    expect(model.entries[0]!.entry).toEqual({ Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'local' } });
  });

  it('merges intentions per destination into one service-intentions entry', () => {
    const mesh = new Mesh('t', { clusterId: CLUSTER });
    const a = new Service(mesh, 'a');
    const b = new Service(mesh, 'b');
    const { Intention } = all;
    new Intention(mesh, 'a-b', { source: a, destination: 'c', action: 'allow' });
    new Intention(mesh, 'b-c', { source: b, destination: 'c', action: 'deny', description: 'no' });
    const model = lowerMesh(mesh);
    expect(model.entries.map((e) => e.entry)).toEqual([
      {
        Kind: 'service-intentions',
        Name: 'c',
        Sources: [
          { Name: 'a', Action: 'allow' },
          { Name: 'b', Action: 'deny', Description: 'no' },
        ],
      },
    ]);
  });

  it('records suppressions on the declaration', () => {
    const mesh = new Mesh('t', { clusterId: CLUSTER });
    const dc = new Datacenter(mesh, 'dc1', { primary: true, platform: 'vm' });
    suppress(dc, 'MC3101', 'gateway arrives next sprint');
    expect(lowerMesh(mesh).datacenters[0]!.suppressions).toEqual([
      { code: 'MC3101', reason: 'gateway arrives next sprint' },
    ]);
  });
});
