/**
 * The declaration facts resolve-modes reads in its own walk (`DeclReader` fed by `resolveGatewayModes`, handed on
 * with `presetDeclFacts`) against `readDecls`' own walk, on random meshes: every fact equal (flags per instance, the
 * union of flags, per-datacenter host answers and Kubernetes mode instances, instance datacenters, intentions), and
 * check-platform and the declaration passes report the same with either. The random meshes mix VM and Kubernetes
 * datacenters, instances with and without upstreams, shared upstream lists (a canary group), instance and upstream
 * mesh-gateway modes, peer upstreams, addresses, pinned and unknown upstream datacenters, configured protocols,
 * duplicate ports and names, intentions that allow or deny, and instances out of path order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectiveEntries } from '../../src/compiler/compile.ts';
import { declFacts, readDecls } from '../../src/compiler/decl-facts.ts';
import { buildEntryIndex } from '../../src/compiler/entry-index.ts';
import { checkConsistency } from '../../src/compiler/passes/check-consistency.ts';
import { checkIntentions } from '../../src/compiler/passes/check-intentions.ts';
import { checkPlatform } from '../../src/compiler/passes/check-platform.ts';
import { checkUpstreams } from '../../src/compiler/passes/check-upstreams.ts';
import { resolveGatewayModes } from '../../src/compiler/passes/resolve-gateway-modes.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import type { GatewayMode, MeshModel, ServiceInstanceDecl, UpstreamDecl } from '../../src/model/types.ts';
import { dc, entry, instance, model, upstream } from './model.ts';

const NAMES = ['a', 'b', 'c', 'd'];
const DCS = ['dc1', 'dc2', 'dc3'];
const mode = fc.option(fc.constantFrom<GatewayMode>('local', 'remote', 'none'), { nil: undefined, freq: 3 });

const up = fc.record({
  name: fc.constantFrom(...NAMES),
  port: fc.constantFrom(10000, 10001, 10002, 8080),
  dc: fc.option(fc.constantFrom('dc1', 'dc2', 'dc9'), { nil: undefined, freq: 3 }),
  mode,
  protocol: fc.option(fc.constantFrom('http', 'tcp'), { nil: undefined, freq: 4 }),
  address: fc.option(fc.constantFrom('127.0.0.1', '127.0.0.2'), { nil: undefined, freq: 3 }),
});

const inst = fc.record({
  service: fc.constantFrom(...NAMES),
  dc: fc.constantFrom(...DCS),
  path: fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5'),
  upstreams: fc.array(up, { maxLength: 4 }),
  peers: fc.option(fc.array(up, { maxLength: 2 }), { nil: undefined, freq: 3 }),
  mode,
  address: fc.option(fc.constantFrom('10.0.0.1', '10.0.0.2'), { nil: undefined, freq: 2 }),
  port: fc.constantFrom(8080, 10000),
  // Repeats the previous instance's upstream list (same service or not).
  share: fc.boolean(),
});

const intention = fc.record({
  Name: fc.constantFrom(...NAMES, '*'),
  Sources: fc.array(
    fc.record({ Name: fc.constantFrom(...NAMES, '*', 'ghost'), Action: fc.constantFrom('allow', 'deny') }),
    { maxLength: 5 },
  ),
});

type Up = typeof up extends fc.Arbitrary<infer T> ? T : never;

function decl(u: Up): UpstreamDecl {
  return upstream(u.name, {
    localBindPort: u.port,
    ...(u.dc === undefined ? {} : { datacenter: u.dc }),
    ...(u.mode === undefined ? {} : { meshGateway: u.mode }),
    ...(u.protocol === undefined ? {} : { config: { protocol: u.protocol } }),
    ...(u.address === undefined ? {} : { localBindAddress: u.address }),
  });
}

function mesh(
  is: (typeof inst extends fc.Arbitrary<infer T> ? T : never)[],
  es: (typeof intention extends fc.Arbitrary<infer T> ? T : never)[],
  kinds: readonly ('vm' | 'kubernetes')[],
  upstreamConfig: boolean,
  deny: boolean,
): MeshModel {
  const list: ServiceInstanceDecl[] = [];
  for (const [n, i] of is.entries()) {
    const prev = list[list.length - 1];
    const made = instance(i.service, i.dc, i.upstreams.map(decl), {
      path: `test/${i.dc}/${i.path}/${n % 3}`,
      port: i.port,
      ...(i.mode === undefined ? {} : { meshGateway: i.mode }),
      ...(i.address === undefined ? {} : { address: i.address }),
      ...(i.peers === undefined ? {} : { peerUpstreams: i.peers.map(decl) }),
    });
    list.push(i.share && prev !== undefined ? { ...made, upstreams: prev.upstreams } : made);
  }
  const entries = [
    ...es.map((e) => entry({ Kind: 'service-intentions', ...e } as ConfigEntry)),
    ...(upstreamConfig
      ? [entry({ Kind: 'service-defaults', Name: 'b', UpstreamConfig: { Defaults: { Protocol: 'http' } } })]
      : []),
  ];
  const base = model(list, entries);
  return {
    ...base,
    datacenters: DCS.map((name, n) => ({ ...dc(name, n === 0), platform: kinds[n]! })),
    aclsEnabled: deny,
    aclDefaultPolicy: deny ? 'deny' : 'allow',
  };
}

const platforms = fc.tuple(...DCS.map(() => fc.constantFrom('vm' as const, 'kubernetes' as const)));

describe('declaration facts read in the resolve-modes walk', () => {
  it('equal readDecls, and the passes that read them report the same', () => {
    let flagged = 0;
    fc.assert(
      fc.property(
        fc.array(inst, { maxLength: 10 }),
        fc.array(intention, { maxLength: 4 }),
        platforms,
        fc.boolean(),
        fc.boolean(),
        (is, es, kinds, upstreamConfig, deny) => {
          const m = mesh(is, es, kinds, upstreamConfig, deny);
          const index = buildEntryIndex(effectiveEntries(m).value).value;
          const resolved = resolveGatewayModes(m, index).value;
          const fused = declFacts(m, resolved);
          const own = readDecls(m);
          expect(fused).not.toBe(own);
          expect(fused).toEqual(own);
          if (own.any !== 0) flagged++;
          expect(checkPlatform(m, resolved).diagnostics).toEqual(checkPlatform(m).diagnostics);
          expect(checkUpstreams(m, fused).diagnostics).toEqual(checkUpstreams(m, own).diagnostics);
          expect(checkIntentions(m, fused).diagnostics).toEqual(checkIntentions(m, own).diagnostics);
          expect(checkConsistency(m, fused).diagnostics).toEqual(checkConsistency(m, own).diagnostics);
        },
      ),
      { numRuns: 1000 },
    );
    expect(flagged).toBeGreaterThan(300);
  });
});
