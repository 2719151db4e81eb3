/**
 * The direct writers print exactly what the generic paths they replace print: `stableJson` is
 * `JSON.stringify(sortKeys(v), null, 2)`, and `blockYaml` (when it accepts a value) is the CRD emitter's js-yaml dump.
 */
import fc from 'fast-check';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { sortKeys, stableJson } from '../../src/emit/artifact.ts';
import { blockYaml } from '../../src/emit/block-yaml.ts';

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
