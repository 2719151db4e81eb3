/**
 * The L7 constructs — ServiceRouter, ServiceSplitter, the resolver's subsets/redirect/failover/load balancer — lower to
 * the Consul entries `consul config write` takes, and refuse at creation what Consul's own validation refuses, with
 * Consul's words. A router or splitter on a service that is not HTTP is refused by the validation passes (MC2005).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import {
  ConstructArgError,
  Datacenter,
  Mesh,
  ProxyDefaults,
  Service,
  ServiceDefaults,
  ServiceResolver,
  ServiceRouter,
  ServiceSplitter,
} from '../../src/constructs/index.ts';
import { lowerMesh } from '../../src/constructs/lower.ts';
import { scaleWeight } from '../../src/model/split-weight.ts';
import { validateEntry } from '../../src/model/validate-entry.ts';

const CLUSTER = '11111111-2222-3333-4444-555555555555';
const thisFile = fileURLToPath(import.meta.url);

function lineOf(needle: string): number {
  return (
    readFileSync(thisFile, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(needle)) + 1
  );
}

function thrown(f: () => unknown): ConstructArgError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConstructArgError) return e;
    throw e;
  }
  throw new Error('expected a ConstructArgError');
}

function base() {
  const mesh = new Mesh('l7', { clusterId: CLUSTER });
  new Datacenter(mesh, 'dc1', { primary: true, platform: 'vm' });
  const web = new Service(mesh, 'web');
  const api = new Service(mesh, 'api');
  return { mesh, web, api };
}

describe('ServiceRouter', () => {
  it('lowers routes in order to the Consul shape (methods upper-cased, services by construct or name)', () => {
    const { mesh, api } = base();
    const admin = new Service(mesh, 'admin');
    new ServiceRouter(mesh, api, {
      routes: [
        { match: { pathPrefix: '/v2' }, destination: { serviceSubset: 'v2', prefixRewrite: '/' } },
        {
          match: { header: [{ name: 'x-debug', present: true }], queryParam: [{ name: 'trace', exact: '1' }] },
          destination: { service: admin, requestTimeout: '10s', numRetries: 3, retryOn: ['5xx'] },
        },
      ],
    }).addRoute({
      match: { pathRegex: '^/legacy/.*', methods: ['get', 'head'] },
      destination: { service: 'legacy', requestHeaders: { set: { 'X-Legacy': '1' } } },
    });
    const e = lowerMesh(mesh).entries.find((d) => d.entry.Kind === 'service-router');
    expect(e?.origin).toBe('construct');
    expect(e?.path).toBe('l7/service-router-api');
    expect(e?.entry).toEqual({
      Kind: 'service-router',
      Name: 'api',
      Routes: [
        { Match: { HTTP: { PathPrefix: '/v2' } }, Destination: { ServiceSubset: 'v2', PrefixRewrite: '/' } },
        {
          Match: {
            HTTP: { Header: [{ Name: 'x-debug', Present: true }], QueryParam: [{ Name: 'trace', Exact: '1' }] },
          },
          Destination: { Service: 'admin', RequestTimeout: '10s', NumRetries: 3, RetryOn: ['5xx'] },
        },
        {
          Match: { HTTP: { PathRegex: '^/legacy/.*', Methods: ['GET', 'HEAD'] } },
          Destination: { Service: 'legacy', RequestHeaders: { Set: { 'X-Legacy': '1' } } },
        },
      ],
    });
  });

  it('refuses a path prefix without a leading slash with Consul’s words, at the caller’s line', () => {
    const { mesh, api } = base();
    const e = thrown(() => new ServiceRouter(mesh, api, { routes: [{ match: { pathPrefix: 'v2' } }] })); // no-slash
    expect(e.constructPath).toBe('l7/service-router-api');
    expect(e.property).toBe('routes[0]');
    expect(e.message).toContain(`is refused by Consul: Route[0] PathPrefix doesn't start with '/': "v2"`);
    expect(e.span?.file).toBe(thisFile);
    expect(e.span?.line).toBe(lineOf('// no-slash'));
  });

  it('numbers a bad route added later as Consul numbers it in the whole entry', () => {
    const { mesh, api } = base();
    const r = new ServiceRouter(mesh, api, { routes: [{ match: { pathPrefix: '/a' } }] });
    const e = thrown(() => r.addRoute({ match: { pathExact: '/x', pathPrefix: '/y' } }));
    expect(e.property).toBe('routes[1]');
    expect(e.message).toContain('Route[1] should only contain at most one of PathExact, PathPrefix, or PathRegex');
  });

  it.each([
    [
      { match: { header: [{ name: 'x', exact: 'a', prefix: 'b' }] } },
      'Route[0] Header[0] should only contain one of Present, Exact, Prefix, Suffix, or Regex',
    ],
    [{ match: { queryParam: [{ name: '', present: true }] } }, 'Route[0] QueryParam[0] missing required Name field'],
    [{ match: { methods: ['GET', 'get'] } }, 'Route[0] Methods contains "GET" more than once'],
    [{ match: { methods: ['FETCH'] } }, 'Route[0] Methods contains an invalid method "FETCH"'],
    [
      { match: { pathRegex: '/a.*' }, destination: { prefixRewrite: '/' } },
      'Route[0] cannot make use of PrefixRewrite without configuring either PathExact or PathPrefix',
    ],
    [{ destination: { retryOn: ['timeout'] } }, 'Route[0] contains an invalid retry condition: "timeout"'],
  ])('refuses %j: %s', (route, consul) => {
    const { mesh, api } = base();
    expect(() => new ServiceRouter(mesh, api, { routes: [route] })).toThrow(`is refused by Consul: ${consul}`);
  });

  it('checks durations and names of the destination eagerly', () => {
    const { mesh, api } = base();
    expect(() => new ServiceRouter(mesh, api, { routes: [{ destination: { requestTimeout: '10' } }] })).toThrow(
      "'routes[0].destination.requestTimeout' must be a duration",
    );
    const other = base();
    expect(
      () => new ServiceRouter(other.mesh, other.api, { routes: [{ destination: { serviceSubset: 'V2' } }] }),
    ).toThrow("'routes[0].destination.serviceSubset' must be a DNS label");
  });
});

describe('ServiceSplitter', () => {
  it('lowers splits with weights as Consul stores them (0.01 steps)', () => {
    const { mesh, api } = base();
    new ServiceSplitter(mesh, api, {
      splits: [
        { weight: 33.335, serviceSubset: 'v1', responseHeaders: { add: { 'X-Split': 'v1' } } },
        { weight: 33.333, serviceSubset: 'v2' },
        { weight: 33.33, service: 'api-next' },
      ],
    });
    const e = lowerMesh(mesh).entries.find((d) => d.entry.Kind === 'service-splitter');
    expect(e?.entry).toEqual({
      Kind: 'service-splitter',
      Name: 'api',
      Splits: [
        { Weight: 33.34, ServiceSubset: 'v1', ResponseHeaders: { Add: { 'X-Split': 'v1' } } },
        { Weight: 33.33, ServiceSubset: 'v2' },
        { Weight: 33.33, Service: 'api-next' },
      ],
    });
  });

  it('refuses weights that do not add up to 100 with Consul’s message (Go %f of a float32)', () => {
    const { mesh, api } = base();
    const e = thrown(
      () =>
        new ServiceSplitter(mesh, api, {
          splits: [
            { weight: 90, serviceSubset: 'v1' },
            { weight: 5, serviceSubset: 'v2' },
          ],
        }),
    );
    expect(e.property).toBe('splits');
    expect(e.message).toContain('is refused by Consul: the sum of all split weights must be 100, not 95.000000');
    expect(validateEntry({ Kind: 'service-splitter', Name: 'a', Splits: [{ Weight: 99.99 }] })[0]).toBe(
      'the sum of all split weights must be 100, not 99.989998',
    );
  });

  it('refuses a destination named twice and an empty splitter, as Consul does', () => {
    const { mesh, api } = base();
    expect(
      () =>
        new ServiceSplitter(mesh, api, {
          splits: [
            { weight: 50, serviceSubset: 'v1' },
            { weight: 50, service: 'api', serviceSubset: 'v1' },
          ],
        }),
    ).toThrow('split destination occurs more than once: service="api", subset="v1", namespace="", partition=""');
    expect(() => new ServiceSplitter(mesh, 'web', { splits: [] })).toThrow('no splits configured');
    expect(() => new ServiceSplitter(mesh, 'other', { splits: [{ weight: 101 }] })).toThrow(
      "'splits[0].weight' must be a number from 0 to 100",
    );
  });

  it('scales weights like Consul: float32 arithmetic, half away from zero', () => {
    expect(scaleWeight(33.335)).toBe(3334);
    expect(scaleWeight(0.005)).toBe(1);
    expect(scaleWeight(12.5)).toBe(1250);
  });
});

describe('ServiceResolver (L7 fields)', () => {
  it('lowers subsets, default subset, per-subset failover, timeouts, redirect and load balancer', () => {
    const { mesh, api } = base();
    const dc2 = new Datacenter(mesh, 'dc2', { platform: 'vm' });
    new ServiceResolver(mesh, api, {
      connectTimeout: '3s',
      requestTimeout: '20s',
      defaultSubset: 'v1',
      subsets: {
        v1: { filter: 'Service.Meta.version == v1' },
        v2: { filter: 'Service.Meta.version == v2', onlyPassing: true },
      },
      failover: { v1: { datacenters: [dc2] }, v2: { targets: [{ datacenter: dc2, serviceSubset: 'v2' }] } },
      loadBalancer: {
        policy: 'ring_hash',
        ringHashConfig: { minimumRingSize: 1024 },
        hashPolicies: [{ field: 'header', fieldValue: 'x-user' }],
      },
    });
    new ServiceResolver(mesh, 'legacy', { redirect: { service: api, serviceSubset: 'v1', datacenter: 'dc2' } });
    const entries = lowerMesh(mesh).entries.map((d) => d.entry);
    expect(entries.find((e) => e.Name === 'api')).toEqual({
      Kind: 'service-resolver',
      Name: 'api',
      ConnectTimeout: '3s',
      RequestTimeout: '20s',
      DefaultSubset: 'v1',
      Subsets: {
        v1: { Filter: 'Service.Meta.version == v1' },
        v2: { Filter: 'Service.Meta.version == v2', OnlyPassing: true },
      },
      Failover: { v1: { Datacenters: ['dc2'] }, v2: { Targets: [{ ServiceSubset: 'v2', Datacenter: 'dc2' }] } },
      LoadBalancer: {
        Policy: 'ring_hash',
        RingHashConfig: { MinimumRingSize: 1024 },
        HashPolicies: [{ Field: 'header', FieldValue: 'x-user' }],
      },
    });
    expect(entries.find((e) => e.Name === 'legacy')).toEqual({
      Kind: 'service-resolver',
      Name: 'legacy',
      Redirect: { Service: 'api', ServiceSubset: 'v1', Datacenter: 'dc2' },
    });
  });

  it.each([
    [{ defaultSubset: 'v3', subsets: { v1: {} } }, 'defaultSubset', 'DefaultSubset "v3" is not a valid subset'],
    [
      { subsets: { v1: {} }, failover: { v9: { datacenters: ['dc2'] } } },
      'failover',
      'Bad Failover["v9"]: not a valid subset subset',
    ],
    [
      { redirect: { service: 'b' }, failover: { '*': { datacenters: ['dc2'] } } },
      'redirect',
      'Redirect and Failover cannot both be set',
    ],
    [
      { loadBalancer: { policy: 'round_robin', hashPolicies: [{ sourceIp: true }] } },
      'loadBalancer',
      'Bad LoadBalancer configuration: HashPolicies specified for non-hash-based Policy: "round_robin"',
    ],
    [
      { loadBalancer: { policy: 'maglev', hashPolicies: [{ field: 'header' }] } },
      'loadBalancer',
      'Bad LoadBalancer HashPolicy[0]: Field "header" was specified without a FieldValue',
    ],
  ] as const)('refuses %j on %s with Consul’s words', (props, property, consul) => {
    const { mesh } = base();
    const e = thrown(() => new ServiceResolver(mesh, 'api', props as never));
    expect(e.property).toBe(property);
    expect(e.message).toContain(`is refused by Consul: ${consul}`);
  });
});

describe('constructs Consul refuses to write (the entry graph check, MC2005)', () => {
  function env(protocol: 'tcp' | 'http' | undefined, global?: 'http') {
    const { mesh, api } = base();
    if (global) new ProxyDefaults(mesh, { protocol: global });
    if (protocol) new ServiceDefaults(mesh, api, { protocol });
    new ServiceResolver(mesh, api, { subsets: { v1: { filter: 'Service.Meta.version == v1' } } });
    new ServiceSplitter(mesh, api, { splits: [{ weight: 100, serviceSubset: 'v1' }] }); // splitter-line
    return mesh;
  }
  const codes = (mesh: Mesh, code: string) => compile(lowerMesh(mesh)).diagnostics.filter((d) => d.code === code);

  it('reports a splitter on a tcp service with Consul’s words at the splitter', () => {
    for (const m of [env(undefined), env('tcp')]) {
      const [d, ...more] = codes(m, 'MC2005');
      expect(more).toEqual([]);
      expect(d?.severity).toBe('error');
      expect(d?.path).toBe('l7/service-splitter-api');
      expect(d?.span?.line).toBe(lineOf('// splitter-line'));
      expect(d?.message).toContain(`service-splitter 'api'`);
      expect(d?.message).toContain(
        'discovery chain "api" uses a protocol "tcp" that does not permit advanced routing or splitting behavior',
      );
    }
  });

  it('accepts it once the service (or every service, through proxy-defaults) speaks http', () => {
    expect(codes(env('http'), 'MC2005')).toEqual([]);
    expect(codes(env(undefined, 'http'), 'MC2005')).toEqual([]);
    // the service's own protocol wins over proxy-defaults
    expect(codes(env('tcp', 'http'), 'MC2005')).toHaveLength(1);
  });

  it('reports a route to a subset the destination’s resolver does not define, with Consul’s words', () => {
    const { mesh, api } = base();
    new ServiceDefaults(mesh, api, { protocol: 'http' });
    new ServiceResolver(mesh, api, { subsets: { v1: { filter: 'Service.Meta.version == v1' } } });
    new ServiceRouter(mesh, api, {
      routes: [
        { match: { pathPrefix: '/v1' }, destination: { serviceSubset: 'v1' } },
        { match: { pathPrefix: '/v3' }, destination: { serviceSubset: 'v3' } },
      ],
    });
    const ds = codes(mesh, 'MC2005');
    expect(ds).toHaveLength(1);
    expect(ds[0]?.path).toBe('l7/service-router-api');
    expect(ds[0]?.message).toContain('service "api" does not have a subset named "v3"');
  });
});
