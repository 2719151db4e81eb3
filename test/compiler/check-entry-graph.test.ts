import { describe, expect, it } from 'vitest';
import { checkEntryGraph } from '../../src/compiler/passes/check-entry-graph.ts';
import { entry, model } from './model.ts';

describe('checkEntryGraph: what Consul refuses when meshcc applies the entries', () => {
  it('refuses a router on a tcp service at the router, with Consul’s words and the file:line', () => {
    const router = entry(
      { Kind: 'service-router', Name: 'api', Routes: [{ Destination: { Service: 'api' } }] },
      'file',
    );
    const m = model([], [entry({ Kind: 'service-defaults', Name: 'api', Protocol: 'tcp' }, 'file'), router]);
    const { diagnostics } = checkEntryGraph(m);
    expect(diagnostics.map((d) => [d.code, d.severity, d.span?.file, d.span?.line])).toEqual([
      ['MC2005', 'error', router.span?.file, router.span?.line],
    ]);
    expect(diagnostics[0]?.message).toContain(
      'discovery chain "api" uses a protocol "tcp" that does not permit advanced routing or splitting behavior',
    );
  });

  it('refuses the second splitter of a loop, and a route to a subset the resolver lacks', () => {
    const m = model(
      [],
      [
        entry({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } }),
        entry({ Kind: 'service-resolver', Name: 'b', Subsets: { v1: {} } }),
        entry({ Kind: 'service-splitter', Name: 'a', Splits: [{ Weight: 100, Service: 'b' }] }),
        entry({ Kind: 'service-splitter', Name: 'b', Splits: [{ Weight: 100, Service: 'a' }] }),
        entry({ Kind: 'service-router', Name: 'c', Routes: [{ Destination: { Service: 'b', ServiceSubset: 'v2' } }] }),
      ],
    );
    expect(checkEntryGraph(m).diagnostics.map((d) => d.message.split(': ').slice(1).join(': '))).toEqual([
      'detected circular reference: [splitter:a.default.default -> splitter:b.default.default -> splitter:a.default.default]. Consul compiles every discovery chain the entry changes when it is written, and rejects the write when one of them does not compile',
      'service "b" does not have a subset named "v2". Consul compiles every discovery chain the entry changes when it is written, and rejects the write when one of them does not compile',
    ]);
  });

  it('accepts a consistent L7 mesh', () => {
    const m = model(
      [],
      [
        entry({ Kind: 'service-defaults', Name: 'web', Protocol: 'http' }),
        entry({ Kind: 'service-defaults', Name: 'api', Protocol: 'http' }),
        entry({ Kind: 'service-resolver', Name: 'api', Subsets: { v1: {}, v2: {} } }),
        entry({
          Kind: 'service-splitter',
          Name: 'api',
          Splits: [
            { Weight: 50, ServiceSubset: 'v1' },
            { Weight: 50, ServiceSubset: 'v2' },
          ],
        }),
        entry({
          Kind: 'service-router',
          Name: 'web',
          Routes: [{ Match: { HTTP: { PathPrefix: '/api' } }, Destination: { Service: 'api' } }],
        }),
      ],
    );
    expect(checkEntryGraph(m).diagnostics).toEqual([]);
  });

  it('reports failover and redirect to a datacenter the mesh does not declare as errors (MC2006)', () => {
    const m = model(
      [],
      [
        entry({ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc2', 'dc9'] } } }),
        entry({ Kind: 'service-resolver', Name: 'web', Redirect: { Datacenter: 'mars' } }),
      ],
    );
    const diags = checkEntryGraph(m).diagnostics;
    expect(diags.map((d) => [d.code, d.severity])).toEqual([
      ['MC2006', 'error'],
      ['MC2006', 'error'],
    ]);
    expect(diags.map((d) => d.message)).toEqual([
      expect.stringContaining(`Failover["*"].Datacenters names datacenter 'dc9', which the mesh does not declare`),
      expect.stringContaining(`Redirect.Datacenter names datacenter 'mars'`),
    ]);
  });
});
