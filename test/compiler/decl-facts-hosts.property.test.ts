/**
 * `readDecls`' host answer (`DatacenterFacts.mayClash`) against `portsMayClash`, the straightforward check that
 * hashes every host key into a set, on random datacenters: `readDecls` proves paths distinct by their increasing
 * order and hashes them only once the order breaks, so the random paths come from a small alphabet (duplicates,
 * out-of-order and prefix pairs are common), VM instances with and without addresses, Kubernetes pods, gateways
 * sharing an address, and instances interleaved across datacenters. check-platform's whole output with the facts
 * must equal its output without them (the path that does not use `readDecls`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readDecls } from '../../src/compiler/decl-facts.ts';
import { checkPlatform, portsMayClash } from '../../src/compiler/passes/check-platform.ts';
import type { MeshGatewayDecl, MeshModel, ServiceInstanceDecl } from '../../src/model/types.ts';
import { dc, instance, model, upstream } from './model.ts';

const DCS = ['dc1', 'dc2', 'dc3'];

const inst = fc.record({
  dc: fc.constantFrom(...DCS),
  service: fc.constantFrom('a', 'b', 'c'),
  // Short paths over a small alphabet: equal, increasing, decreasing and prefix pairs all happen.
  path: fc.array(fc.constantFrom('a', 'b', 'a/', 'b/'), { minLength: 1, maxLength: 3 }).map((p) => p.join('')),
  address: fc.option(fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3', ''), { nil: undefined }),
  port: fc.constantFrom(8080, 9090),
  upstreamPort: fc.constantFrom(10000, 10001, 8080),
});

const platforms = fc.tuple(...DCS.map(() => fc.constantFrom('vm' as const, 'kubernetes' as const)));

const gateways = fc.array(
  fc.record({ dc: fc.constantFrom(...DCS), address: fc.constantFrom('10.0.0.1', '10.0.0.9', '10.0.0.8') }),
  { maxLength: 3 },
);

function mesh(
  is: { dc: string; service: string; path: string; address?: string; port: number; upstreamPort: number }[],
  kinds: readonly ('vm' | 'kubernetes')[],
  gws: { dc: string; address: string }[],
): MeshModel {
  const list: ServiceInstanceDecl[] = is.map((i) =>
    instance(i.service, i.dc, [upstream('z', { localBindPort: i.upstreamPort })], {
      path: i.path,
      port: i.port,
      ...(i.address === undefined ? {} : { address: i.address }),
    }),
  );
  const gatewayDecls: MeshGatewayDecl[] = gws.map((g, n) => ({
    path: `gw/${n}`,
    name: 'mesh-gateway',
    datacenter: g.dc,
    lan: { address: g.address, port: 8443 + n },
    instances: 1,
    implementation: 'envoy',
  }));
  const base = model(list);
  return {
    ...base,
    datacenters: DCS.map((name, n) => ({ ...dc(name, n === 0), platform: kinds[n]! })),
    gateways: gatewayDecls,
  };
}

describe('readDecls: host keys', () => {
  it('answers mayClash exactly as portsMayClash, and check-platform says the same with and without facts', () => {
    let clashes = 0;
    let clean = 0;
    fc.assert(
      fc.property(fc.array(inst, { minLength: 1, maxLength: 14 }), platforms, gateways, (is, kinds, gws) => {
        const m = mesh(is, kinds, gws);
        const facts = readDecls(m);
        for (const d of m.datacenters) {
          const mine = m.instances.filter((i) => i.datacenter === d.name);
          const f = facts.datacenters.get(d.name);
          if (f === undefined) {
            expect(mine).toEqual([]);
            continue;
          }
          const expected = portsMayClash(m, d, mine);
          expect(f.mayClash).toBe(expected);
          if (expected) clashes++;
          else clean++;
        }
        expect(checkPlatform(m, {}).diagnostics).toEqual(checkPlatform(m).diagnostics);
      }),
      { numRuns: 1500 },
    );
    // Neither answer is vacuous.
    expect(clashes).toBeGreaterThan(200);
    expect(clean).toBeGreaterThan(200);
  });

  it('proves sorted distinct paths without hashing, and finds a duplicate after the order breaks', () => {
    const paths = ['x/a', 'x/b', 'x/c', 'x/a'];
    const m = mesh(
      paths.map((path) => ({ dc: 'dc1', service: 'a', path, port: 8080, upstreamPort: 10000 })),
      ['kubernetes', 'vm', 'vm'],
      [],
    );
    expect(readDecls(m).datacenters.get('dc1')!.mayClash).toBe(true);
    const sorted = mesh(
      ['x/a', 'x/b', 'x/c'].map((path) => ({ dc: 'dc1', service: 'a', path, port: 8080, upstreamPort: 10000 })),
      ['kubernetes', 'vm', 'vm'],
      [],
    );
    expect(readDecls(sorted).datacenters.get('dc1')!.mayClash).toBe(false);
  });
});
