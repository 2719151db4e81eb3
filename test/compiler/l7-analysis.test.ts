/**
 * Analysis over every leg of a routing/splitting chain, on the l7-routing example (compiled by the real chain
 * compiler) and on variants of it: the legs in order with their weights, which route takes a request and why, reach
 * and validation per leg in the caller's datacenter (deployment, subset filters, failover covering only its own leg,
 * intentions for every service a leg reaches), and the picture (edges per route and split with weights).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { chainLegs } from '../../src/compiler/chain-legs.ts';
import { compile } from '../../src/compiler/compile.ts';
import { reachReport } from '../../src/compiler/reach.ts';
import { type HttpRequest, routeMismatch, routeRequest } from '../../src/compiler/route-match.ts';
import { filterMatches } from '../../src/compiler/subset-filter.ts';
import type { Compilation, CompiledChain } from '../../src/compiler/types.ts';
import { changedEdges } from '../../src/graph/changed-edges.ts';
import { renderMermaid } from '../../src/graph/mermaid.ts';
import { meshGraph } from '../../src/graph/mesh-graph.ts';
import type { MeshModel, ServiceInstanceDecl } from '../../src/model/types.ts';
import { runCli } from '../cli/run-cli.ts';
import { environmentCompilation } from '../emit/environments.ts';

let base: Compilation;
let chain: CompiledChain;

beforeAll(async () => {
  base = await environmentCompilation('l7-routing');
  const u = base.upstreams.find((x) => x.service === 'web' && x.destination === 'api');
  if (!u?.chain) throw new Error('web → api has no chain');
  chain = u.chain;
});

const withModel = (f: (m: MeshModel) => MeshModel): Compilation => compile(f(base.model));
const codes = (c: Compilation) => c.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);

describe('chain legs', () => {
  it('lists each route in order (Consul’s catch-all last, through the splitter) with its targets', () => {
    const legs = chainLegs(chain);
    expect(legs.map((l) => [l.label, l.split?.weight, l.targets.map((t) => `${t.role} ${t.target.ID}`)])).toEqual([
      [
        'route 1 (path prefix /v2/)',
        undefined,
        ['primary v2.api.default.default.dc1', 'failover v2.api.default.default.dc2'],
      ],
      [
        'route 2 (header x-canary = always)',
        undefined,
        ['primary v2.api.default.default.dc1', 'failover v2.api.default.default.dc2'],
      ],
      ['route 3 (path prefix /admin)', undefined, ['primary admin.default.default.dc1']],
      [
        'default route → split 1 (90%)',
        90,
        ['primary v1.api.default.default.dc1', 'failover v1.api.default.default.dc2'],
      ],
      [
        'default route → split 2 (10%)',
        10,
        ['primary v2.api.default.default.dc1', 'failover v2.api.default.default.dc2'],
      ],
    ]);
  });
});

describe('which route takes a request', () => {
  const take = (req: HttpRequest) => routeRequest(chain, req);

  it('takes the first route whose criteria all hold, and says why each earlier one does not', () => {
    const d = take({ method: 'GET', path: '/admin/users?x=1' });
    expect(d.route).toBe(2);
    expect(d.verdicts.map((v) => v.why)).toEqual([
      'path /admin/users does not start with /v2/',
      'header x-canary is absent, the route needs it = always',
      'matches: path prefix /admin',
    ]);
    expect(take({ method: 'GET', path: '/v2/users' }).route).toBe(0);
    // header names compare case-insensitively, values exactly
    expect(take({ method: 'GET', path: '/', headers: { 'X-Canary': 'always' } }).route).toBe(1);
    expect(take({ method: 'GET', path: '/', headers: { 'x-canary': 'Always' } }).route).toBe(3);
  });

  it('sends everything else to the catch-all and on to the splitter, both splits with their weights', () => {
    const d = take({ method: 'POST', path: '/orders' });
    expect(d.route).toBe(3);
    expect(d.verdicts.at(-1)?.why).toBe('matches: path prefix / (the catch-all Consul appends)');
    expect(d.legs.map((l) => l.split?.weight)).toEqual([90, 10]);
  });

  it('property: the route taken is the first one that matches, and some route always does', () => {
    const seg = fc.constantFrom('v2', 'v2x', 'admin', 'api', 'x', '');
    const req = fc.record({
      method: fc.constantFrom('GET', 'POST', 'delete'),
      path: fc.array(seg, { minLength: 0, maxLength: 3 }).map((s) => `/${s.join('/')}`),
      headers: fc.dictionary(fc.constantFrom('x-canary', 'X-CANARY', 'other'), fc.constantFrom('always', 'never', '')),
    });
    const routes = chain.Nodes[chain.StartNode]?.Routes ?? [];
    fc.assert(
      fc.property(req, (r) => {
        const d = take(r);
        const first = routes.findIndex((x) => routeMismatch(x.Definition, r) === undefined);
        expect(d.route).toBe(first);
        expect(first).toBeGreaterThanOrEqual(0);
        expect(d.verdicts).toHaveLength(first + 1);
      }),
    );
  });
});

describe('reach and validation per leg', () => {
  it('the example reaches every leg and validates clean', () => {
    const [r] = reachReport(base.model, base.upstreams);
    expect(r?.legs?.map((l) => [l.label, l.reachable])).toEqual([
      ['route 1 (path prefix /v2/)', true],
      ['route 2 (header x-canary = always)', true],
      ['route 3 (path prefix /admin)', true],
      ['default route → split 1 (90%)', true],
      ['default route → split 2 (10%)', true],
    ]);
    expect(r?.reachable).toBe(true);
    expect(base.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  });

  it('without any canary instance, every leg to v2 is dead (MC3013 per leg) and the v1 legs are not', () => {
    const noCanary = (m: MeshModel) => ({ ...m, instances: m.instances.filter((i) => i.group !== 'canary') });
    const c = withModel(noCanary);
    const [r] = reachReport(c.model, c.upstreams);
    expect(r?.reachable).toBe(false);
    expect(r?.legs?.map((l) => l.reachable)).toEqual([false, false, true, true, false]);
    const problems = r?.targets.filter((t) => !t.reachable).map((t) => t.problems.map((p) => p.kind).join());
    expect(new Set(problems)).toEqual(new Set(['subset-empty']));
    const mc3013 = c.diagnostics.filter((d) => d.code === 'MC3013').map((d) => d.message);
    expect(mc3013).toHaveLength(3);
    const all = mc3013.join('\n');
    expect(all).toContain('upstream web → api (route 1 (path prefix /v2/)) targets api subset v2');
    expect(all).toContain('upstream web → api (route 2 (header x-canary = always)) targets api subset v2');
    expect(all).toContain('upstream web → api (default route → split 2 (10%)) targets api subset v2');
    expect(all).toContain("is deployed in 'dc1' with no instance matching Service.Meta.version == v2");
  });

  it('a failover covers only its own leg: canaries gone from dc1 only is fine, the v2 legs fail over to dc2', () => {
    const c = withModel((m) => ({
      ...m,
      instances: m.instances.filter((i) => !(i.group === 'canary' && i.datacenter === 'dc1')),
    }));
    expect(codes(c)).toEqual([]);
    const [r] = reachReport(c.model, c.upstreams);
    const v2 = r?.legs?.[0]?.targets.map((t) => [t.role, t.reachable]);
    expect(v2).toEqual([
      ['primary', false],
      ['failover', true],
    ]);
  });

  it('a failover that can never trigger is found on a leg’s subset too (MC3015), not only the default subset', () => {
    const c = withModel((m) => ({
      ...m,
      entries: m.entries.map((d) =>
        d.entry.Kind === 'service-resolver' && d.entry.Name === 'api'
          ? {
              ...d,
              entry: { ...d.entry, Failover: { '*': { Datacenters: ['dc2'] }, v2: { Datacenters: ['dc1', 'dc2'] } } },
            }
          : d,
      ),
    }));
    const mc3015 = c.diagnostics.filter((d) => d.code === 'MC3015');
    expect(mc3015).toHaveLength(1);
    expect(mc3015[0]?.message).toContain("'dc1'");
  });

  it('a route to another service needs its own intention (MC3033), named by the leg that goes there', () => {
    const c = withModel((m) => ({ ...m, entries: m.entries.filter((e) => e.entry.Name !== 'admin') }));
    const [d, ...more] = c.diagnostics.filter((x) => x.code === 'MC3033');
    expect(more).toEqual([]);
    expect(d?.path).toBe('l7-routing/web/dc1/api');
    expect(d?.message).toBe(
      "web's upstream api sends route 3 (path prefix /admin) to admin, but ACLs default to deny and no service-intentions entry allows web → admin; those requests will be refused (admin's sidecar checks intentions against web)",
    );
  });
});

describe('subset filters', () => {
  const inst = (meta: Record<string, string>, tags: string[] = []): ServiceInstanceDecl => ({
    path: 'p',
    service: 'api',
    namespace: 'default',
    partition: 'default',
    datacenter: 'dc1',
    port: 1,
    count: 1,
    upstreams: [],
    meta,
    tags,
  });
  it.each([
    ['Service.Meta.version == v2', { version: 'v2' }, [], true],
    ['Service.Meta.version == "v2"', { version: 'v1' }, [], false],
    ['Service.Meta.version != v2', {}, [], true],
    ['Service.Meta["version"] == v1 and Service.Tags contains canary', { version: 'v1' }, ['canary'], true],
    ['Service.Meta.version == v1 or Service.Meta.version == v2', { version: 'v2' }, [], true],
    ['"canary" in Service.Tags', {}, ['stable'], false],
    ['Service.Tags not contains canary', {}, ['stable'], true],
    ['(Service.Meta.version == v2)', { version: 'v2' }, [], undefined],
    ['Service.Port == 80', {}, [], undefined],
  ] as const)('%s on meta %j tags %j → %s', (filter, meta, tags, want) => {
    expect(filterMatches(filter, inst(meta, [...tags]))).toBe(want);
  });
});

describe('picture and CLI', () => {
  it('draws one edge per route and split, with the split weights and subsets', () => {
    const mmd = renderMermaid(meshGraph(base.model, base.upstreams));
    expect(mmd).toContain('|"90% · api/v1 · local"|');
    expect(mmd).toContain('|"10% · api/v2 · local"|');
    expect(mmd).toContain('|"route 1 (path prefix /v2/) · failover api/v2 · local"|');
    expect(mmd).toContain('|"route 3 (path prefix /admin) · admin · local"|');
  });

  it('the pull-request picture marks the route and split edges a plan changes', () => {
    const g = meshGraph(base.model, base.upstreams);
    const split = renderMermaid(g, { changed: changedEdges(g, ['service-splitter/api']) });
    expect(split).toContain('|"90% · api/v1 · local (changed)"|');
    expect(split).toContain('|"route 1 (path prefix /v2/) · api/v2 · local (changed)"|');
    const admin = renderMermaid(g, { changed: changedEdges(g, ['service-intentions/admin']) });
    expect(admin.match(/\(changed\)/g)).toHaveLength(1);
    expect(admin).toContain('|"route 3 (path prefix /admin) · admin · local (changed)"|');
  });

  it('meshcc explain --request shows the route taken and why', async () => {
    const r = await runCli([
      'explain',
      'environments/l7-routing',
      '--service',
      'web',
      '--dc',
      'dc1',
      '--upstream',
      'api',
      '--request',
      'get /shop',
      '--header',
      'x-canary=always',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'request GET /shop with x-canary: always:\n  route 1: no — path /shop does not start with /v2/\n  route 2: TAKEN — matches: header x-canary = always\n',
    );
    expect(
      (
        await runCli([
          'explain',
          'environments/l7-routing',
          '--service',
          'web',
          '--dc',
          'dc1',
          '--upstream',
          'api',
          '--request',
          'nope',
        ])
      ).code,
    ).toBe(1);
  });
});
