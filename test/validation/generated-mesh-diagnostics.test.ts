/**
 * The validation side of `compile()` (check-platform and every validation pass) on the benchmark's generated meshes
 * (`bench/generate-mesh.ts`, small sizes, plain and L7) and on mutations of them that produce findings of every kind:
 * the diagnostics (codes, severities, messages, paths, spans, related locations, hints, order) and the reachability
 * report must equal the recorded fixture, which was generated from main before the validation passes were optimised
 * (docs/performance.md, "Validation passes"). A change that alters any diagnostic fails here.
 *
 * Re-record only for a deliberate change of the diagnostics: `MESHCC_RECORD_DIAGNOSTICS=1 npx vitest run <this file>`,
 * then review the fixture's diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateMesh } from '../../bench/generate-mesh.ts';
import { compile } from '../../src/compiler/compile.ts';
import { reachReport, renderReach } from '../../src/compiler/reach.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import type {
  EntryDecl,
  MeshGatewayDecl,
  MeshModel,
  ServiceInstanceDecl,
  SourceSpan,
  UpstreamDecl,
} from '../../src/model/types.ts';

const fixtureFile = join(import.meta.dirname, 'fixtures', 'generated-mesh-diagnostics.json');
const record = process.env.MESHCC_RECORD_DIAGNOSTICS === '1';

/** A deterministic PRNG (mulberry32), so the random mutations are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const span = (line: number, column = 1): SourceSpan => ({ file: 'gen/mesh.ts', line, column });
const svc = (i: number) => `svc-${String(i).padStart(5, '0')}`;

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

/** A deep copy of the model with mutable arrays, for the mutations. */
function copy(m: MeshModel): Mutable<MeshModel> {
  return JSON.parse(JSON.stringify(m)) as Mutable<MeshModel>;
}

function entry(path: string, e: ConfigEntry, extra: Partial<EntryDecl> = {}): EntryDecl {
  return { path, origin: 'file', entry: e, ...extra };
}

/** Named mutations, each producing findings of some passes. */
const mutations: Record<string, (m: Mutable<MeshModel>) => void> = {
  // Reachability: no gateway in dc2 (remote gateway missing, failover to dc2 unreachable, mode needs a gateway).
  'no-gateway-dc2': (m) => {
    m.gateways = m.gateways.filter((g) => g.datacenter !== 'dc2');
  },
  // A gateway without a WAN address in dc3.
  'no-wan-dc3': (m) => {
    m.gateways = m.gateways.map((g) => (g.datacenter === 'dc3' ? ({ ...g, wan: undefined } as MeshGatewayDecl) : g));
  },
  // No gateway in dc1: local mode has no source gateway.
  'no-gateway-dc1': (m) => {
    m.gateways = m.gateways.filter((g) => g.datacenter !== 'dc1');
  },
  // Mode none everywhere across networks.
  'mode-none': (m) => {
    const pd = m.entries.find((d) => d.entry.Kind === 'proxy-defaults')!;
    (pd.entry as { MeshGateway?: unknown }).MeshGateway = { Mode: 'none' };
    m.entries = m.entries.map((d) =>
      d.entry.Kind === 'service-defaults' ? { ...d, entry: { ...d.entry, MeshGateway: { Mode: 'none' } } } : d,
    ) as EntryDecl[];
  },
  // Services not deployed (destination and failover target), canary groups gone (subset empty).
  undeployed: (m) => {
    m.instances = m.instances.filter((i, n) => !(i.service === svc(3) || i.service === svc(10) || (i.group && n % 3)));
  },
  // Failover to the datacenter the chain resolves in (never triggers) and to an undeclared datacenter.
  'failover-self-and-undeclared': (m) => {
    m.entries.push(
      entry(
        'gen/svc-00001/resolver',
        {
          Kind: 'service-resolver',
          Name: svc(1),
          Failover: { '*': { Datacenters: ['dc2', 'dc9', 'dc3'] } },
        } as ConfigEntry,
        {
          span: span(40),
          fieldSpans: { '/Failover/*/Datacenters/0': span(41, 5), '/Failover/*/Datacenters': span(41, 3) },
        },
      ),
      entry(
        'gen/svc-00007/resolver',
        {
          Kind: 'service-resolver',
          Name: svc(7),
          Failover: { '*': { Targets: [{ Datacenter: 'dc2' }, { Datacenter: 'dc1' }, { Service: svc(5) }] } },
        } as ConfigEntry,
        { span: span(50) },
      ),
    );
  },
  // Entry writes Consul refuses: router on a tcp service, unknown subset, circular splits, a redirect loop.
  'write-refused': (m) => {
    m.entries = m.entries.map((d) =>
      d.entry.Kind === 'service-defaults' && d.entry.Name === svc(2)
        ? { ...d, entry: { ...d.entry, Protocol: 'tcp' }, span: span(60) }
        : d,
    ) as EntryDecl[];
    m.entries.push(
      entry('gen/svc-00011/defaults', { Kind: 'service-defaults', Name: svc(11), Protocol: 'http' } as ConfigEntry),
      entry('gen/svc-00013/defaults', { Kind: 'service-defaults', Name: svc(13), Protocol: 'http' } as ConfigEntry),
      entry(
        'gen/svc-00011/splitter',
        {
          Kind: 'service-splitter',
          Name: svc(11),
          Splits: [
            { Weight: 50, Service: svc(13) },
            { Weight: 50, ServiceSubset: 'nope' },
          ],
        } as ConfigEntry,
        { span: span(70) },
      ),
      entry(
        'gen/svc-00013/splitter',
        { Kind: 'service-splitter', Name: svc(13), Splits: [{ Weight: 100, Service: svc(11) }] } as ConfigEntry,
        { span: span(75) },
      ),
      entry('gen/svc-00015/resolver', {
        Kind: 'service-resolver',
        Name: svc(15),
        Redirect: { Service: svc(17) },
      } as ConfigEntry),
      entry('gen/svc-00017/resolver', {
        Kind: 'service-resolver',
        Name: svc(17),
        Redirect: { Service: svc(15) },
      } as ConfigEntry),
      entry('gen/svc-00019/resolver', {
        Kind: 'service-resolver',
        Name: svc(19),
        Redirect: { Datacenter: 'dc7' },
      } as ConfigEntry),
    );
  },
  // Intentions: some missing, one deny, one naming nobody, a route to another service nobody allows.
  intentions: (m) => {
    m.entries = m.entries.filter((d) => !(d.entry.Kind === 'service-intentions' && /[05]$/.test(d.entry.Name)));
    // The first caller of the first intentions entry left is denied there.
    const first = m.entries.find((d) => d.entry.Kind === 'service-intentions')! as { entry: ConfigEntry };
    const e = first.entry as unknown as { Sources: { Name: string; Action?: string }[] };
    first.entry = {
      ...first.entry,
      Sources: [{ ...e.Sources[0]!, Action: 'deny' }, ...e.Sources.slice(1)],
    } as ConfigEntry;
    (first as { fieldSpans?: unknown }).fieldSpans = { '/Sources/0/Action': span(90, 9) };
    m.entries.push(
      entry(
        'gen/deny',
        {
          Kind: 'service-intentions',
          Name: svc(4),
          Sources: [
            { Name: svc(1), Action: 'deny' },
            { Name: 'ghost', Action: 'allow' },
          ],
        } as ConfigEntry,
        { span: span(80), fieldSpans: { '/Sources/0/Action': span(81, 7) } },
      ),
      entry('gen/ghost', {
        Kind: 'service-intentions',
        Name: 'nobody',
        Sources: [{ Name: '*', Action: 'allow' }],
      } as ConfigEntry),
      entry('gen/svc-00006/router2', {
        Kind: 'service-router',
        Name: svc(6),
        Routes: [{ Match: { HTTP: { PathPrefix: '/other' } }, Destination: { Service: svc(8) } }],
      } as ConfigEntry),
    );
  },
  // Platform: VM instances sharing an address (port clashes), modes Kubernetes cannot express, a NodePort gateway.
  platform: (m) => {
    m.instances = m.instances.map((i, n) =>
      i.datacenter === 'dc2' && n % 2 === 0
        ? { ...i, address: '10.9.0.1', span: span(100 + n) }
        : i.datacenter === 'dc1' && n % 5 === 0
          ? { ...i, meshGateway: 'remote' as const }
          : i,
    ) as ServiceInstanceDecl[];
    m.gateways.push({
      path: 'gen/dc1/gw2',
      name: 'gw2',
      datacenter: 'dc1',
      lan: { address: '10.0.0.11', port: 8443 },
      wan: { address: '192.0.2.50', port: 9000 },
      instances: 1,
      implementation: 'meshcc',
      serviceType: 'NodePort',
      nodePort: 8000,
    });
    m.gateways.push({
      path: 'gen/dc2/gw-vm',
      name: 'gw-vm',
      datacenter: 'dc2',
      lan: { address: '10.9.0.1', port: 8080 },
      wan: { address: 'gw.example.com', port: 8080 },
      instances: 1,
      implementation: 'meshcc',
      adminPort: 8080,
    });
  },
  // Instances out of `instancesIn`'s order (reversed), some setting modes Kubernetes cannot express, and two VM
  // instances sharing an address without clashing.
  shuffled: (m) => {
    m.instances = m.instances
      .map((i, n) =>
        i.datacenter === 'dc1' && n % 3 === 0
          ? { ...i, meshGateway: 'local' as const }
          : i.datacenter === 'dc3' && n < 12
            ? { ...i, address: '10.3.3.3', port: 9000 + n }
            : i,
      )
      .reverse() as ServiceInstanceDecl[];
  },
  // Upstream lists: duplicates, port collisions, upstreams to self and to undeclared datacenters, protocol mismatch.
  upstreams: (m) => {
    m.instances = m.instances.map((i, n) => {
      if (n % 4 !== 1 || i.upstreams.length === 0) return i;
      const first = i.upstreams[0]!;
      const extra: UpstreamDecl[] = [
        { ...first, path: `${first.path}/dup`, span: span(200 + n) },
        { ...first, path: `${i.path}/self`, destinationName: i.service, localBindPort: 29000 + n },
        { ...first, path: `${i.path}/far`, datacenter: 'dc8', localBindPort: 29500 + n },
        { ...first, path: `${i.path}/proto`, localBindPort: 28000 + n, config: { protocol: 'grpc' } },
      ];
      return { ...i, upstreams: [...i.upstreams, ...extra] };
    }) as ServiceInstanceDecl[];
  },
};

/** Random mutations: each seed drops or changes a few gateways, instances, upstreams and entries. */
function randomMutation(m: Mutable<MeshModel>, seed: number): void {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(r() * xs.length)];
  for (let k = 0; k < 6; k++) {
    const op = Math.floor(r() * 8);
    if (op === 0 && m.gateways.length > 0) {
      const g = pick(m.gateways)!;
      m.gateways = m.gateways.filter((x) => x !== g);
    } else if (op === 1) {
      const i = pick(m.instances);
      if (i) m.instances = m.instances.filter((x) => x.service !== i.service || x.datacenter !== i.datacenter);
    } else if (op === 2) {
      m.instances = m.instances.map((i) =>
        r() < 0.2
          ? {
              ...i,
              upstreams: i.upstreams.map((u) => ({ ...u, meshGateway: pick(['none', 'local', 'remote'] as const) })),
            }
          : i,
      ) as ServiceInstanceDecl[];
    } else if (op === 3) {
      const d = pick(m.datacenters)!;
      m.datacenters = m.datacenters.map((x) => (x === d ? { ...x, network: 'shared' } : x));
    } else if (op === 4) {
      m.entries = m.entries.filter((d) => !(d.entry.Kind === 'service-intentions' && r() < 0.3));
    } else if (op === 5) {
      const target = svc(Math.floor(r() * 20));
      m.entries.push(
        entry(`gen/rand-${seed}-${k}`, {
          Kind: 'service-resolver',
          Name: target,
          Failover: { '*': { Datacenters: [pick(['dc1', 'dc2', 'dc3', 'dcx'])!] } },
        } as ConfigEntry),
      );
    } else if (op === 6) {
      m.entries = m.entries.filter((d) => !(d.entry.Kind === 'service-defaults' && r() < 0.2));
    } else {
      m.instances = m.instances.map((i) =>
        r() < 0.1 ? { ...i, meshGateway: pick(['local', 'remote'] as const) } : i,
      ) as ServiceInstanceDecl[];
    }
  }
}

interface Case {
  readonly name: string;
  readonly model: MeshModel;
  /** Also record the reachability report (text). */
  readonly reach?: boolean;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const l7 of [false, true]) {
    const kind = l7 ? 'l7' : 'plain';
    const base = generateMesh(24, 5, { l7 });
    out.push({ name: `${kind}`, model: base, reach: l7 });
    for (const [name, mutate] of Object.entries(mutations)) {
      const m = copy(base);
      mutate(m);
      out.push({ name: `${kind}/${name}`, model: m, reach: name === (l7 ? 'undeployed' : 'no-gateway-dc2') });
    }
    for (let seed = 1; seed <= 8; seed++) {
      const m = copy(base);
      randomMutation(m, seed * 7919 + (l7 ? 1 : 0));
      out.push({ name: `${kind}/random-${seed}`, model: m });
    }
  }
  return out;
}

interface Recorded {
  readonly diagnostics: readonly Record<string, unknown>[];
  readonly reach?: string;
}

function run(c: Case): Recorded {
  const compilation = compile(c.model);
  return {
    diagnostics: JSON.parse(JSON.stringify(compilation.diagnostics)),
    ...(c.reach ? { reach: renderReach(reachReport(c.model, compilation.upstreams)) } : {}),
  };
}

/**
 * The fixture file: hints (long, and the same for every diagnostic of a code) are stored once in a table and each
 * diagnostic, one per line, names its hint by index.
 */
interface FixtureFile {
  readonly hints: string[];
  readonly cases: Record<string, { diagnostics: Record<string, unknown>[]; reach?: string }>;
}

function write(results: Record<string, Recorded>): void {
  const hints: string[] = [];
  const lines: string[] = [];
  for (const [name, r] of Object.entries(results)) {
    const ds = r.diagnostics.map((d) => {
      if (typeof d.hint !== 'string') return JSON.stringify(d);
      let i = hints.indexOf(d.hint);
      if (i < 0) i = hints.push(d.hint) - 1;
      return JSON.stringify({ ...d, hint: i });
    });
    lines.push(
      `${JSON.stringify(name)}: {"diagnostics": [\n${ds.join(',\n')}\n]${r.reach !== undefined ? `, "reach": ${JSON.stringify(r.reach)}` : ''}}`,
    );
  }
  writeFileSync(
    fixtureFile,
    `{"hints": [\n${hints.map((h) => JSON.stringify(h)).join(',\n')}\n],\n"cases": {\n${lines.join(',\n')}\n}}\n`,
  );
}

function read(): Record<string, Recorded> {
  if (!existsSync(fixtureFile)) return {};
  const f = JSON.parse(readFileSync(fixtureFile, 'utf8')) as FixtureFile;
  const out: Record<string, Recorded> = {};
  for (const [name, r] of Object.entries(f.cases)) {
    out[name] = {
      diagnostics: r.diagnostics.map((d) => (typeof d.hint === 'number' ? { ...d, hint: f.hints[d.hint] } : d)),
      ...(r.reach !== undefined ? { reach: r.reach } : {}),
    };
  }
  return out;
}

describe('validation diagnostics of generated meshes (recorded before the validation passes were optimised)', () => {
  const all = cases();
  const results = Object.fromEntries(all.map((c) => [c.name, run(c)]));
  if (record) write(results);
  const fixture = read();

  it('covers every case and finds something in the mutated ones', () => {
    expect(Object.keys(fixture).sort()).toEqual(all.map((c) => c.name).sort());
    // Every mutation produces findings beyond the unmutated mesh's (else it tests nothing).
    for (const c of all) {
      if (c.name === 'plain' || c.name === 'l7') continue;
      const base = fixture[c.name.split('/')[0]!]?.diagnostics.length;
      expect(fixture[c.name]?.diagnostics.length, c.name).not.toBe(base);
    }
  });

  for (const c of all) {
    it(c.name, () => {
      // Key order too: the JSON text of each diagnostic is compared, not only its fields.
      expect(results[c.name]?.diagnostics.map((d) => JSON.stringify(d))).toEqual(
        fixture[c.name]?.diagnostics.map((d) => JSON.stringify(d)),
      );
      expect(results[c.name]?.reach).toEqual(fixture[c.name]?.reach);
    });
  }
});
