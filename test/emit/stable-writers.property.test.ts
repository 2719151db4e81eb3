/**
 * The direct writers print exactly what the generic paths they replace print: `stableJson` is
 * `JSON.stringify(sortKeys(v), null, 2)`, and `blockYaml` (when it accepts a value) is the CRD emitter's js-yaml dump.
 */
import fc from 'fast-check';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { sortKeys, stableJson } from '../../src/emit/artifact.ts';
import { blockYaml, isPlainName, scalar } from '../../src/emit/block-yaml.ts';
import { jsonString } from '../../src/emit/json-text.ts';

const tricky = fc.constantFrom(
  '',
  '*',
  'true',
  'yes',
  'No',
  '~',
  'null',
  '12',
  '1.5',
  '0x1f',
  '2001-12-14',
  '1:20',
  '<<',
  '.inf',
  'a: b',
  'a:b',
  'a #b',
  'a#b',
  '#a',
  '-a',
  'a-',
  'a:',
  ' a',
  'a ',
  'a\\b',
  'a"b',
  "a'b",
  'a\nb',
  'é',
  '3s',
  '-1',
  '1e3',
  'y',
  'svc-00001',
  'consul.hashicorp.com/v1alpha1',
  'a,b',
  '[a]',
  '{a}',
  'a b',
  '%a',
  '@a',
  '__proto__',
  '1',
  '10',
  '9',
);
const str = fc.oneof(fc.string(), fc.string({ unit: 'grapheme-ascii' }), tricky);
const leaf = fc.oneof(str, fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.double());
const tree = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(str, tie('value'), { maxKeys: 5 }),
})).value;

function jsYaml(v: unknown): string | undefined {
  try {
    return yaml.dump(sortKeys(v), { sortKeys: true, noRefs: true, lineWidth: -1, quotingType: '"' });
  } catch {
    return undefined;
  }
}

describe('direct writers', () => {
  it('stableJson prints JSON.stringify of the sorted copy', () => {
    fc.assert(
      fc.property(tree, (v) => {
        expect(stableJson(v)).toBe(`${JSON.stringify(sortKeys(v), null, 2)}\n`);
      }),
      { numRuns: 3000 },
    );
  });

  it('stableJson drops functions and __proto__ keys, calls no toJSON, and prints class instances by their own keys', () => {
    const nullProto = Object.create(null) as Record<string, unknown>;
    nullProto.b = 1;
    nullProto.a = { y: 2, x: 1 };
    const listWithToJson = Object.assign([1, 2], { toJSON: () => 'called' });
    expect(stableJson({ b: 1, a: () => 1, c: { toJSON: () => 'called', z: 1 } })).toBe(
      '{\n  "b": 1,\n  "c": {\n    "z": 1\n  }\n}\n',
    );
    expect(stableJson({ d: new Date(0), a: [new Date(0)] })).toBe('{\n  "a": [\n    {}\n  ],\n  "d": {}\n}\n');
    expect(stableJson(nullProto)).toBe('{\n  "a": {\n    "x": 1,\n    "y": 2\n  },\n  "b": 1\n}\n');
    expect(stableJson(JSON.parse('{"a":1,"__proto__":{"x":1},"b":{"d":1,"c":2}}'))).toBe(
      '{\n  "a": 1,\n  "b": {\n    "c": 2,\n    "d": 1\n  }\n}\n',
    );
    expect(stableJson({ k: listWithToJson })).toBe('{\n  "k": [\n    1,\n    2\n  ]\n}\n');
    // Data already in order prints as JSON.stringify prints it, and is left unchanged.
    const sorted = { Kind: 'x', Meta: { a: '1', b: '2' }, list: [{ a: 1 }, [null]] };
    const before = JSON.stringify(sorted);
    expect(stableJson(sorted)).toBe(`${JSON.stringify(sorted, null, 2)}\n`);
    expect(JSON.stringify(sorted)).toBe(before);
  });

  it('stableJson prints holes, functions and symbols in lists as null, non-finite numbers as null, index keys first', () => {
    const sparse: unknown[] = [1];
    sparse[3] = 'x';
    const sym = Symbol('s');
    const value = {
      list: [sparse, () => 1, sym, undefined, Number.NaN, -0, Number.POSITIVE_INFINITY, [], {}],
      keys: { b: 1, '10': 2, '9': 3, a: 4, '01': 5, '4294967295': 6, '4294967294': 7 },
      skipped: { f: () => 1, s: sym, u: undefined },
    };
    expect(stableJson(value)).toBe(`${JSON.stringify(sortKeys(value), null, 2)}\n`);
    expect(stableJson([undefined, { a: [] }])).toBe(`${JSON.stringify(sortKeys([undefined, { a: [] }]), null, 2)}\n`);
    // Outside plain JSON data the reference path prints (or throws) as before.
    expect(stableJson(undefined)).toBe('undefined\n');
    expect(() => stableJson({ a: 1n })).toThrow(TypeError);
  });

  it('quotes strings as JSON.stringify does (printable ASCII checked by its characters, the rest remembered)', () => {
    const unit = fc.constantFrom(
      'a',
      'Z',
      '0',
      '-',
      ' ',
      '~',
      '"',
      '\\',
      '\n',
      '\u0000',
      '\u001f',
      '\u007f',
      'é',
      '\ud800',
      '😀',
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 8 }), (units) => {
        const s = units.join('');
        expect(jsonString(s)).toBe(JSON.stringify(s));
        expect(jsonString(s)).toBe(JSON.stringify(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes a name of lower-case letters, digits and `-` with a digit or `-` as a plain YAML scalar, as js-yaml does', () => {
    const unit = fc.constantFrom(
      'a',
      'n',
      'o',
      'y',
      'e',
      's',
      'x',
      'z',
      '0',
      '1',
      '9',
      '-',
      '.',
      ':',
      ' ',
      '#',
      'A',
      '_',
    );
    const words = fc.constantFrom(
      'yes',
      'no',
      'on',
      'off',
      'y',
      'n',
      'true',
      'null',
      'e1',
      'x0',
      'n-',
      'o1',
      'inf',
      'nan',
    );
    const text = fc.oneof(
      fc.array(unit, { maxLength: 8 }).map((u) => u.join('')),
      fc.tuple(words, fc.array(unit, { maxLength: 3 })).map(([w, u]) => w + u.join('')),
    );
    let plain = 0;
    fc.assert(
      fc.property(text, (s) => {
        if (!isPlainName(s)) return;
        plain++;
        expect(jsYaml(s)).toBe(`${s}\n`);
        expect(scalar(s)).toBe(s);
      }),
      { numRuns: 5000 },
    );
    expect(plain).toBeGreaterThan(100);
  });

  it('blockYaml prints what js-yaml prints, or defers to it', () => {
    fc.assert(
      fc.property(tree, (v) => {
        const mine = blockYaml(v);
        if (mine !== undefined) expect(mine).toBe(jsYaml(v));
      }),
      { numRuns: 3000 },
    );
  });
});
