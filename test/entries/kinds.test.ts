/**
 * Every kind and field Consul CE accepts, without a Consul: the valid entries of test/entries/kind-cases.ts decode
 * without an error and keep every field; the invalid ones get Consul's message (proven against the real Consul in
 * test/consul/entries-conformance.test.ts); the analyzed-field table names only fields Consul's api structs have.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keptFields } from '../../src/input/entries/kept-fields.ts';
import { loadEntriesText } from '../../src/input/entries/load-entries-dir.ts';
import { CONSUL_API_VERSION } from '../../src/input/entries/schema.generated.ts';
import {
  ANALYZED,
  type AnalyzedTree,
  CE_KINDS,
  ENTRY_SCHEMAS,
  type FieldType,
} from '../../src/input/entries/schema.ts';
import { normalizeEntry } from '../../src/reconcile/normalize.ts';
import { meshccCheck } from './differential.ts';
import { ALL_INVALID_CASES, VALID_ENTRIES } from './kind-cases.ts';

describe('kinds and fields meshcc keeps', () => {
  it.each(VALID_ENTRIES.map((raw, i) => ({ raw, label: `${i} ${raw.Kind}` })))(
    'keeps every field of a valid $label',
    async ({ raw }) => {
      const m = await meshccCheck(raw);
      expect(m.messages).toEqual([]);
      const { Kind, Name, ...rest } = m.entry as unknown as Record<string, unknown>;
      expect(Kind).toBe(raw.Kind);
      expect(Name).toBe(raw.Name ?? 'mesh');
      const { Name: _n, ...want } = raw;
      // Equal up to Consul's normalization (durations as Go prints them, `5m0s`; the default source type).
      expect(normalizeEntry({ Kind, ...rest })).toEqual(normalizeEntry(want));
    },
  );

  it.each(ALL_INVALID_CASES)('rejects with Consul’s message: $rule', async (c) => {
    const m = await meshccCheck(c.entry);
    expect(m.ok).toBe(false);
    expect(m.messages).toContain(c.message);
  });

  it('says once, as info, which kinds and fields it keeps without analyzing', async () => {
    const text = VALID_ENTRIES.filter((r) => r.Kind === 'ingress-gateway' || r.Kind === 'service-defaults')
      .map((r) => JSON.stringify(r))
      .join('\n');
    const r = await loadEntriesText('e.json', `[${text.split('\n').join(',')}]`);
    const infos = r.diagnostics.filter((d) => d.code === 'MC1130');
    expect(infos).toHaveLength(1);
    expect(infos[0]?.severity).toBe('info');
    expect(infos[0]?.message).toContain('ingress-gateway, ');
    expect(infos[0]?.message).toContain('service-defaults.MutualTLSMode');
    expect(infos[0]?.message).toContain('service-defaults.UpstreamConfig.Defaults.Limits');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('reports nothing kept for an entry of analyzed fields only', () => {
    expect(keptFields({ Kind: 'service-defaults', Name: 'a', Protocol: 'http' } as never)).toEqual([]);
    expect(keptFields({ Kind: 'mesh', Name: 'mesh' } as never)).toEqual(['*']);
  });

  it('reads the schema from the api module the Consul build uses', () => {
    const setup = readFileSync(join(import.meta.dirname, '../../scripts/setup-consul.sh'), 'utf8');
    const gen = readFileSync(join(import.meta.dirname, '../../scripts/gen-entry-schemas.sh'), 'utf8');
    const apiOf = (text: string) => /API_V="\$\{MESHCC_CONSUL_API_VERSION:-(v[0-9.]+)\}"/.exec(text)?.[1];
    expect(apiOf(setup)).toBe(CONSUL_API_VERSION);
    expect(apiOf(gen)).toBe(CONSUL_API_VERSION);
  });

  it('analyzes only fields that Consul’s api structs have (the generated schema), for kinds Consul CE accepts', () => {
    const missing: string[] = [];
    const walk = (t: FieldType | undefined, tree: AnalyzedTree, path: string): void => {
      if (tree === true || t === undefined) return;
      if (t.k === 'list' || t.k === 'map') {
        walk(t.k === 'list' ? t.item : t.value, tree, path);
        return;
      }
      if (t.k !== 'struct') {
        missing.push(`${path} is not a struct`);
        return;
      }
      for (const [f, sub] of Object.entries(tree)) {
        const spec = t.fields[f];
        if (spec === undefined && !(f === 'Kind' || f === 'Name')) missing.push(`${path}.${f}`);
        else walk(spec?.type, sub, `${path}.${f}`);
      }
    };
    for (const [kind, tree] of Object.entries(ANALYZED)) {
      expect(CE_KINDS).toContain(kind);
      walk(ENTRY_SCHEMAS[kind], tree, kind);
    }
    expect(missing).toEqual([]);
  });
});
