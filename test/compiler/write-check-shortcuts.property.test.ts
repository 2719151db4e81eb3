/**
 * The entry write check's shortcuts (`WriteSimulator`: `selfContainedChainCompiles`, and the writes no chain of which
 * can fail) answer exactly what compiling every chain Consul compiles answers.
 *
 * - Soundness of the proof itself: on random entry sets (self references made likely; other services, namespaces,
 *   partitions, peers, redirects, default subsets, missing subsets, external SNI, protocols of every kind), whenever
 *   `selfContainedChainCompiles` says a chain compiles, `chainError` in the write check's setting (dc1, a memo that
 *   trusts the entries, as the simulator's does) finds no error.
 * - The simulator with its shortcuts and with `compileAll` give the same answers (`check()`: every message, in order)
 *   to every write of random entry sets in apply order, on the same generator and on the L7 fuzz's cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateMesh } from '../../bench/generate-mesh.ts';
import { ChainMemo } from '../../src/compiler/chain-memo.ts';
import { indexEntries } from '../../src/compiler/entry-index.ts';
import { chainError } from '../../src/compiler/passes/compile-chains.ts';
import { selfContainedChainCompiles } from '../../src/compiler/self-contained-chain.ts';
import { orDefault } from '../../src/compiler/service-map.ts';
import { AcceptanceProof, everyWriteAccepted, WriteSimulator } from '../../src/compiler/write-check.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { validateEntry } from '../../src/model/validate-entry.ts';
import { caseArb } from '../consul/l7-fuzz.ts';

const SERVICES = ['a', 'b'] as const;
const SUBSETS = ['v1', 'v2', 'v3'] as const;
const APPLY_ORDER = ['proxy-defaults', 'service-defaults', 'service-resolver', 'service-splitter', 'service-router'];
const TRUST_DOMAIN = 'b6fc9da3-03d4-4b5a-9134-c045e9b20152.consul';

const opt = <T>(a: fc.Arbitrary<T>, percent = 50): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 100 - percent }, { arbitrary: a, weight: percent });
/** Drops undefined fields (what JSON would carry). */
const clean = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

/** A reference's parts: mostly unset (the chain's own), sometimes the same spelled out, sometimes another. */
const serviceRef = (own: string) => opt(fc.constantFrom(own, own, '', 'a', 'b'), 40);
const nsRef = opt(fc.constantFrom('default', '', 'ns1'), 15);
const apRef = opt(fc.constantFrom('default', '', 'ap1'), 10);
const subsetRef = opt(fc.constantFrom<string>(...SUBSETS, ''), 45);
const peerRef = opt(fc.constantFrom('', 'peer1'), 20);

const candidate = (own: string) =>
  fc
    .record({
      Service: serviceRef(own),
      ServiceSubset: subsetRef,
      Namespace: nsRef,
      Partition: apRef,
      Datacenter: opt(fc.constantFrom('dc1', 'dc2'), 50),
      Peer: peerRef,
    })
    .map(clean);

const failover = (own: string) =>
  fc.oneof(
    fc
      .record({
        Datacenters: fc.uniqueArray(fc.constantFrom('dc1', 'dc2', 'dc3'), { minLength: 1 }),
        Service: serviceRef(own),
        ServiceSubset: subsetRef,
        Namespace: nsRef,
      })
      .map(clean),
    fc.record({ Targets: fc.array(candidate(own), { minLength: 1, maxLength: 2 }) }),
    fc.record({ Service: serviceRef(own), ServiceSubset: subsetRef, Namespace: nsRef }).map(clean),
  );

const resolver = (name: string) =>
  fc
    .record({
      subsets: fc.subarray(['v1', 'v2']),
      DefaultSubset: opt(fc.constantFrom<string>(...SUBSETS, ''), 20),
      Redirect: opt(fc.record({ Service: serviceRef(name), Datacenter: opt(fc.constantFrom('dc1', 'dc2')) }), 10),
      Failover: opt(fc.dictionary(fc.constantFrom('*', 'v1', 'v3', ''), failover(name), { maxKeys: 2 }), 40),
      LoadBalancer: opt(fc.constant({ Policy: 'ring_hash' }), 10),
    })
    .map(
      ({ subsets, ...r }): ConfigEntry =>
        clean({
          Kind: 'service-resolver',
          Name: name,
          ...(subsets.length > 0 ? { Subsets: Object.fromEntries(subsets.map((s) => [s, {}])) } : {}),
          ...r,
        }) as ConfigEntry,
    );

const splitter = (name: string) =>
  fc
    .array(
      fc.record({ Service: serviceRef(name), ServiceSubset: subsetRef, Namespace: nsRef, Partition: apRef }).map(clean),
      { minLength: 1, maxLength: 3 },
    )
    .map(
      (splits): ConfigEntry => ({
        Kind: 'service-splitter',
        Name: name,
        Splits: splits.map((s, i) => ({ ...s, Weight: i === 0 ? 100 - (splits.length - 1) * 10 : 10 })),
      }),
    );

const router = (name: string) =>
  fc
    .array(
      opt(
        fc.record({ Service: serviceRef(name), ServiceSubset: subsetRef, Namespace: nsRef, Partition: apRef }),
        85,
      ).map((d) => clean(d ? { Destination: d } : {})),
      { maxLength: 3 },
    )
    .map((Routes): ConfigEntry => ({ Kind: 'service-router', Name: name, Routes }));

const serviceDefaults = (name: string) =>
  fc
    .record({
      Protocol: opt(fc.constantFrom('http', 'HTTP', 'grpc', 'http2', 'tcp', ''), 85),
      ExternalSNI: opt(fc.constant('ext.example.com'), 8),
    })
    .map((r): ConfigEntry => clean({ Kind: 'service-defaults', Name: name, ...r }) as ConfigEntry);

/** The services entries are written for: `a` and `b` in the default namespace, and again in `ns1` (less often). */
const HOMES = [
  ['a', undefined, 1],
  ['b', undefined, 1],
  ['a', 'ns1', 0.5],
  ['b', 'ns1', 0.5],
] as const;

/** Per home, an entry of one kind with probability `percent` (halved in `ns1`). */
const perHome = (make: (name: string) => fc.Arbitrary<ConfigEntry>, percent: number) =>
  fc.tuple(
    ...HOMES.map(([name, Namespace, share]) =>
      opt(
        make(name).map((e) => (Namespace ? { ...e, Namespace } : e)),
        Math.round(percent * share),
      ),
    ),
  );

/** A random entry set, in apply order (kinds in `APPLY_ORDER`, homes in order within a kind). */
const entrySet: fc.Arbitrary<ConfigEntry[]> = fc
  .record({
    proxyDefaults: opt(
      fc
        .constantFrom<unknown>('http', 'tcp', 'grpc', 7, true)
        .map((protocol): ConfigEntry => ({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol } })),
      50,
    ),
    serviceDefaults: perHome(serviceDefaults, 80),
    resolvers: perHome(resolver, 75),
    splitters: perHome(splitter, 50),
    routers: perHome(router, 45),
  })
  .map((r) =>
    [r.proxyDefaults, ...r.serviceDefaults, ...r.resolvers, ...r.splitters, ...r.routers].filter(
      (e): e is ConfigEntry => e !== undefined,
    ),
  );

/** Every write's `check()` answer from both simulators; the entry is stored when accepted (the same in both). */
function replay(entries: readonly ConfigEntry[]): { shortcut: string[][]; compiled: string[][] } {
  const fast = new WriteSimulator();
  const reference = new WriteSimulator({ compileAll: true });
  const shortcut: string[][] = [];
  const compiled: string[][] = [];
  for (const kind of APPLY_ORDER) {
    for (const e of entries) {
      if (e.Kind !== kind) continue;
      shortcut.push(fast.check(e));
      compiled.push(reference.check(e));
      // `write` stores it when accepted.
      fast.write(e);
      reference.write(e);
    }
  }
  return { shortcut, compiled };
}

/**
 * `everyWriteAccepted` against the reference: the entries that pass `Validate()`, in apply order (as
 * `checkEntryGraph` writes them), each written to a simulator that compiles every affected chain. Returns the
 * proof's answer; fails the test when it claims acceptance and the reference refuses a write.
 */
function provenAgainstReference(entries: readonly ConfigEntry[]): boolean {
  const valid = APPLY_ORDER.flatMap((k) => entries.filter((e) => e.Kind === k && validateEntry(e).length === 0));
  const proven = everyWriteAccepted(valid);
  // `checkEntryGraph` adds the valid entries to an `AcceptanceProof` in declaration order: any interleaving of the
  // kinds that keeps each kind's own order answers what `everyWriteAccepted` answers in apply order.
  expect(acceptedInOrder(valid)).toBe(proven);
  expect(acceptedInOrder([...APPLY_ORDER].reverse().flatMap((k) => valid.filter((e) => e.Kind === k)))).toBe(proven);
  expect(acceptedInOrder(roundRobin(valid))).toBe(proven);
  const reference = new WriteSimulator({ compileAll: true });
  const refused = valid.map((e) => reference.write(e, true)).filter((m) => m !== undefined);
  if (proven) expect(refused).toEqual([]);
  return proven;
}

/** An `AcceptanceProof`'s answer with `entries` added in the order given. */
function acceptedInOrder(entries: readonly ConfigEntry[]): boolean {
  const proof = new AcceptanceProof();
  for (const e of entries) proof.add(e);
  return proof.proven();
}

/** The entries with their kinds interleaved (one of each kind in turn, routers first), each kind's order kept. */
function roundRobin(entries: readonly ConfigEntry[]): ConfigEntry[] {
  const lists = [...APPLY_ORDER].reverse().map((k) => entries.filter((e) => e.Kind === k));
  const out: ConfigEntry[] = [];
  for (let i = 0; out.length < entries.length; i++) for (const l of lists) if (i < l.length) out.push(l[i]!);
  return out;
}

describe('write-check shortcuts', () => {
  it('a chain proven self-contained compiles (chainError in dc1, trusted entries)', () => {
    let proven = 0;
    let refused = 0;
    fc.assert(
      fc.property(entrySet, (entries) => {
        const index = indexEntries(entries);
        for (const service of SERVICES) {
          for (const [ns, ap] of [
            ['default', 'default'],
            ['ns1', 'default'],
            ['default', 'ap1'],
          ] as const) {
            const ok = selfContainedChainCompiles(index, service, ns, ap);
            const error = chainError(
              {
                serviceName: service,
                namespace: ns,
                partition: ap,
                evaluateInDatacenter: 'dc1',
                trustDomain: TRUST_DOMAIN,
                entries: index,
              },
              new ChainMemo(TRUST_DOMAIN, true),
            );
            if (ok) proven++;
            if (error !== undefined) refused++;
            if (ok) expect(error).toBeUndefined();
          }
        }
      }),
      { numRuns: 3000, seed: 20261206 },
    );
    // Neither side is vacuous: many chains are proven, many others refused.
    expect(proven).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(500);
  });

  it('the simulator answers every write the same with and without its shortcuts', () => {
    let refusals = 0;
    fc.assert(
      fc.property(entrySet, (entries) => {
        const { shortcut, compiled } = replay(entries);
        expect(shortcut).toEqual(compiled);
        refusals += compiled.filter((m) => m.length > 0).length;
      }),
      { numRuns: 800, seed: 612 },
    );
    expect(refusals).toBeGreaterThan(100);
  });

  it('the same on the L7 fuzz cases (four services, every route, split and failover field)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { shortcut, compiled } = replay(c.entries);
        expect(shortcut).toEqual(compiled);
      }),
      { numRuns: 400, seed: 1206 },
    );
  });

  it('the same on the generated L7 mesh with random entries changed (the bench shapes and their near misses)', () => {
    const base = generateMesh(60, 5, { l7: true }).entries.map((d) => d.entry);
    const graph = base.flatMap((e, i) => (APPLY_ORDER.includes(e.Kind) && e.Kind !== 'proxy-defaults' ? [i] : []));
    const other = fc.constantFrom(...base.filter((e) => e.Kind === 'service-router').map((e) => e.Name));
    /** One change to one entry: a subset, a service, a protocol, a redirect or a failover target that breaks or not. */
    const change = fc.tuple(
      fc.constantFrom(...graph),
      fc.constantFrom('subset', 'service', 'protocol', 'redirect', 'failover', 'drop'),
      other,
      fc.constantFrom('v1', 'v2', 'v3'),
    );
    let refusals = 0;
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 4 }), (changes) => {
        const entries: (ConfigEntry | undefined)[] = [...base];
        for (const [i, what, svc, sub] of changes) {
          const e = entries[i];
          if (e === undefined) continue;
          if (what === 'drop') entries[i] = undefined;
          else if (e.Kind === 'service-splitter' && (what === 'subset' || what === 'service'))
            entries[i] = {
              ...e,
              Splits: (e.Splits ?? []).map((x, k) =>
                k === 0 ? (what === 'subset' ? { ...x, ServiceSubset: sub } : { ...x, Service: svc }) : x,
              ),
            };
          else if (e.Kind === 'service-router' && (what === 'subset' || what === 'service'))
            entries[i] = {
              ...e,
              Routes: (e.Routes ?? []).map((r, k) =>
                k === 0
                  ? {
                      ...r,
                      Destination: what === 'subset' ? { ServiceSubset: sub } : { Service: svc, ServiceSubset: sub },
                    }
                  : r,
              ),
            };
          else if (e.Kind === 'service-defaults' && what === 'protocol')
            entries[i] = { ...e, Protocol: sub === 'v1' ? 'tcp' : sub === 'v2' ? 'grpc' : 'http' };
          else if (e.Kind === 'service-resolver' && what === 'redirect')
            entries[i] = { Kind: e.Kind, Name: e.Name, Redirect: { Service: svc } };
          else if (e.Kind === 'service-resolver' && what === 'failover')
            entries[i] = { ...e, Failover: { '*': { Targets: [{ Service: svc }, { ServiceSubset: sub }] } } };
          else if (e.Kind === 'service-resolver' && what === 'subset') entries[i] = { ...e, DefaultSubset: sub };
        }
        const { shortcut, compiled } = replay(entries.filter((e): e is ConfigEntry => e !== undefined));
        expect(shortcut).toEqual(compiled);
        refusals += compiled.filter((m) => m.length > 0).length;
      }),
      { numRuns: 200, seed: 60 },
    );
    expect(refusals).toBeGreaterThan(50);
  });

  it('a peered failover target is not self-contained: its resolver is looked up in the default namespace', () => {
    // In ns1, the peered target `a` (subset v1) reads `a`'s resolver of the default namespace, which has no v1.
    const entries: ConfigEntry[] = [
      {
        Kind: 'service-resolver',
        Name: 'a',
        Namespace: 'ns1',
        Subsets: { v1: {} },
        DefaultSubset: 'v1',
        Failover: { '*': { Targets: [{ Peer: 'peer1' }] } },
      },
    ];
    const index = indexEntries(entries);
    const req = { serviceName: 'a', namespace: 'ns1', evaluateInDatacenter: 'dc1', trustDomain: TRUST_DOMAIN };
    expect(chainError({ ...req, entries: index }, new ChainMemo(TRUST_DOMAIN, true))).toBe(
      'service "a" does not have a subset named "v1"',
    );
    expect(selfContainedChainCompiles(index, 'a', 'ns1', 'default')).toBe(false);
  });

  it('namespace and partition defaults compare as the compiler fills them', () => {
    // The same self-contained chain spelled three ways: unset, empty and `default` parts.
    const entries: ConfigEntry[] = [
      { Kind: 'service-defaults', Name: 'a', Protocol: 'http' },
      { Kind: 'service-resolver', Name: 'a', Subsets: { v1: {} } },
      {
        Kind: 'service-splitter',
        Name: 'a',
        Splits: [
          { Weight: 50, ServiceSubset: 'v1', Namespace: 'default' },
          { Weight: 50, Service: 'a', Partition: '' },
        ],
      },
    ];
    const index = indexEntries(entries);
    expect(selfContainedChainCompiles(index, 'a', orDefault(undefined), orDefault(''))).toBe(true);
    expect(replay(entries).shortcut).toEqual([[], [], []]);
  });
  it('everyWriteAccepted: when it answers true, compiling every affected chain refuses no write', () => {
    let proven = 0;
    let unproven = 0;
    const count = (ok: boolean) => {
      if (ok) proven++;
      else unproven++;
    };
    fc.assert(
      fc.property(entrySet, (entries) => count(provenAgainstReference(entries))),
      { numRuns: 3000, seed: 20261207 },
    );
    // Self-contained sets only: every entry of the generator's homes, references to itself.
    const selfOnly = entrySet.map((entries) =>
      entries.filter((e) => e.Kind === 'proxy-defaults' || e.Kind === 'service-defaults' || e.Name === 'a'),
    );
    fc.assert(
      fc.property(selfOnly, (entries) => count(provenAgainstReference(entries))),
      { numRuns: 2000, seed: 1207 },
    );
    fc.assert(
      fc.property(caseArb, (c) => count(provenAgainstReference(c.entries))),
      { numRuns: 400, seed: 12061 },
    );
    // Neither side is vacuous.
    expect(proven).toBeGreaterThan(300);
    expect(unproven).toBeGreaterThan(300);
  });

  it('everyWriteAccepted on the generated meshes (proven) and their near misses (against the reference)', () => {
    for (const l7 of [true, false]) {
      const entries = generateMesh(60, 5, { l7 }).entries.map((d) => d.entry);
      expect(provenAgainstReference(entries)).toBe(true);
    }
    const base = generateMesh(60, 5, { l7: true }).entries.map((d) => d.entry);
    const routers = base.filter((e) => e.Kind === 'service-router');
    let unproven = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...routers.map((_, i) => i)),
        fc.constantFrom('v1', 'v2', 'v3', 'v9'),
        fc.constantFrom('tcp', 'http', 'grpc'),
        (i, subset, protocol) => {
          const r = routers[i]!;
          const entries = base.map((e): ConfigEntry => {
            if (e === r && r.Kind === 'service-router')
              return { ...r, Routes: (r.Routes ?? []).map((x) => ({ ...x, Destination: { ServiceSubset: subset } })) };
            if (e.Kind === 'service-defaults' && e.Name === r.Name) return { ...e, Protocol: protocol };
            return e;
          });
          if (!provenAgainstReference(entries)) unproven++;
        },
      ),
      { numRuns: 200, seed: 1208 },
    );
    expect(unproven).toBeGreaterThan(20);
  });

  it('everyWriteAccepted answers false for kinds out of apply order and for a kind written twice', () => {
    const sd: ConfigEntry = { Kind: 'service-defaults', Name: 'a', Protocol: 'http' };
    const resolver: ConfigEntry = { Kind: 'service-resolver', Name: 'a', Subsets: { v1: {} } };
    const splitter: ConfigEntry = {
      Kind: 'service-splitter',
      Name: 'a',
      Splits: [{ Weight: 100, ServiceSubset: 'v1' }],
    };
    expect(everyWriteAccepted([sd, resolver, splitter])).toBe(true);
    // The splitter first: Consul refuses it (no subset v1 yet); the proof does not look.
    expect(everyWriteAccepted([sd, splitter, resolver])).toBe(false);
    expect(everyWriteAccepted([sd, resolver, resolver, splitter])).toBe(false);
    expect(everyWriteAccepted([{ Kind: 'service-intentions', Name: 'a', Sources: [] } as ConfigEntry])).toBe(false);
    // The proof in declaration order: the order does not matter, a repeated kind does.
    expect(acceptedInOrder([splitter, resolver, sd])).toBe(true);
    expect(acceptedInOrder([splitter, resolver, sd, resolver])).toBe(false);
    expect(acceptedInOrder([sd, sd, resolver, splitter])).toBe(false);
    expect(acceptedInOrder([splitter, splitter, resolver])).toBe(false);
  });
});
