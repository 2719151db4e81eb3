import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MeshccInputError } from '../../src/diagnostics/diagnostic.ts';
import { decodeConfigEntry } from '../../src/input/entries/decode-config-entry.ts';
import { loadEntriesDir, loadEntriesText } from '../../src/input/entries/load-entries-dir.ts';

const here = new URL('.', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'meshcc-entries-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function load(file: string, text: string) {
  return loadEntriesText(file, text);
}

async function loadError(file: string, text: string): Promise<MeshccInputError> {
  try {
    await loadEntriesText(file, text);
  } catch (e) {
    if (e instanceof MeshccInputError) return e;
    throw e;
  }
  throw new Error('expected a MeshccInputError');
}

describe('reading config-entry files the way `consul config write` decodes them', () => {
  it('rejects the guide proxy-defaults that writes MeshGateway as a string, with Consul message, file and line', async () => {
    const text = '{\n  "Kind": "proxy-defaults",\n  "Name":  "global",\n  "MeshGateway": "local"\n}\n';
    const r = await load('proxy-defaults.json', text);
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0];
    expect(d?.code).toBe('MC1104');
    expect(d?.message).toBe(
      `proxy-defaults.json:4: proxy-defaults/global: 'MeshGateway' expected a map or struct, got "string"`,
    );
    expect(d?.span).toEqual({ file: 'proxy-defaults.json', line: 4, column: 1 });
    expect(d?.hint).toContain('Mode');
  });

  it('accepts snake_case keys, single-element blocks and numeric durations like Consul', async () => {
    const text = [
      'kind = "service-resolver"',
      'name = "currency"',
      'connect_timeout = 3000000000',
      'request_timeout = "1m30s"',
      'redirect {',
      '  service = "other"',
      '}',
      '',
    ].join('\n');
    const r = await load('r.hcl', text);
    expect(r.diagnostics).toEqual([]);
    expect(r.value[0]?.entry).toEqual({
      Kind: 'service-resolver',
      Name: 'currency',
      ConnectTimeout: '3s',
      RequestTimeout: '1m30s',
      Redirect: { Service: 'other' },
    });
  });

  it('reads the example environment resolver as Consul stores it', async () => {
    const r = await loadEntriesDir(join(here, '../../environments/multi-dc/entries'));
    expect(r.diagnostics).toEqual([]);
    expect(r.value.map((d) => [d.path, d.origin, d.entry])).toEqual([
      [
        'entries/currency-resolver.hcl#service-resolver/currency',
        'file',
        {
          Kind: 'service-resolver',
          Name: 'currency',
          ConnectTimeout: '3s',
          Failover: { '*': { Datacenters: ['dc2'] } },
        },
      ],
    ]);
    expect(r.value[0]?.fieldSpans?.['/Failover/*/Datacenters']?.line).toBe(6);
  });

  it('loads HCL, JSON and multi-document YAML in name order and ignores other files', async () => {
    const r = await loadEntriesDir(join(here, 'fixtures/mixed'));
    expect(r.diagnostics).toEqual([]);
    expect(r.value.map((d) => d.path)).toEqual([
      'entries/currency-resolver.hcl#service-resolver/currency',
      'entries/proxy-defaults.json#proxy-defaults/global',
      'entries/web.yaml#service-defaults/web',
      'entries/web.yaml#service-intentions/payments',
    ]);
    const resolver = r.value[0];
    expect(resolver?.entry).toEqual({
      Kind: 'service-resolver',
      Name: 'currency',
      ConnectTimeout: '3s',
      DefaultSubset: 'v1',
      Subsets: { v1: { Filter: 'Service.Meta.version == v1', OnlyPassing: true } },
      Failover: { '*': { Datacenters: ['dc2', 'dc3'] } },
    });
    expect(resolver?.span?.line).toBe(2);
    expect(resolver?.fieldSpans?.['/Subsets/v1/OnlyPassing']?.line).toBe(10);
    const web = r.value[2];
    expect(web?.entry).toEqual({
      Kind: 'service-defaults',
      Name: 'web',
      Protocol: 'http',
      MeshGateway: { Mode: 'remote' },
      UpstreamConfig: { Overrides: [{ Name: 'payments', ConnectTimeoutMs: 2500, MeshGateway: { Mode: 'local' } }] },
    });
    const intentions = r.value[3];
    expect(intentions?.span?.line).toBe(13);
    expect(intentions?.fieldSpans?.['/Sources/1/Name']?.line).toBe(18);
    expect(intentions?.entry).toEqual({
      Kind: 'service-intentions',
      Name: 'payments',
      Sources: [
        { Name: 'web', Action: 'allow', Type: 'consul' },
        { Name: '*', Action: 'deny', Type: 'consul' },
      ],
    });
  });

  it('returns an empty list for a directory that does not exist', async () => {
    expect(await loadEntriesDir(join(tmp, 'no-such-dir'))).toEqual({ value: [], diagnostics: [] });
  });

  it('names the path inside the entry and the line of an unknown field', async () => {
    const text =
      'Kind = "service-resolver"\nName = "a"\nFailover "*" {\n  Datacenters = ["dc2"]\n  Datacenter = "dc3"\n}\n';
    const r = await load('a.hcl', text);
    expect(r.diagnostics.map((d) => [d.code, d.message, d.path])).toEqual([
      [
        'MC1103',
        'a.hcl:5: service-resolver/a: invalid config key "Failover[*].Datacenter"',
        'entries/a.hcl#service-resolver/a',
      ],
    ]);
    expect(r.diagnostics[0]?.hint).toContain('Datacenters');
  });

  it('reports a namespace key the way Consul CE does', async () => {
    const r = await load('a.json', '{"Kind": "service-defaults", "Name": "a", "UpstreamNamespace": "x"}');
    expect(r.diagnostics[0]?.message).toContain(
      'invalid config key "UpstreamNamespace", namespaces are a consul enterprise feature',
    );
  });

  it('reports a wrong type with mapstructure message and the expected Go type', async () => {
    const r = await load(
      'a.yaml',
      'Kind: service-resolver\nName: a\nSubsets:\n  v1:\n    OnlyPassing: maybe\nMeta: nope\n',
    );
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "a.yaml:5: service-resolver/a: 'Subsets[v1].OnlyPassing' cannot parse value as 'bool': strconv.ParseBool: invalid syntax",
      "a.yaml:6: service-resolver/a: 'Meta' expected type 'map[string]string', got unconvertible type 'string'",
    ]);
  });

  it('converts weakly typed scalars the way WeaklyTypedInput does', () => {
    const r = decodeConfigEntry(
      {
        Kind: 'service-resolver',
        Name: 'a',
        Subsets: { v1: { OnlyPassing: 'true' } },
        DefaultSubset: 'v1',
        Failover: { '*': { Datacenters: 'dc2' } },
        ConnectTimeout: 1500000000,
      },
      { file: 'x.json' },
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toEqual({
      Kind: 'service-resolver',
      Name: 'a',
      Subsets: { v1: { OnlyPassing: true } },
      DefaultSubset: 'v1',
      Failover: { '*': { Datacenters: ['dc2'] } },
      ConnectTimeout: '1.5s',
    });
  });

  it('reports an unparseable duration with the message Consul prints', async () => {
    const r = await load('c.hcl', 'Kind = "service-resolver"\nName = "a3"\nConnectTimeout = "90x"\n');
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "c.hcl:3: service-resolver/a3: 'ConnectTimeout' time: unknown unit",
    ]);
  });

  it('rejects an unknown mesh-gateway mode that Consul would store silently', async () => {
    const r = await load('d.hcl', 'Kind = "service-defaults"\nName = "w"\nMeshGateway {\n  Mode = "bogus"\n}\n');
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['MC1106', 'd.hcl:4: service-defaults/w: Invalid Mesh Gateway Mode: "bogus"'],
    ]);
  });

  it('keeps fields Consul knows but meshcc does not analyze, and says so once, as info', async () => {
    const r = await load(
      'e.hcl',
      'Kind = "service-resolver"\nName = "a"\nLoadBalancer {\n  Policy = "maglev"\n  HashPolicies = [{ SourceIP = true }]\n}\n',
    );
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([
      [
        'MC1130',
        'info',
        '1 config entry carries what meshcc keeps and emits unchanged but does not analyze: service-resolver.LoadBalancer',
      ],
    ]);
    expect(r.value[0]?.entry).toMatchObject({ LoadBalancer: { Policy: 'maglev', HashPolicies: [{ SourceIP: true }] } });
  });

  it('reports a missing or unknown kind with Consul wording and suggests the right spelling', async () => {
    const missing = await load('k.json', '{"Name": "a"}');
    expect(missing.diagnostics[0]?.message).toBe('k.json:1: Payload does not contain a kind/Kind key at the top level');
    const camel = await load('k.hcl', 'Kind = "ServiceResolver"\nName = "a"\n');
    expect(camel.value).toEqual([]);
    expect(camel.diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([
      ['MC1102', 'k.hcl:1: invalid config entry kind: ServiceResolver', 'set Kind to "service-resolver"'],
    ]);
  });

  it('reports Consul validation failures at the line of the field', async () => {
    const text =
      'Kind = "service-resolver"\nName = "x"\nFailover "*" {\n  Datacenters = ["a"]\n  Targets = [{Datacenter = "b"}]\n}\n';
    const r = await load('v.hcl', text);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['MC1107', 'v.hcl:5: service-resolver/x: Bad Failover["*"]: Targets cannot be set with Datacenters'],
    ]);
  });

  it('reports an entry declared in two files', async () => {
    const dir = join(tmp, 'dup');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.json'), '{"Kind": "service-defaults", "Name": "web"}\n');
    writeFileSync(join(dir, 'b.hcl'), 'Kind = "service-defaults"\nName = "web"\n');
    const r = await loadEntriesDir(dir);
    expect(r.value).toHaveLength(1);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['MC1108', 'service-defaults/web is declared more than once (first in a.json:1)'],
    ]);
  });

  it.each([
    ['bad.hcl', 'Kind = "x"\nA = 3s\n', 'bad.hcl:2: not valid HCL: column 6: Missing newline after argument'],
    ['bad.json', '{\n  "Kind": "x",\n}\n', 'bad.json:3: not valid JSON: '],
    ['bad.yaml', 'Kind: a\n  Name: b\n', 'bad.yaml:2: not valid YAML: '],
  ])('throws MeshccInputError naming file and line for an unparseable %s', async (file, text, prefix) => {
    const e = await loadError(file, text);
    expect(e.diagnostics).toHaveLength(1);
    expect(e.diagnostics[0]?.code).toBe('MC1101');
    expect(e.diagnostics[0]?.message.startsWith(prefix)).toBe(true);
  });

  it('makes loadEntriesDir throw for an unparseable file in the folder', async () => {
    const dir = join(tmp, 'broken');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x.hcl'), 'Kind = \n');
    await expect(loadEntriesDir(dir)).rejects.toBeInstanceOf(MeshccInputError);
  });
});
