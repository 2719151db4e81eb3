/**
 * Text kept per frozen object (`FrozenText`): every writer prints a shared frozen `Meta` exactly as it prints an
 * unfrozen copy, at every depth and in every entry, and never keeps the text of an object that could change (not
 * frozen, an accessor property, an object value).
 */
import { describe, expect, it } from 'vitest';
import { sortKeys, stableJson } from '../../src/emit/artifact.ts';
import { crdYaml, entryToCrd } from '../../src/emit/consul-entries/crd.ts';
import { entryCrdText } from '../../src/emit/consul-entries/crd-yaml.ts';
import { entryToHcl } from '../../src/emit/consul-entries/hcl.ts';
import { FrozenText } from '../../src/emit/frozen-text.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';

const reference = (v: unknown): string => `${JSON.stringify(sortKeys(v), null, 2)}\n`;

describe('FrozenText', () => {
  it('keeps only frozen objects of data properties without object values', () => {
    const kept = new FrozenText();
    const meta = Object.freeze({ b: '2', a: '1' });
    expect(kept.keep(meta, 1, 'text')).toBe('text');
    expect(kept.get(meta, 1)).toBe('text');
    expect(kept.get(meta, 2)).toBeUndefined();
    expect(kept.get({ b: '2', a: '1' }, 1)).toBeUndefined();
    for (const o of [
      { a: '1' },
      Object.freeze({ a: { b: 1 } }),
      Object.freeze(Object.defineProperty({}, 'a', { get: () => '1', enumerable: true })),
    ]) {
      const other = new FrozenText();
      other.keep(o, 0, 'text');
      expect(other.get(o, 0)).toBeUndefined();
    }
  });

  it('prints a shared frozen Meta as an unfrozen copy prints, at every depth, in JSON, HCL and CRD YAML', () => {
    const meta = Object.freeze({ 'managed-by': 'meshcc', 'meshcc-environment': 'bench', team: 'a b' });
    const nested = { a: meta, b: [meta, { c: meta }], d: meta };
    expect(stableJson(nested)).toBe(reference(nested));
    expect(stableJson(nested)).toBe(reference(JSON.parse(JSON.stringify(nested))));
    for (const name of ['one', 'two']) {
      const shared = { Kind: 'service-defaults', Name: name, Protocol: 'http', Meta: meta } as unknown as ConfigEntry;
      const copy = { ...shared, Meta: { ...meta } } as ConfigEntry;
      expect(stableJson(shared)).toBe(stableJson(copy));
      expect(entryToHcl(shared)).toBe(entryToHcl(copy));
      expect(entryCrdText(shared)).toBe(crdYaml(entryToCrd(copy)));
    }
  });

  it('reads a frozen object with a getter anew each time', () => {
    let n = 0;
    const changing = Object.freeze(Object.defineProperty({}, 'n', { get: () => ++n, enumerable: true }));
    expect(stableJson({ x: changing })).toBe('{\n  "x": {\n    "n": 1\n  }\n}\n');
    expect(stableJson({ x: changing })).toBe('{\n  "x": {\n    "n": 2\n  }\n}\n');
  });
});
