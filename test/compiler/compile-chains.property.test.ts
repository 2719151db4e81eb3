import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexEntries } from '../../src/compiler/entry-index.ts';
import { compileChain } from '../../src/compiler/passes/compile-chains.ts';
import { parseSni, targetId } from '../../src/compiler/sni.ts';
import type { ServiceResolverEntry } from '../../src/model/entries.ts';
import { TD } from './model.ts';

const services = ['a', 'b', 'c'] as const;
const dcs = ['dc1', 'dc2', 'dc3'] as const;
const subsetNames = ['v1', 'v2'] as const;

/** Random resolvers over three services: subsets, default subset, a redirect or a failover. */
const resolverArb = (name: string): fc.Arbitrary<ServiceResolverEntry> =>
  fc
    .record({
      subsets: fc.subarray([...subsetNames]),
      defaultSubset: fc.option(fc.constantFrom(...subsetNames), { nil: undefined }),
      timeout: fc.option(fc.constantFrom('1s', '250ms', '1m30s'), { nil: undefined }),
      redirect: fc.option(
        fc.record({
          Service: fc.option(fc.constantFrom(...services), { nil: undefined }),
          Datacenter: fc.option(fc.constantFrom(...dcs), { nil: undefined }),
        }),
        { nil: undefined },
      ),
      failover: fc.option(fc.uniqueArray(fc.constantFrom(...dcs), { minLength: 1 }), { nil: undefined }),
    })
    .map((r) => ({
      Kind: 'service-resolver' as const,
      Name: name,
      ...(r.subsets.length > 0 ? { Subsets: Object.fromEntries(r.subsets.map((s) => [s, {}])) } : {}),
      ...(r.defaultSubset ? { DefaultSubset: r.defaultSubset } : {}),
      ...(r.timeout ? { ConnectTimeout: r.timeout } : {}),
      ...(r.redirect && (r.redirect.Service || r.redirect.Datacenter)
        ? {
            Redirect: {
              ...(r.redirect.Service ? { Service: r.redirect.Service } : {}),
              ...(r.redirect.Datacenter ? { Datacenter: r.redirect.Datacenter } : {}),
            },
          }
        : r.failover
          ? { Failover: { '*': { Datacenters: r.failover } } }
          : {}),
    }));

const entriesArb = fc
  .tuple(...services.map((s) => fc.option(resolverArb(s), { nil: undefined })))
  .map((rs) => rs.filter((r): r is ServiceResolverEntry => r !== undefined));

describe('compiled chains (properties)', () => {
  it('either refuse the chain or reference only targets they contain, each named by its own ID and SNI', () => {
    fc.assert(
      fc.property(entriesArb, fc.constantFrom(...services), fc.constantFrom(...dcs), (entries, service, dc) => {
        const result = compileChain({
          serviceName: service,
          evaluateInDatacenter: dc,
          trustDomain: TD,
          entries: indexEntries(entries),
        });
        if ('error' in result) {
          expect(result.error.message).toMatch(/subset|circular|Redirect|Failover/);
          return;
        }
        const { chain } = result;
        const start = chain.Nodes[chain.StartNode];
        expect(start?.Resolver).toBeDefined();
        const referenced = new Set<string>();
        for (const node of Object.values(chain.Nodes)) {
          const r = node.Resolver!;
          expect(`resolver:${node.Name}`).toBe(Object.keys(chain.Nodes).find((k) => chain.Nodes[k] === node));
          referenced.add(r.Target);
          for (const f of r.Failover?.Targets ?? []) referenced.add(f);
          expect(r.Failover?.Targets ?? []).not.toContain(r.Target);
        }
        expect([...referenced].sort()).toEqual(Object.keys(chain.Targets).sort());
        for (const [id, t] of Object.entries(chain.Targets)) {
          expect(t.ID).toBe(id);
          const opts = {
            service: t.Service,
            namespace: t.Namespace,
            partition: t.Partition,
            datacenter: t.Datacenter,
            ...(t.ServiceSubset ? { subset: t.ServiceSubset } : {}),
          };
          expect(targetId(opts)).toBe(id);
          expect(parseSni(t.SNI, TD)).toEqual({ kind: 'service', ...opts });
          expect(t.Name).toBe(t.SNI);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('compiles the same entries to the same chain regardless of their order', () => {
    fc.assert(
      fc.property(entriesArb, fc.constantFrom(...services), (entries, service) => {
        const a = compileChain({
          serviceName: service,
          evaluateInDatacenter: 'dc1',
          trustDomain: TD,
          entries: indexEntries(entries),
        });
        const b = compileChain({
          serviceName: service,
          evaluateInDatacenter: 'dc1',
          trustDomain: TD,
          entries: indexEntries([...entries].reverse()),
        });
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }),
      { numRuns: 200 },
    );
  });
});
