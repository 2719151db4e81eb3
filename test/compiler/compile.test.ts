import { afterEach, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import type { Compilation } from '../../src/compiler/types.ts';
import { validationPasses } from '../../src/compiler/validation-passes.ts';
import { entry, instance, model, upstream } from './model.ts';

/** The compiler core's own findings (the model has no gateways, so platform checks have their say too). */
function mc2(c: Compilation) {
  return c.diagnostics.filter((d) => d.code.startsWith('MC2'));
}

describe('compile', () => {
  const plugged = [...validationPasses];
  afterEach(() => {
    validationPasses.splice(0, validationPasses.length, ...plugged);
  });

  it('returns every entry with meshcc ownership Meta and keeps the user’s Meta keys', () => {
    const c = compile(
      model(
        [],
        [
          entry({ Kind: 'service-defaults', Name: 'api', Protocol: 'http', Meta: { team: 'payments' } }),
          entry({ Kind: 'proxy-defaults', Name: 'global' }, 'file'),
        ],
      ),
    );
    expect(c.entries).toEqual([
      {
        Kind: 'service-defaults',
        Name: 'api',
        Protocol: 'http',
        Meta: { team: 'payments', 'managed-by': 'meshcc', 'meshcc-environment': 'test' },
      },
      { Kind: 'proxy-defaults', Name: 'global', Meta: { 'managed-by': 'meshcc', 'meshcc-environment': 'test' } },
    ]);
    expect(mc2(c)).toEqual([]);
  });

  it('reports MC2001 at the second definition of an entry, pointing at the first', () => {
    const first = entry({ Kind: 'service-resolver', Name: 'api', ConnectTimeout: '3s' });
    const second = entry({ Kind: 'service-resolver', Name: 'api', ConnectTimeout: '9s' }, 'file');
    const c = compile(model([], [first, second]));
    expect(c.entries).toHaveLength(1);
    expect(mc2(c)).toHaveLength(1);
    const [d] = mc2(c);
    expect(d).toMatchObject({ code: 'MC2001', severity: 'error', path: second.path, span: second.span });
    expect(d?.related).toEqual([{ path: first.path, span: first.span, message: 'first defined here' }]);
    expect(d?.message).toContain("service-resolver 'api' is defined twice");
  });

  it('compiles each upstream in its own datacenter, or the caller’s when it names none', () => {
    const c = compile(model([instance('web', 'dc1', [upstream('api', { datacenter: 'dc2' }), upstream('cache')])]));
    expect(c.upstreams.map((u) => [u.destination, u.targetDatacenter, u.chain?.StartNode])).toEqual([
      ['api', 'dc2', 'resolver:api.default.default.dc2'],
      ['cache', 'dc1', 'resolver:cache.default.default.dc1'],
    ]);
    expect(c.upstreams[0]?.chain?.Targets['api.default.default.dc2']?.SNI).toBe(
      'api.default.dc2.internal.11111111-2222-3333-4444-555555555555.consul',
    );
  });

  it('passes the sidecar’s mode to the chain as Consul’s OverrideMeshGateway', () => {
    const c = compile(
      model(
        [
          instance('web', 'dc1', [upstream('api', { datacenter: 'dc2' })], { meshGateway: 'remote' }),
          instance('admin', 'dc1', [upstream('api', { datacenter: 'dc2' })]),
        ],
        [entry({ Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'local' } })],
      ),
    );
    const [web, admin] = c.upstreams;
    expect(web?.mode).toMatchObject({ mode: 'remote', from: 'instance' });
    expect(web?.chain?.Targets['api.default.default.dc2']?.MeshGateway).toEqual({ Mode: 'remote' });
    // The override differs from what the chain would pick itself (proxy-defaults: local): a customized chain.
    expect(web?.chain?.CustomizationHash).toMatch(/^[0-9a-f]{8}$/);
    expect(admin?.mode).toMatchObject({ mode: 'local', from: 'proxy-defaults' });
    expect(admin?.chain?.Targets['api.default.default.dc2']?.MeshGateway).toEqual({ Mode: 'local' });
    expect(admin?.chain?.CustomizationHash).toBeUndefined();
  });

  it('lets the destination’s service-defaults decide inside the chain when no sidecar layer sets a mode', () => {
    const c = compile(
      model(
        [instance('web', 'dc1', [upstream('api', { datacenter: 'dc2' })])],
        [entry({ Kind: 'service-defaults', Name: 'api', MeshGateway: { Mode: 'remote' } })],
      ),
    );
    const [u] = c.upstreams;
    expect(u?.mode).toMatchObject({ mode: 'remote', from: 'destination-service-defaults' });
    expect(u?.chain?.Targets['api.default.default.dc2']?.MeshGateway).toEqual({ Mode: 'remote' });
    expect(u?.chain?.CustomizationHash).toBeUndefined();
  });

  it('uses the caller’s UpstreamConfig protocol and timeout as chain overrides', () => {
    const c = compile(
      model(
        [instance('web', 'dc1', [upstream('api')])],
        [
          entry({
            Kind: 'service-defaults',
            Name: 'web',
            UpstreamConfig: { Overrides: [{ Name: 'api', ConnectTimeoutMs: 2500 }], Defaults: { Protocol: 'http' } },
          }),
        ],
      ),
    );
    const chain = c.upstreams[0]?.chain;
    expect(chain?.Protocol).toBe('http');
    expect(chain?.Nodes['resolver:api.default.default.dc1']?.Resolver?.ConnectTimeout).toBe('2.5s');
    expect(chain?.CustomizationHash).toBeDefined();
  });

  it('reports MC2002 with Consul’s message when Consul would refuse the chain', () => {
    const c = compile(
      model(
        [instance('web', 'dc1', [upstream('api')])],
        [entry({ Kind: 'service-resolver', Name: 'api', DefaultSubset: 'v9' })],
      ),
    );
    expect(c.upstreams[0]?.error).toEqual({ message: 'DefaultSubset "v9" is not a valid subset' });
    expect(mc2(c)).toEqual([
      expect.objectContaining({
        code: 'MC2002',
        severity: 'error',
        path: 'test/dc1/web/upstreams/api',
        message: expect.stringContaining('DefaultSubset "v9" is not a valid subset'),
      }),
    ]);
  });

  it('compiles a splitter into the chain (no MC2003 any more) and refuses a splitter Consul would refuse', () => {
    const ok = compile(
      model(
        [instance('web', 'dc1', [upstream('api')])],
        [
          entry({ Kind: 'service-defaults', Name: 'api', Protocol: 'http' }),
          entry({ Kind: 'service-resolver', Name: 'api', Subsets: { v1: {}, v2: {} } }),
          entry({
            Kind: 'service-splitter',
            Name: 'api',
            Splits: [
              { Weight: 90, ServiceSubset: 'v1' },
              { Weight: 10, ServiceSubset: 'v2' },
            ],
          }),
        ],
      ),
    );
    const chain = ok.upstreams[0]?.chain;
    expect(chain?.StartNode).toBe('splitter:api.default.default');
    expect(chain?.Nodes['splitter:api.default.default']?.Splits?.map((s) => [s.Weight, s.NextNode])).toEqual([
      [90, 'resolver:v1.api.default.default.dc1'],
      [10, 'resolver:v2.api.default.default.dc1'],
    ]);
    expect(mc2(ok)).toEqual([]);
    const bad = compile(
      model(
        [instance('web', 'dc1', [upstream('api')])],
        [entry({ Kind: 'service-splitter', Name: 'api', Splits: [{ Weight: 100 }] })],
      ),
    );
    expect(bad.upstreams[0]?.error?.message).toBe(
      'discovery chain "api" uses a protocol "tcp" that does not permit advanced routing or splitting behavior',
    );
    // At the upstream that asks for the chain (MC2002), and at the entry Consul would refuse to write (MC2005).
    expect(mc2(bad).map((d) => [d.code, d.severity])).toEqual([
      ['MC2005', 'error'],
      ['MC2002', 'error'],
    ]);
    expect(mc2(bad).find((d) => d.code === 'MC2005')?.message).toContain(
      "Consul would refuse to write service-splitter 'api'",
    );
  });

  it('compiles a chain once for every upstream that asks for the same thing', () => {
    const c = compile(model([instance('web', 'dc1', [upstream('api')]), instance('admin', 'dc1', [upstream('api')])]));
    expect(c.upstreams[0]?.chain).toBe(c.upstreams[1]?.chain);
  });

  it('runs the plugged-in validation passes over the compiled upstreams', () => {
    const seen: number[] = [];
    validationPasses.push((_m, ups) => {
      seen.push(ups.length);
      return { value: undefined, diagnostics: [] };
    });
    compile(model([instance('web', 'dc1', [upstream('api'), upstream('cache')])]));
    expect(seen).toEqual([2]);
  });

  it('is deterministic: the same model compiles to the same JSON', () => {
    const m = model(
      [instance('web', 'dc1', [upstream('api', { datacenter: 'dc2' })])],
      [entry({ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc3', 'dc1'] } } })],
    );
    expect(JSON.stringify(compile(m))).toBe(JSON.stringify(compile(m)));
    expect(compile(m).upstreams[0]?.chain?.Nodes['resolver:api.default.default.dc2']?.Resolver?.Failover).toEqual({
      Targets: ['api.default.default.dc3', 'api.default.default.dc1'],
    });
  });
});
