import { describe, expect, it } from 'vitest';
import { indexEntries } from '../../src/compiler/entry-index.ts';
import { renderChainText } from '../../src/compiler/explain.ts';
import { compileChain } from '../../src/compiler/passes/compile-chains.ts';

describe('meshcc chain text: the L7 tree', () => {
  it('prints routes with their match and destination settings, splits with weights, then resolvers and targets', () => {
    const entries = indexEntries([
      { Kind: 'service-defaults', Name: 'web', Protocol: 'http' },
      { Kind: 'service-defaults', Name: 'api', Protocol: 'http' },
      { Kind: 'service-resolver', Name: 'api', Subsets: { v1: {}, v2: {} } },
      {
        Kind: 'service-splitter',
        Name: 'api',
        Splits: [
          { Weight: 90, ServiceSubset: 'v1' },
          { Weight: 10, ServiceSubset: 'v2' },
        ],
      },
      {
        Kind: 'service-router',
        Name: 'web',
        Routes: [
          {
            Match: { HTTP: { PathPrefix: '/api', Header: [{ Name: 'x-env', Exact: 'dev' }], Methods: ['get'] } },
            Destination: { Service: 'api', PrefixRewrite: '/', RequestTimeout: '3s', NumRetries: 2 },
          },
        ],
      },
    ]);
    const r = compileChain({ serviceName: 'web', evaluateInDatacenter: 'dc1', trustDomain: 'td.consul', entries });
    if (!('chain' in r)) throw new Error(r.error.message);
    const text = renderChainText(r.chain);
    expect(text.split('\n').filter((l) => !/^\s+(datacenter|SNI) /.test(l))).toEqual([
      'chain web (namespace default, partition default) compiled in dc1',
      '  protocol http',
      '  start router:web.default.default',
      '  router web.default.default',
      '    route 1: PathPrefix /api, header x-env exact "dev", GET (prefix rewrite /, request timeout 3s, 2 retries)',
      '      splitter api.default.default',
      '        90%',
      '          resolver v1.api.default.default.dc1 (connect timeout 5s)',
      '            primary  v1.api.default.default.dc1',
      '        10%',
      '          resolver v2.api.default.default.dc1 (connect timeout 5s)',
      '            primary  v2.api.default.default.dc1',
      '    route 2 (default route): PathPrefix /',
      '      resolver web.default.default.dc1 (connect timeout 5s, default resolver)',
      '        primary  web.default.default.dc1',
      '',
    ]);
  });
});

describe('resolver LoadBalancer in the chain', () => {
  it('is on the resolver nodes and on the splitter (first hash-based), with a cookie TTL in nanoseconds as Consul prints it', () => {
    const lb = {
      Policy: 'ring_hash',
      RingHashConfig: { MinimumRingSize: 1024 },
      HashPolicies: [{ Field: 'cookie', FieldValue: 'c', CookieConfig: { TTL: '10s', Path: '/' } }],
    };
    const entries = indexEntries([
      { Kind: 'service-defaults', Name: 'lbx', Protocol: 'http' },
      { Kind: 'service-resolver', Name: 'lbx', Subsets: { v1: {} }, LoadBalancer: lb } as never,
      { Kind: 'service-splitter', Name: 'lbx', Splits: [{ Weight: 50, ServiceSubset: 'v1' }, { Weight: 50 }] },
    ]);
    const r = compileChain({ serviceName: 'lbx', evaluateInDatacenter: 'dc1', trustDomain: 'td.consul', entries });
    if (!('chain' in r)) throw new Error(r.error.message);
    // What Consul v1.22.7 answered for these entries (checked on a live agent).
    const expected = {
      Policy: 'ring_hash',
      RingHashConfig: { MinimumRingSize: 1024 },
      HashPolicies: [{ Field: 'cookie', FieldValue: 'c', CookieConfig: { TTL: 10_000_000_000, Path: '/' } }],
    };
    expect(r.chain.Nodes['splitter:lbx.default.default']?.LoadBalancer).toEqual(expected);
    expect(r.chain.Nodes['resolver:v1.lbx.default.default.dc1']?.LoadBalancer).toEqual(expected);
  });
});
