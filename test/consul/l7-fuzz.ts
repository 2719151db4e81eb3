/**
 * The L7 discovery-chain differential fuzz, shared by the CI test (`l7-chain-fuzz.test.ts`) and the on-demand script
 * (`npm run fuzz:chains -- --runs N`).
 *
 * A case is a random entry set over four services (proxy-defaults, service-defaults with protocols, resolvers with
 * subsets/redirects/failover, splitters, routers with every match and destination field), plus optional chain
 * overrides. It is written to a live Consul in apply order, one entry at a time: each answer (accepted, or refused
 * with a message) must be one meshcc's `WriteSimulator` gives for the same write. Then every service's chain, compiled
 * in dc1 and dc2, is fetched from Consul and compared (deep equality of key-sorted JSON, virtual IPs dropped) with
 * `compileChain` over the accepted entries; a chain Consul fails must fail in meshcc with the same message. Finally
 * the case's entries are deleted (routers first; retried in rounds, as a delete is graph-checked too).
 *
 * Header modifiers are generated with both `Add` and `Set` (or neither): Consul v1.22 crashes when flattening nested
 * splits whose header blocks differ in which of those maps they have (meshcc refuses that chain instead).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { indexEntries } from '../../src/compiler/entry-index.ts';
import { compileChain } from '../../src/compiler/passes/compile-chains.ts';
import type { ChainOverrides } from '../../src/compiler/types.ts';
import { everyWriteAccepted, WriteSimulator } from '../../src/compiler/write-check.ts';
import { sortKeys } from '../../src/emit/artifact.ts';
import type { ConfigEntry, HTTPHeaderModifiers } from '../../src/model/entries.ts';
import type { GatewayMode } from '../../src/model/types.ts';
import { validateEntry } from '../../src/model/validate-entry.ts';

export const PREFIX = 'l7f';
export const SERVICES = ['a', 'b', 'c', 'd'].map((s) => `${PREFIX}-${s}`);
export const DCS = ['dc1', 'dc2'] as const;
const FAILOVER_DCS = ['dc1', 'dc2', 'dc3'];
const SUBSETS = ['v1', 'v2'];
const KIND_ORDER = ['proxy-defaults', 'service-defaults', 'service-resolver', 'service-splitter', 'service-router'];

/** `a` with probability `percent` (default one half), else undefined. */
const opt = <T>(a: fc.Arbitrary<T>, percent = 50): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 100 - percent }, { arbitrary: a, weight: percent });
const svc = fc.constantFrom(...SERVICES);
const subset = fc.constantFrom('v1', 'v2', 'v1', 'v3');
const mode = opt(fc.constantFrom<GatewayMode>('local', 'remote', 'none'), 40);
/** Drops undefined fields (what JSON would carry). */
const clean = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

const headers: fc.Arbitrary<HTTPHeaderModifiers | undefined> = opt(
  fc.record({
    Add: fc.dictionary(fc.constantFrom('x-a', 'x-b'), fc.constantFrom('1', '2'), { minKeys: 1, maxKeys: 2 }),
    Set: fc.dictionary(fc.constantFrom('x-b', 'x-c'), fc.constantFrom('3', '4'), { minKeys: 1, maxKeys: 2 }),
    Remove: opt(fc.uniqueArray(fc.constantFrom('x-d', 'x-e'), { minLength: 1 })),
  }),
  25,
);

const WEIGHTS: readonly (readonly number[])[] = [
  [100],
  [50, 50],
  [90, 10],
  [33.33, 66.67],
  [25.5, 74.5],
  [0.01, 99.99],
  [33.333, 66.667],
  [33.33, 33.33, 33.34],
  [10, 20, 70],
  [12.34, 56.78, 30.88],
  [50, 40],
];

const split = (w: number) =>
  fc
    .record({
      Service: opt(svc, 70),
      ServiceSubset: opt(subset, 40),
      RequestHeaders: headers,
      ResponseHeaders: headers,
    })
    .map((s) => clean({ Weight: w, ...s }));

const splitter = (name: string) =>
  fc
    .constantFrom(...WEIGHTS)
    .chain((ws) => fc.tuple(...ws.map(split)))
    .map((Splits): ConfigEntry => ({ Kind: 'service-splitter', Name: name, Splits }));

const headerMatch = fc
  .tuple(
    fc.constantFrom('x-h', 'x-i', 'x-h', 'x-i', 'x-h', 'x-i', 'x-h', 'x-i', ''),
    fc.oneof(
      {
        weight: 12,
        arbitrary: fc.constantFrom<Record<string, unknown>>(
          { Present: true },
          { Exact: 'v' },
          { Prefix: 'p' },
          { Suffix: 's' },
          { Regex: 'r.*' },
        ),
      },
      { weight: 1, arbitrary: fc.constantFrom<Record<string, unknown>>({}, { Exact: 'v', Prefix: 'p' }) },
    ),
    fc.boolean(),
  )
  .map(([Name, m, Invert]) => clean({ Name, ...m, ...(Invert ? { Invert } : {}) }));

const queryMatch = fc
  .tuple(
    fc.constantFrom('q', 'r', 'q', 'r', 'q', 'r', ''),
    fc.constantFrom<Record<string, unknown>>(
      { Present: true },
      { Exact: 'v' },
      { Regex: 'r.*' },
      { Present: true },
      { Exact: 'v' },
      { Regex: 'r.*' },
      {},
    ),
  )
  .map(([Name, m]) => clean({ Name, ...m }));

const httpMatch = fc
  .record({
    path: fc.constantFrom<Record<string, string>>(
      {},
      { PathExact: '/e' },
      { PathPrefix: '/p' },
      { PathPrefix: '/' },
      { PathRegex: '/r[0-9]+' },
      { PathExact: '/e' },
      { PathPrefix: '/p' },
      { PathRegex: '/r[0-9]+' },
      { PathExact: 'e' },
      { PathExact: '/e', PathPrefix: '/p' },
    ),
    Header: opt(fc.array(headerMatch, { minLength: 1, maxLength: 2 }), 35),
    QueryParam: opt(fc.array(queryMatch, { minLength: 1, maxLength: 1 }), 30),
    CaseInsensitive: opt(fc.constant(true), 15),
    Methods: opt(
      fc.oneof(
        { weight: 9, arbitrary: fc.subarray(['GET', 'post', 'PUT', 'DELETE']) },
        { weight: 1, arbitrary: fc.constant(['FETCH']) },
      ),
      30,
    ),
  })
  .map(({ path, ...rest }) => clean({ ...path, ...rest }));

const destination = fc
  .record({
    Service: opt(svc, 70),
    ServiceSubset: opt(subset, 30),
    PrefixRewrite: opt(fc.constantFrom('/x', '/'), 15),
    RequestTimeout: opt(fc.constantFrom('90s', '1.5s', '250ms'), 30),
    IdleTimeout: opt(fc.constantFrom('1m', '10s'), 20),
    NumRetries: opt(fc.constantFrom(1, 3), 25),
    RetryOnConnectFailure: opt(fc.constant(true), 20),
    RetryOn: opt(
      fc.constantFrom(['5xx'], ['gateway-error', 'reset'], ['5xx'], ['gateway-error', 'reset'], ['bogus']),
      20,
    ),
    RetryOnStatusCodes: opt(fc.constantFrom([503], [502, 504]), 20),
    RequestHeaders: headers,
    ResponseHeaders: headers,
  })
  .map(clean);

const router = (name: string) =>
  fc
    .array(
      fc.record({ Match: opt(fc.record({ HTTP: httpMatch }), 80), Destination: opt(destination, 80) }).map(clean),
      { maxLength: 3 },
    )
    .map((Routes): ConfigEntry => ({ Kind: 'service-router', Name: name, Routes }));

const resolver = (name: string) =>
  fc
    .record({
      subsets: fc.subarray(SUBSETS),
      defaultSubset: opt(fc.constantFrom(...SUBSETS), 25),
      connect: opt(fc.constantFrom('1s', '250ms', '1m30s'), 30),
      request: opt(fc.constantFrom('10s', '2.5s'), 20),
      redirect: opt(
        fc.record({
          Service: opt(svc),
          ServiceSubset: opt(fc.constantFrom(...SUBSETS), 30),
          Datacenter: opt(fc.constantFrom(...DCS), 40),
        }),
        20,
      ),
      failover: opt(
        fc.dictionary(
          fc.constantFrom('*', ...SUBSETS),
          fc.oneof(
            fc.record({ Datacenters: fc.uniqueArray(fc.constantFrom(...FAILOVER_DCS), { minLength: 1 }) }),
            fc.record({
              Targets: fc.array(
                fc.record({
                  Service: opt(svc),
                  ServiceSubset: opt(fc.constantFrom(...SUBSETS)),
                  Datacenter: opt(fc.constantFrom(...FAILOVER_DCS)),
                }),
                { minLength: 1, maxLength: 2 },
              ),
            }),
            fc.record({ Service: svc, ServiceSubset: opt(fc.constantFrom(...SUBSETS)) }),
          ),
          { maxKeys: 2 },
        ),
        40,
      ),
    })
    .map(
      (r): ConfigEntry =>
        clean({
          Kind: 'service-resolver',
          Name: name,
          ...(r.subsets.length > 0
            ? { Subsets: Object.fromEntries(r.subsets.map((s) => [s, { Filter: `Service.Meta.version == "${s}"` }])) }
            : {}),
          DefaultSubset: r.defaultSubset,
          ConnectTimeout: r.connect,
          RequestTimeout: r.request,
          ...(r.redirect ? { Redirect: r.redirect } : { Failover: r.failover }),
        }) as ConfigEntry,
    );

const protocol = fc.constantFrom('http', 'http', 'http', 'grpc', 'http2', 'tcp', undefined);

export interface Case {
  readonly entries: readonly ConfigEntry[];
  readonly overrides: ChainOverrides;
}

export const caseArb: fc.Arbitrary<Case> = fc
  .record({
    proxyDefaults: opt(
      fc.record({ p: fc.constantFrom('http', 'tcp', undefined), m: mode }).map(
        ({ p, m }): ConfigEntry =>
          clean({
            Kind: 'proxy-defaults',
            Name: 'global',
            ...(p ? { Config: { protocol: p } } : {}),
            ...(m ? { MeshGateway: { Mode: m } } : {}),
          }) as ConfigEntry,
      ),
      40,
    ),
    serviceDefaults: fc.tuple(
      ...SERVICES.map((s) =>
        opt(
          fc
            .record({ p: protocol, m: mode })
            .map(
              ({ p, m }): ConfigEntry =>
                clean({ Kind: 'service-defaults', Name: s, Protocol: p, ...(m ? { MeshGateway: { Mode: m } } : {}) }),
            ),
          75,
        ),
      ),
    ),
    resolvers: fc.tuple(...SERVICES.map((s) => opt(resolver(s), 50))),
    splitters: fc.tuple(...SERVICES.map((s) => opt(splitter(s), 45))),
    routers: fc.tuple(...SERVICES.map((s) => opt(router(s), 40))),
    overrides: opt(
      fc.record({
        protocol: opt(fc.constantFrom('tcp', 'http', 'grpc')),
        meshGateway: mode,
        connectTimeout: opt(fc.constantFrom('2s', '5s')),
      }),
      30,
    ),
  })
  .map((r) => ({
    entries: [r.proxyDefaults, ...r.serviceDefaults, ...r.resolvers, ...r.splitters, ...r.routers].filter(
      (e): e is ConfigEntry => e !== undefined,
    ),
    overrides: clean(r.overrides ?? {}) as ChainOverrides,
  }));

/** What Consul answered for one case: each write, then each chain (or its error). */
export interface CaseRecord {
  readonly entries: readonly ConfigEntry[];
  readonly overrides: ChainOverrides;
  readonly trustDomain: string;
  /** Per entry: `true` (accepted) or Consul's refusal message. */
  readonly writes: readonly (true | string)[];
  readonly chains: readonly { service: string; dc: string; chain?: unknown; error?: string }[];
}

export interface CaseResult {
  readonly record: CaseRecord;
  readonly mismatches: readonly string[];
  readonly compared: number;
  readonly refused: number;
}

function overrideBody(o: ChainOverrides): Record<string, unknown> {
  return {
    ...(o.meshGateway ? { OverrideMeshGateway: { Mode: o.meshGateway } } : {}),
    ...(o.protocol ? { OverrideProtocol: o.protocol } : {}),
    ...(o.connectTimeout ? { OverrideConnectTimeout: o.connectTimeout } : {}),
  };
}

/** Key-sorted JSON of a chain without the catalog's virtual IPs. */
export function normalizeChain(chain: unknown): string {
  const c = { ...(chain as Record<string, unknown>) };
  delete c.AutoVirtualIPs;
  delete c.ManualVirtualIPs;
  return JSON.stringify(sortKeys(c));
}

/**
 * Checks a recorded (or live) case against meshcc: each write answer against the `WriteSimulator` (Consul's message
 * must be one meshcc gives; following Consul's answer so the stores stay equal), each chain against `compileChain`.
 */
export function compareCase(r: CaseRecord): { mismatches: string[]; compared: number; refused: number } {
  const mismatches: string[] = [];
  const sim = new WriteSimulator();
  const accepted: ConfigEntry[] = [];
  let refused = 0;
  r.entries.forEach((e, i) => {
    const consul = r.writes[i];
    const mine = sim.check(e);
    if (consul === true) {
      if (mine.length > 0) mismatches.push(`write ${e.Kind}/${e.Name}: Consul accepts, meshcc refuses: ${mine[0]}`);
      sim.force(e);
      accepted.push(e);
    } else {
      refused++;
      if (!mine.includes(String(consul))) {
        mismatches.push(
          `write ${e.Kind}/${e.Name}: Consul refuses with ${JSON.stringify(consul)}, meshcc ${mine.length ? `with ${JSON.stringify(mine)}` : 'accepts'}`,
        );
      }
    }
  });
  // The entry write check's proof that no write is refused (`everyWriteAccepted`), against Consul's answers: when it
  // holds for the entries that pass `Validate()`, in the order written, Consul accepted each of them.
  const valid = r.entries.filter((e) => validateEntry(e).length === 0);
  if (everyWriteAccepted(valid)) {
    r.entries.forEach((e, i) => {
      if (r.writes[i] !== true && validateEntry(e).length === 0)
        mismatches.push(`write ${e.Kind}/${e.Name}: proven accepted (everyWriteAccepted), Consul refuses`);
    });
  }
  const index = indexEntries(accepted);
  for (const c of r.chains) {
    const mine = compileChain({
      serviceName: c.service,
      evaluateInDatacenter: c.dc,
      trustDomain: r.trustDomain,
      entries: index,
      overrides: r.overrides,
    });
    if (c.error !== undefined) {
      if (!('error' in mine) || !c.error.includes(mine.error.message)) {
        mismatches.push(
          `chain ${c.service}@${c.dc}: Consul fails with ${JSON.stringify(c.error)}, meshcc ${'error' in mine ? JSON.stringify(mine.error.message) : 'compiles it'}`,
        );
      }
    } else {
      const a = normalizeChain(c.chain);
      const b = 'chain' in mine ? normalizeChain(mine.chain) : `error: ${mine.error.message}`;
      if (a !== b) mismatches.push(`chain ${c.service}@${c.dc}:\n consul ${a}\n meshcc ${b}`);
    }
  }
  return { mismatches, compared: r.chains.length, refused };
}

async function text(res: Response): Promise<string> {
  return (await res.text()).trim();
}

/** Deletes the case's entries (routers first), in rounds: a delete Consul refuses now may succeed after others. */
export async function deleteEntries(base: string, entries: readonly ConfigEntry[]): Promise<void> {
  let left = [...entries].sort((a, b) => KIND_ORDER.indexOf(b.Kind) - KIND_ORDER.indexOf(a.Kind));
  for (let round = 0; left.length > 0 && round < 8; round++) {
    const results = await Promise.all(
      left.map(async (e) => {
        const res = await fetch(`${base}/v1/config/${e.Kind}/${encodeURIComponent(e.Name)}`, { method: 'DELETE' });
        return res.status === 200;
      }),
    );
    left = left.filter((_, i) => !results[i]);
  }
  if (left.length > 0) throw new Error(`could not delete ${left.map((e) => `${e.Kind}/${e.Name}`).join(', ')}`);
}

/** Writes one case to Consul at `base`, records every answer, cleans up, and compares with meshcc. */
export async function runCase(base: string, trustDomain: string, c: Case): Promise<CaseResult> {
  const writes: (true | string)[] = [];
  const written: ConfigEntry[] = [];
  try {
    for (const e of c.entries) {
      const answer = await text(await fetch(`${base}/v1/config`, { method: 'PUT', body: JSON.stringify(e) }));
      writes.push(answer === 'true' ? true : answer);
      if (answer === 'true') written.push(e);
    }
    const body = JSON.stringify(overrideBody(c.overrides));
    const chains = await Promise.all(
      SERVICES.flatMap((service) =>
        DCS.map(async (dc) => {
          const res = await fetch(`${base}/v1/discovery-chain/${service}?compile-dc=${dc}`, { method: 'POST', body });
          const t = await text(res);
          if (res.status !== 200) return { service, dc, error: t };
          return { service, dc, chain: (JSON.parse(t) as { Chain: unknown }).Chain };
        }),
      ),
    );
    const record: CaseRecord = { entries: c.entries, overrides: c.overrides, trustDomain, writes, chains };
    return { record, ...compareCase(record) };
  } finally {
    await deleteEntries(base, written);
  }
}

/** The trust domain of the Consul at `base`. */
export async function trustDomainOf(base: string): Promise<string> {
  const roots = (await (await fetch(`${base}/v1/connect/ca/roots`)).json()) as { TrustDomain: string };
  return `${roots.TrustDomain}`;
}

export const FIXTURE_DIR = join(import.meta.dirname, '..', 'compiler', 'fixtures', 'l7-chains');

/** Keeps a case as a fixture (`found-*.json` for a mismatch, replayed by `l7-chain-fixtures.test.ts`). */
export function saveFixture(name: string, records: readonly CaseRecord[]): string {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const file = join(FIXTURE_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ consul: 'v1.22.7', cases: records }, null, 2)}\n`);
  return file;
}
