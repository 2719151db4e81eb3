import fc from 'fast-check';
import hcl from 'hcl2-json-parser';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { Compilation } from '../../src/compiler/types.ts';
import { artifactTexts } from '../../src/emit/artifact.ts';
import { emitApiJson } from '../../src/emit/consul-entries/api-json.ts';
import { emitCrds, entryToCrd } from '../../src/emit/consul-entries/crd.ts';
import { emitHcl, entryToHcl } from '../../src/emit/consul-entries/hcl.ts';
import { byNameDot, byNameSuffix, fileSafeName, inFileOrder, SAFE } from '../../src/emit/consul-entries/paths.ts';
import { emitConsulEntries } from '../../src/emit/index.ts';
import { decodeConfigEntry } from '../../src/input/entries/decode-config-entry.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { formatGoDuration } from '../../src/model/go-duration.ts';
import { FIXTURE_ENTRIES } from './fixtures.ts';

/** Parses emitted HCL back through the input path (HCL 2 parser, then Consul's decoding rules). */
async function readBack(text: string): Promise<{ entry: ConfigEntry | undefined; messages: string[] }> {
  const raw = JSON.parse(await hcl.parseToString(text));
  const r = decodeConfigEntry(raw, { file: 'roundtrip.hcl', text });
  return { entry: r.value, messages: r.diagnostics.map((d) => d.message) };
}

describe('config-entry emitters', () => {
  it('writes one API JSON file per entry, matching the reviewed golden files', async () => {
    const artifacts = emitApiJson(FIXTURE_ENTRIES);
    expect(artifacts.map((a) => a.path)).toEqual([
      'consul/api/proxy-defaults/global.json',
      'consul/api/service-defaults/web.json',
      'consul/api/service-intentions/_wildcard.json',
      'consul/api/service-intentions/payments.json',
      'consul/api/service-resolver/currency.json',
      'consul/api/service-resolver/legacy.json',
    ]);
    for (const a of artifacts) await expect(a.content).toMatchFileSnapshot(`../golden/entries/${a.path}`);
  });

  it('writes HCL for consul config write, matching the reviewed golden files', async () => {
    const artifacts = emitHcl(FIXTURE_ENTRIES);
    for (const a of artifacts) await expect(a.content).toMatchFileSnapshot(`../golden/entries/${a.path}`);
    expect(artifacts[0]?.content.startsWith('Kind = "proxy-defaults"\nName = "global"\n')).toBe(true);
  });

  it('writes consul-k8s custom resources, matching the reviewed golden files', async () => {
    const artifacts = emitCrds(FIXTURE_ENTRIES);
    for (const a of artifacts) await expect(a.content).toMatchFileSnapshot(`../golden/entries/${a.path}`);
  });

  it('uses the consul-k8s spec field names for resolvers, proxy-defaults and intentions', () => {
    const [proxy, , resolver, , intentions, wildcard] = FIXTURE_ENTRIES.map(entryToCrd);
    expect(resolver).toMatchObject({
      apiVersion: 'consul.hashicorp.com/v1alpha1',
      kind: 'ServiceResolver',
      metadata: { name: 'currency', labels: { 'app.kubernetes.io/managed-by': 'meshcc' } },
      spec: { connectTimeout: '3s', failover: { '*': { datacenters: ['dc2', 'dc3'] } }, defaultSubset: 'v1' },
    });
    expect(proxy).toMatchObject({
      kind: 'ProxyDefaults',
      spec: { meshGateway: { mode: 'local' }, config: { envoy_prometheus_bind_addr: '0.0.0.0:9102' } },
      metadata: { labels: { 'meshcc.io/environment': 'multi-dc' } },
    });
    expect(intentions).toMatchObject({
      kind: 'ServiceIntentions',
      spec: {
        destination: { name: 'payments' },
        sources: [
          { name: 'web', action: 'allow' },
          { name: 'admin', permissions: [{ action: 'allow', http: { pathPrefix: '/admin' } }] },
          { name: '*', action: 'deny' },
        ],
      },
    });
    expect(wildcard).toMatchObject({ metadata: { name: 'wildcard' }, spec: { destination: { name: '*' } } });
  });

  it('emits the same bytes whatever the order of the input entries', () => {
    const reversed = [...FIXTURE_ENTRIES].reverse();
    expect(artifactTexts(emitHcl(reversed))).toEqual(artifactTexts(emitHcl(FIXTURE_ENTRIES)));
    expect(artifactTexts(emitCrds(reversed))).toEqual(artifactTexts(emitCrds(FIXTURE_ENTRIES)));
    expect(artifactTexts(emitApiJson(reversed))).toEqual(artifactTexts(emitApiJson(FIXTURE_ENTRIES)));
  });

  it('makes file names safe by their characters as the pattern says', () => {
    const reference = (name: string): string => {
      if (name === '*') return '_wildcard';
      const safe = SAFE.test(name) ? name : name.replace(/[^A-Za-z0-9._-]/g, '_');
      return safe === '' || safe === '.' || safe === '..' ? `_${safe}` : safe;
    };
    const unit = fc.constantFrom(...'azAZ09._-*/ :@`[{~é\u0000\n'.split(''));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 6 }), (name) => {
        expect(fileSafeName(name)).toBe(reference(name));
      }),
      { numRuns: 3000 },
    );
    expect(fileSafeName('svc-00018')).toBe('svc-00018');
    expect(fileSafeName('a/b')).toBe('a_b');
  });

  it('compares file names as `<name>.` compares, without building it', () => {
    const unit = fc.constantFrom('a', 'b', '.', '-', '_', '0', 'Z', '~', '/', 'é');
    const name = fc.array(unit, { maxLength: 6 }).map((cs) => cs.join(''));
    const sign = (x: number) => Math.sign(x);
    fc.assert(
      fc.property(name, name, (a, b) => {
        const dotted = `${a}.` < `${b}.` ? -1 : `${a}.` > `${b}.` ? 1 : 0;
        return sign(byNameDot(a, b)) === dotted;
      }),
      { numRuns: 5000 },
    );
  });

  it('compares file names with an extension as the file names compare, without building them', () => {
    const unit = fc.constantFrom('a', 'b', '.', '-', '_', '0', 'Z', '~', '/', 'é', 'h', 'j');
    const name = fc.array(unit, { maxLength: 6 }).map((cs) => cs.join(''));
    const suffix = fc.constantFrom('.json', '.hcl', '.yaml', '.', '');
    fc.assert(
      fc.property(name, name, suffix, (a, b, ext) => {
        const x = a + ext;
        const y = b + ext;
        return Math.sign(byNameSuffix(a, b, ext)) === (x < y ? -1 : x > y ? 1 : 0);
      }),
      { numRuns: 5000 },
    );
  });

  it('puts entries in file order by a stable counting sort per kind, sorting a run only where it is out of order', () => {
    const kind = fc.constantFrom('service-defaults', 'service-router', 'mesh', 'service-defaults-x', 'a');
    const unit = fc.constantFrom('a', 'b', '.', '-', '*', '0');
    const entry = fc.record({ Kind: kind, Name: fc.array(unit, { maxLength: 4 }).map((cs) => cs.join('')) });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), (list) => {
        const entries = list as unknown as ConfigEntry[];
        const files = inFileOrder(entries);
        // The reference: a stable sort of the entries by `<kind>/<file name>.` (the names as `fileSafeName` makes them).
        const key = (e: ConfigEntry, name: string) => `${e.Kind}/${name}.`;
        const safe = new Map(files.entries.map((e, i) => [e, files.names[i]!]));
        const expected = entries
          .map((e, i) => ({ e, i, k: key(e, safe.get(e)!) }))
          .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
          .map((x) => x.e);
        // The same objects in the same order (stable: equal keys keep their input order).
        expect(files.entries.length).toBe(expected.length);
        expect(files.entries.every((e, i) => e === expected[i])).toBe(true);
        let start = 0;
        for (const { kind: k, end } of files.kinds) {
          expect(files.entries.slice(start, end).every((e) => e.Kind === k)).toBe(true);
          start = end;
        }
        expect(start).toBe(entries.length);
        // `dotted`: some name in a run followed by one that starts with it and `.`.
        let dotted = false;
        start = 0;
        for (const { end } of files.kinds) {
          for (let i = start + 1; i < end; i++) {
            if (files.names[i]!.startsWith(`${files.names[i - 1]!}.`)) dotted = true;
          }
          start = end;
        }
        expect(files.dotted).toBe(dotted);
      }),
      { numRuns: 2000 },
    );
  });

  it('orders random names by path in each flavour', () => {
    const unit = fc.constantFrom('a', 'b', 'i', 'j', 'h', 'y', '.', '-', '*');
    const name = fc.array(unit, { minLength: 1, maxLength: 4 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 12 }), (names) => {
        const list = names.map((Name) => ({ Kind: 'service-defaults', Name, Protocol: 'http' }) as ConfigEntry);
        for (const files of [emitApiJson(list), emitHcl(list), emitCrds(list)]) {
          const paths = files.map((f) => f.path);
          expect(paths).toEqual([...paths].sort());
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('orders files by path in each flavour, also where the order depends on the extension', () => {
    // `a.i.json` < `a.json` but `a.hcl` < `a.i.hcl`; names that need escaping and a wildcard sort among them.
    const names = ['a', 'a.i', 'a.z', 'a-b', 'a b', '*', 'web', 'a.h', 'a.k', 'a.x.y', 'w'];
    const entries: ConfigEntry[] = [...FIXTURE_ENTRIES];
    for (const Name of names) {
      entries.push({ Kind: 'service-defaults', Name, Protocol: 'http' } as ConfigEntry);
      entries.push({ Kind: 'service-router', Name, Routes: [] } as unknown as ConfigEntry);
    }
    const byPath = (xs: { path: string }[]): string[] => xs.map((x) => x.path);
    const sorted = (xs: string[]): string[] => [...xs].sort();
    for (const list of [entries, [...entries].reverse()]) {
      const json = emitApiJson(list);
      const hclFiles = emitHcl(list);
      const crds = emitCrds(list);
      expect(byPath(json)).toEqual(sorted(byPath(json)));
      expect(byPath(hclFiles)).toEqual(sorted(byPath(hclFiles)));
      expect(byPath(crds)).toEqual(sorted(byPath(crds)));
      expect(byPath(hclFiles)).not.toEqual(
        byPath(json).map((p) => p.replace('/api/', '/hcl/').replace(/json$/, 'hcl')),
      );
      expect(artifactTexts(emitConsulEntries({ entries: list } as unknown as Compilation))).toEqual(
        artifactTexts([...json, ...hclFiles, ...crds]),
      );
    }
  });

  it('emits CRD YAML that parses back to the resource', () => {
    for (const e of FIXTURE_ENTRIES) {
      const [a] = emitCrds([e]);
      expect(yaml.load(a?.content ?? '')).toEqual(JSON.parse(JSON.stringify(entryToCrd(e))));
    }
  });

  it.each(FIXTURE_ENTRIES.map((e) => [`${e.Kind}/${e.Name}`, e] as const))(
    'reads the emitted HCL of %s back to the same entry',
    async (_n, e) => {
      const back = await readBack(entryToHcl(e));
      expect(back.messages).toEqual([]);
      expect(back.entry).toEqual(e);
    },
  );

  it('round-trips generated entries through HCL and the input path', async () => {
    await fc.assert(
      fc.asyncProperty(arbEntry, async (e) => {
        const back = await readBack(entryToHcl(e));
        expect(back.messages).toEqual([]);
        expect(back.entry).toEqual(e);
      }),
      { numRuns: 150 },
    );
  });
});

// ---- generators: entries in the normalised form the decoder produces ----

const text = fc.string({
  unit: fc.constantFrom(...'abcXYZ09 -_./:"\\\'é\n\t*='.split('')),
  minLength: 1,
  maxLength: 12,
});
const ident = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const mode = fc.constantFrom('none' as const, 'local' as const, 'remote' as const);
const meta = fc.dictionary(text, text, { maxKeys: 3 });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const duration = fc.bigInt({ min: 1n, max: 3_600_000_000_000n }).map(formatGoDuration);

function clean<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0 && k !== 'Redirect')
      continue;
    out[k] = v;
  }
  return out as T;
}

const gateway = opt(mode.map((Mode) => ({ Mode })));
const jsonLeaf = fc.oneof(text, fc.integer({ min: -1000, max: 100000 }), fc.boolean());
const configValue = fc.oneof(
  jsonLeaf,
  fc.array(jsonLeaf, { minLength: 2, maxLength: 3 }),
  fc.dictionary(ident, jsonLeaf, { maxKeys: 2 }),
);

const proxyDefaults = fc
  .record({
    Config: opt(fc.dictionary(ident, configValue, { minKeys: 1, maxKeys: 3 })),
    MeshGateway: gateway,
    Meta: opt(meta),
  })
  .map((r) => clean({ Kind: 'proxy-defaults' as const, Name: 'global', ...r }));

const upstreamFields = {
  ConnectTimeoutMs: opt(fc.integer({ min: 1, max: 60000 })),
  Protocol: opt(fc.constantFrom('tcp', 'http', 'grpc')),
  MeshGateway: gateway,
};
const serviceDefaults = fc
  .record({
    Name: ident,
    Protocol: opt(fc.constantFrom('tcp', 'http', 'http2', 'grpc')),
    MeshGateway: gateway,
    ExternalSNI: opt(text),
    UpstreamConfig: opt(
      fc
        .record({
          Overrides: opt(
            fc.array(fc.record({ Name: ident, Peer: opt(ident), ...upstreamFields }).map(clean), {
              minLength: 1,
              maxLength: 3,
            }),
          ),
          Defaults: opt(fc.record(upstreamFields).map(clean)),
        })
        .map(clean),
    ),
    Meta: opt(meta),
  })
  .map((r) => clean({ Kind: 'service-defaults' as const, ...r }));

const target = fc
  .record({ Service: opt(ident), ServiceSubset: opt(ident), Datacenter: ident, Peer: opt(ident) })
  .map(clean);
const failover = fc.oneof(
  fc.record({ Datacenters: fc.array(ident, { minLength: 1, maxLength: 3 }) }),
  fc.record({ Targets: fc.array(target, { minLength: 1, maxLength: 3 }) }),
  fc.record({ Service: ident, ServiceSubset: opt(ident) }).map(clean),
);
const serviceResolver = fc
  .record({
    Name: ident,
    DefaultSubset: opt(ident),
    Subsets: opt(
      fc.dictionary(ident, fc.record({ Filter: opt(text), OnlyPassing: opt(fc.constant(true)) }).map(clean), {
        minKeys: 1,
        maxKeys: 3,
      }),
    ),
    Redirect: opt(fc.record({ Service: opt(ident), Datacenter: opt(ident), Peer: opt(ident) }).map(clean)),
    Failover: opt(fc.dictionary(fc.oneof(fc.constant('*'), ident), failover, { minKeys: 1, maxKeys: 3 })),
    ConnectTimeout: opt(duration),
    RequestTimeout: opt(duration),
    Meta: opt(meta),
  })
  .map((r) => clean({ Kind: 'service-resolver' as const, ...r }));

const source = fc
  .record({
    Name: fc.oneof(ident, fc.constant('*')),
    Peer: opt(ident),
    Action: fc.constantFrom('allow' as const, 'deny' as const),
    Description: opt(text),
  })
  .map((s) => clean({ ...s, Type: 'consul' as const }));
const serviceIntentions = fc
  .record({
    Name: fc.oneof(ident, fc.constant('*')),
    Sources: fc.array(source, { minLength: 1, maxLength: 3 }),
    Meta: opt(meta),
  })
  .map((r) => clean({ Kind: 'service-intentions' as const, ...r }));

const arbEntry: fc.Arbitrary<ConfigEntry> = fc.oneof(
  proxyDefaults,
  serviceDefaults,
  serviceResolver,
  serviceIntentions,
);
