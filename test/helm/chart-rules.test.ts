/**
 * The consul-k8s chart's template `fail` rules that meshcc mirrors, checked against the real chart. For each rule a
 * model that breaks it: meshcc reports the rule's code at the construct's source line (at compile time, before
 * anything is written) with the chart's fail text quoted word for word, and `helm template` of the values meshcc
 * would write for that datacenter fails with exactly that text. Every catalog message that quotes the chart
 * (`chart fails with "…"`) must have a case here, and its quote must be a `fail` in the chart's templates. The same
 * holds for helm's own refusal of a release name (MC4013, `helm fails with "…"`).
 *
 * Not chart `fail`s, so not here: MC4003 (a secondary needs the federation secret), MC4008 (one gateway per
 * Kubernetes datacenter), MC4010 (primary gateways need a WAN address); MC4012 (a NodePort gateway's WAN port) is
 * checked against the rendered gateway at the end.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import { catalog } from '../../src/diagnostics/codes/index.ts';
import { helmValues } from '../../src/emit/helm-values.ts';
import type { Declared, MeshGatewayDecl, MeshModel } from '../../src/model/types.ts';
import { k8sPair, multiDc, vmPrimaryK8sSecondary } from '../emit/fixtures.ts';
import { chart, renderChart, renderOk, skipChart } from './chart.ts';

interface Case {
  code: string;
  /** The chart's `fail` text (or, with `by: 'helm'`, helm's own refusal), verbatim. */
  fail: string;
  by?: 'chart' | 'helm';
  /** The broken model, the construct meshcc must point at, and the Kubernetes datacenter to render. */
  build: () => { model: MeshModel; at: Declared; dc: string };
}

function edit(m: MeshModel, f: (m: MeshModel) => Partial<MeshModel>): MeshModel {
  return { ...m, ...f(m) };
}

const dcDecl = (m: MeshModel, name: string) => m.datacenters.find((d) => d.name === name)!;
const gwDecl = (m: MeshModel, dc: string) => m.gateways.find((g) => g.datacenter === dc)!;

const cases: Case[] = [
  {
    code: 'MC4001',
    fail: 'If global.federation.enabled is true, global.tls.enabled must be true because federation is only supported with TLS enabled',
    build: () => {
      const model = edit(k8sPair().model, (m) => ({
        datacenters: m.datacenters.map((d) => (d.name === 'west' ? { ...d, tls: false } : d)),
      }));
      return { model, at: dcDecl(model, 'west'), dc: 'west' };
    },
  },
  {
    code: 'MC4002',
    fail: 'If global.federation.enabled is true, meshGateway.enabled must be true because mesh gateways are required for federation',
    build: () => {
      const model = edit(k8sPair().model, (m) => ({ gateways: m.gateways.filter((g) => g.datacenter !== 'west') }));
      return { model, at: dcDecl(model, 'west'), dc: 'west' };
    },
  },
  {
    code: 'MC4004',
    fail: 'if meshGateway.wanAddress.source=Static then meshGateway.wanAddress.static cannot be empty',
    build: () => {
      const model = edit(multiDc().model, (m) => ({
        gateways: m.gateways.map((g) => (g.datacenter === 'dc1' ? { ...g, wan: undefined } : g)),
      }));
      return { model, at: gwDecl(model, 'dc1'), dc: 'dc1' };
    },
  },
  {
    code: 'MC4005',
    fail: 'if meshGateway.wanAddress.source=Service and meshGateway.service.type=NodePort, meshGateway.service.nodePort must be set',
    build: () => {
      const model = edit(k8sPair().model, (m) => ({
        gateways: m.gateways.map((g) => (g.datacenter === 'west' ? { ...g, nodePort: undefined } : g)),
      }));
      return { model, at: gwDecl(model, 'west'), dc: 'west' };
    },
  },
  {
    code: 'MC4007',
    fail: 'if global.acls.manageSystemACLs is true, meshGateway.consulServiceName cannot be set',
    build: () => {
      const model = edit(k8sPair().model, (m) => ({
        gateways: m.gateways.map((g) => (g.datacenter === 'west' ? { ...g, name: 'west-gateway' } : g)),
      }));
      return { model, at: gwDecl(model, 'west'), dc: 'west' };
    },
  },
  {
    code: 'MC3003',
    fail: 'connectInject.enabled must be true',
    build: () => {
      const model = edit(k8sPair().model, (m) => ({
        datacenters: m.datacenters.map((d) => (d.name === 'west' ? { ...d, connectEnabled: false } : d)),
      }));
      return { model, at: dcDecl(model, 'west'), dc: 'west' };
    },
  },
  {
    code: 'MC4013',
    by: 'helm',
    fail: 'invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53',
    build: () => {
      const model = edit(k8sPair().model, (m) => ({
        datacenters: m.datacenters.map((d) =>
          d.name === 'west' ? { ...d, kubernetes: { ...d.kubernetes!, releaseName: 'Consul_West' } } : d,
        ),
      }));
      return { model, at: dcDecl(model, 'west'), dc: 'west' };
    },
  },
  // Cluster peering (global.peering.enabled): one Kubernetes datacenter on its own (no WAN federation rule first).
  ...(
    [
      ['connectInject.enabled', { connectEnabled: false }],
      ['global.tls.enabled', { tls: false }],
      ['meshGateway.enabled', {}],
    ] as const
  ).map(
    ([requirement, change]): Case => ({
      code: 'MC4016',
      fail: `setting global.peering.enabled to true requires ${requirement} to be true`,
      build: () => {
        const base = k8sPair().model;
        const east = { ...base.datacenters.find((d) => d.name === 'east')!, ...change };
        const model: MeshModel = {
          ...base,
          peering: true,
          datacenters: [east],
          // Without connect the mesh gateway template would fail first (MC3003), so that case has no gateway either.
          gateways: requirement === 'global.tls.enabled' ? base.gateways.filter((g) => g.datacenter === 'east') : [],
          instances: base.instances.filter((i) => i.datacenter === 'east').map((i) => ({ ...i, upstreams: [] })),
        };
        return { model, at: east, dc: 'east' };
      },
    }),
  ),
];

/** Every `fail "…"` text in the chart's templates. */
function chartFails(): Set<string> {
  const dir = join(chart!, 'templates');
  const out = new Set<string>();
  for (const f of readdirSync(dir)) {
    if (!/\.(yaml|tpl)$/.test(f)) continue;
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\bfail\s+"((?:[^"\\]|\\.)*)"/g)) out.add(m[1]!);
  }
  return out;
}

/** Catalog messages that quote the chart: code → quoted text (any argument renders as `x`, flags as true). */
function quotingCodes(): Map<string, string> {
  const args = new Proxy({}, { get: (_t, p) => (p === 'kubernetes' ? true : 'x') });
  const out = new Map<string, string>();
  for (const d of catalog) {
    const q = /(?:chart|helm) fails with "([^"]+)"/.exec(d.message(args))?.[1];
    if (q) out.set(d.code, q);
  }
  return out;
}

describe.skipIf(skipChart)('the chart rules meshcc mirrors (MC40xx) against the real chart', () => {
  it('has a case for every catalog message that quotes the chart, quoting a real chart `fail` word for word', () => {
    const fails = chartFails();
    expect(fails.size).toBeGreaterThan(20);
    const quoting = quotingCodes();
    expect([...quoting.keys()].sort()).toEqual([...new Set(cases.map((c) => c.code))].sort());
    for (const c of cases) {
      if ((c.by ?? 'chart') === 'chart') {
        expect(fails.has(c.fail), `${c.code} quotes "${c.fail}", which is no fail in the chart`).toBe(true);
      }
    }
  });

  it.each(cases)(
    '$code: meshcc reports it at the construct, and the chart fails with the same words ($fail)',
    (c) => {
      const { model, at, dc } = c.build();
      const found = compile(model).diagnostics.filter((d) => d.code === c.code);
      expect(found.length, `${c.code} reported`).toBeGreaterThan(0);
      const d = found.find((x) => x.path === at.path && x.message.includes(`"${c.fail}"`));
      expect(d, `${c.code} at ${at.path}`).toBeDefined();
      expect(d!.severity).toBe('error');
      expect(d!.span?.line, 'source line').toBe(at.span?.line);
      expect(d!.span?.file).toBe(at.span?.file);
      expect(d!.message).toContain(`"${c.fail}"`);

      const decl = model.datacenters.find((x) => x.name === dc)!;
      const rendered = renderChart(helmValues(model, decl), decl.kubernetes?.releaseName ?? 'consul');
      expect(rendered.ok, 'helm template must refuse these values').toBe(false);
      const error = rendered.ok ? '' : rendered.error;
      const line = error.trim().split('\n')[0]!;
      if ((c.by ?? 'chart') === 'chart') {
        expect(line.replace(/^Error: execution error at \(consul\/templates\/[^)]+\): /, '')).toBe(c.fail);
      } else expect(line.replace(/^Error: release name "[^"]*": /, '')).toBe(c.fail);
    },
    120_000,
  );

  it('MC4012: a NodePort gateway whose wan.port is not its nodePort is reported, as the chart advertises the node port', () => {
    const model = edit(k8sPair().model, (m) => ({
      gateways: m.gateways.map((g) =>
        g.datacenter === 'west' ? { ...g, wan: { address: '203.0.113.2', port: 443 }, nodePort: 30443 } : g,
      ),
    }));
    const gw = gwDecl(model, 'west');
    const d = compile(model).diagnostics.find((x) => x.code === 'MC4012');
    expect(d).toMatchObject({ severity: 'error', path: gw.path, span: gw.span });
    const dep = renderOk(helmValues(model, dcDecl(model, 'west'))).find(
      (m) => m.kind === 'Deployment' && m.metadata.name === 'consul-mesh-gateway',
    ) as { spec: { template: { metadata: { annotations: Record<string, string> } } } } | undefined;
    const advertised = dep?.spec.template.metadata.annotations['consul.hashicorp.com/gateway-wan-port'];
    expect(advertised).toBe('30443');
    expect(d!.message).toContain('node port 30443');
    expect(d!.message).toContain('wan.port is 443');
  }, 120_000);

  it('differential: whenever the chart refuses a datacenter (primary or secondary), meshcc reported its words first', () => {
    // Mostly valid settings, each rule broken now and then (one broken rule at a time is the common case).
    const mostly = (v: boolean) =>
      fc.oneof({ arbitrary: fc.constant(v), weight: 6 }, { arbitrary: fc.constant(!v), weight: 1 });
    const settings = fc.record({
      // A Kubernetes datacenter of a fixture: both ends of a Kubernetes pair, a Kubernetes primary with a VM
      // secondary, a Kubernetes secondary behind a VM primary.
      at: fc.constantFrom(
        { base: k8sPair, target: 'east' },
        { base: k8sPair, target: 'west' },
        { base: multiDc, target: 'dc1' },
        { base: vmPrimaryK8sSecondary, target: 'secondary' },
      ),
      tls: mostly(true),
      connect: mostly(true),
      acls: fc.boolean(),
      release: fc.oneof(
        { arbitrary: fc.constantFrom('consul', 'consul-west'), weight: 6 },
        { arbitrary: fc.constant('Consul_West'), weight: 1 },
      ),
      gateway: fc.option(
        fc.record({
          name: fc.oneof(
            { arbitrary: fc.constant('mesh-gateway'), weight: 4 },
            { arbitrary: fc.constant('west-gateway'), weight: 1 },
          ),
          source: fc.constantFrom('Service', 'NodeIP', 'NodeName', 'Static') as fc.Arbitrary<
            MeshGatewayDecl['wanAddressSource']
          >,
          type: fc.constantFrom('LoadBalancer', 'NodePort', 'ClusterIP') as fc.Arbitrary<
            MeshGatewayDecl['serviceType']
          >,
          nodePort: fc.option(fc.constant(30443), { nil: undefined, freq: 3 }),
          wanPort: fc.option(fc.constantFrom(443, 30443), { nil: undefined, freq: 6 }),
        }),
        { nil: undefined, freq: 8 },
      ),
    });
    fc.assert(
      fc.property(settings, (w) => {
        const base = w.at.base().model;
        const target = w.at.target;
        const model: MeshModel = {
          ...base,
          aclsEnabled: w.acls,
          datacenters: base.datacenters.map((d) =>
            d.name === target
              ? {
                  ...d,
                  tls: w.tls,
                  connectEnabled: w.connect,
                  kubernetes: { ...d.kubernetes!, releaseName: w.release },
                }
              : d,
          ),
          gateways: base.gateways.flatMap((g) => {
            if (g.datacenter !== target) return [g];
            const x = w.gateway;
            if (!x) return [];
            const { nodePort: _n, wan: _w, ...rest } = g;
            return [
              {
                ...rest,
                name: x.name,
                wanAddressSource: x.source,
                serviceType: x.type,
                ...(x.nodePort !== undefined ? { nodePort: x.nodePort } : {}),
                ...(x.wanPort !== undefined ? { wan: { address: '203.0.113.9', port: x.wanPort } } : {}),
              },
            ];
          }),
        };
        const errors = compile(model).diagnostics.filter((d) => d.severity === 'error');
        const quoted = errors.flatMap((d) => {
          const q = /(?:chart|helm) fails with "([^"]+)"/.exec(d.message)?.[1];
          return q && (d.path === `fixture/${target}` || d.path.startsWith(`fixture/${target}/`)) ? [q] : [];
        });
        const decl = model.datacenters.find((d) => d.name === target)!;
        const r = renderChart(helmValues(model, decl), w.release);
        if (r.ok) {
          // meshcc never claims the chart refuses what it renders.
          expect(quoted).toEqual([]);
        } else {
          const line = r.error.trim().split('\n')[0]!;
          const text = line.replace(/^Error: (execution error at \([^)]+\)|release name "[^"]*"): /, '');
          expect(quoted, `helm: ${line}`).toContain(text);
        }
      }),
      { numRuns: 32, seed: 13 },
    );
  }, 300_000);
});
