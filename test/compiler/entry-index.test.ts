import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildEntryIndex, indexEntries } from '../../src/compiler/entry-index.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { entry } from './model.ts';

describe('entry index', () => {
  it('looks entries up by kind and name, with namespace and partition defaulting to default', () => {
    const index = indexEntries([
      { Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'local' } },
      { Kind: 'service-defaults', Name: 'api', Protocol: 'http' },
      { Kind: 'service-resolver', Name: 'api', Namespace: 'default', ConnectTimeout: '2s' },
      { Kind: 'service-splitter', Name: 'api' },
    ]);
    expect(index.proxyDefaults()?.entry.MeshGateway?.Mode).toBe('local');
    expect(index.proxyDefaults('default')?.entry.Name).toBe('global');
    expect(index.serviceDefaults('api', '', 'default')?.entry.Protocol).toBe('http');
    expect(index.resolver('api')?.entry.ConnectTimeout).toBe('2s');
    expect(index.splitter('api')?.entry.Kind).toBe('service-splitter');
    expect(index.router('api')).toBeUndefined();
    expect(index.serviceDefaults('web')).toBeUndefined();
  });

  it('treats the same name in another kind as a different entry', () => {
    const r = buildEntryIndex([
      entry({ Kind: 'service-defaults', Name: 'api' }),
      entry({ Kind: 'service-resolver', Name: 'api' }),
    ]);
    expect(r.diagnostics).toEqual([]);
    expect(r.value.all).toHaveLength(2);
  });

  it('reports a second proxy-defaults as MC2001 even under another name', () => {
    const r = buildEntryIndex([
      entry({ Kind: 'proxy-defaults', Name: 'global' }),
      entry({ Kind: 'proxy-defaults', Name: 'global' }, 'file'),
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MC2001']);
    expect(r.diagnostics[0]?.message).toMatch(
      /environments\/test\/mesh\.ts:\d+ and environments\/test\/entries\/global\.hcl:\d+/,
    );
  });

  it('reports MC2004 for a resolver timeout that is not a Go duration, at the field when its location is known', () => {
    const d = entry({ Kind: 'service-resolver', Name: 'api', ConnectTimeout: '5 seconds' }, 'file');
    const span = { file: 'environments/test/entries/api.hcl', line: 3, column: 1 };
    const r = buildEntryIndex([{ ...d, fieldSpans: { '/ConnectTimeout': span } }]);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        code: 'MC2004',
        severity: 'error',
        span,
        message:
          "service-resolver 'api' has ConnectTimeout '5 seconds', which is not a Go duration such as '5s' or '1m30s'",
      }),
    ]);
  });
});

describe('duplicate entries with a slash in a name', () => {
  // The index compares entries by Consul's identity (`kind/partition/namespace/name`); with a `/` inside a part,
  // two different entries can share one, and are reported as duplicates as before.
  it('compares them by identity string', () => {
    const r = buildEntryIndex(
      [
        { Kind: 'service-defaults', Name: 'x/y', Namespace: 'default' },
        { Kind: 'service-defaults', Name: 'y', Namespace: 'default/x' },
        { Kind: 'service-defaults', Name: 'y', Namespace: 'default/z' },
        { Kind: 'service-defaults', Name: 'x' },
      ].map((entry, i) => ({ path: `entries[${i}]`, entry: entry as ConfigEntry, origin: 'file' as const })),
    );
    expect(r.diagnostics.map((d) => [d.code, d.path])).toEqual([['MC2001', 'entries[1]']]);
    expect(r.value.all.map((d) => d.path)).toEqual(['entries[0]', 'entries[2]', 'entries[3]']);
    expect(r.value.serviceDefaults('x/y')?.decl.path).toBe('entries[0]');
    expect(r.value.serviceDefaults('y', 'default/z')?.decl.path).toBe('entries[2]');
  });
  it("gives a service's four chain kinds in one lookup, as the lookups by kind give them (duplicates, slashes, defaults)", () => {
    const part = fc.constantFrom(undefined, '', 'default', 'ns1', 'a/b');
    const kind = fc.constantFrom(
      'service-defaults',
      'service-resolver',
      'service-splitter',
      'service-router',
      'proxy-defaults',
    );
    const anEntry = fc
      .record({ Kind: kind, Name: fc.constantFrom('api', 'web', 'a/b', 'x'), Namespace: part, Partition: part })
      .map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as unknown as ConfigEntry);
    fc.assert(
      fc.property(fc.array(anEntry, { maxLength: 30 }), (entries) => {
        const index = indexEntries(entries);
        for (const name of ['api', 'web', 'a/b', 'x', 'none'])
          for (const ns of [undefined, 'default', 'ns1', 'a/b'])
            for (const ap of [undefined, '', 'ns1', 'a/b']) {
              const kinds = index.chainEntries(name, ns, ap);
              expect(kinds?.serviceDefaults).toBe(index.serviceDefaults(name, ns, ap));
              expect(kinds?.resolver).toBe(index.resolver(name, ns, ap));
              expect(kinds?.splitter).toBe(index.splitter(name, ns, ap));
              expect(kinds?.router).toBe(index.router(name, ns, ap));
            }
      }),
      { numRuns: 300 },
    );
  });
});
