/**
 * `copyWith(source, key, value)` is `{ ...source, [key]: value }` for plain data (src/model/data-copy.ts): same keys in
 * the same order, same values, same prototype, for objects parsed from JSON (which may carry a `__proto__` own key)
 * and for keys the source has or lacks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyWith } from '../../src/model/data-copy.ts';

const key = fc.oneof(
  fc.constantFrom('Kind', 'Name', 'Meta', 'entry', '__proto__', '0', '7', 'constructor', 'toString'),
  fc.string({ maxLength: 6 }),
);
const value = fc.jsonValue({ maxDepth: 2 });

function same(a: object, b: object): void {
  expect(Object.keys(a)).toEqual(Object.keys(b));
  expect(Object.getPrototypeOf(a)).toBe(Object.getPrototypeOf(b));
  for (const k of Object.keys(a)) expect((a as Record<string, unknown>)[k]).toBe((b as Record<string, unknown>)[k]);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
}

describe('copyWith', () => {
  it('equals the spread with one more key (random JSON objects and keys)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 8 }), key, value, (pairs, k, v) => {
        // Built through JSON.parse: a `__proto__` key becomes an own data property, as in parsed config entries.
        const source = JSON.parse(
          `{${pairs.map(([pk, pv]) => `${JSON.stringify(pk)}:${JSON.stringify(pv)}`).join(',')}}`,
        );
        const spread = { ...source, [k]: v };
        const copy = copyWith(source, k, v);
        same(copy, spread);
        expect(copy).not.toBe(source);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a key the source has in its place and appends a new one', () => {
    const source = { Kind: 'service-defaults', Meta: { a: '1' }, Name: 'web' };
    expect(Object.keys(copyWith(source, 'Meta', {}))).toEqual(['Kind', 'Meta', 'Name']);
    expect(Object.keys(copyWith(source, 'Partition', 'p'))).toEqual(['Kind', 'Meta', 'Name', 'Partition']);
    const proto = copyWith(JSON.parse('{"__proto__":{"x":1},"a":2}'), 'b', 3);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__', 'a', 'b']);
  });
});
