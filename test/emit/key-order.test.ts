/**
 * `KeyOrder.ofObject` finds the same plan as `of(Object.keys(o))`, inside and outside `withOwnKeysByForIn`, for plain,
 * null-prototype and class objects, with array-index keys, and while `Object.prototype` has an enumerable key (then
 * `for...in` would list it: `withOwnKeysByForIn` falls back to `Object.keys`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyOrder, withOwnKeysByForIn } from '../../src/emit/key-order.ts';

const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('0', '1', '10', '9', '4294967295', 'a', 'b'));
const make = fc.constantFrom(
  (): Record<string, unknown> => ({}),
  (): Record<string, unknown> => Object.create(null) as Record<string, unknown>,
  (): Record<string, unknown> => new (class Thing {})() as unknown as Record<string, unknown>,
  (): Record<string, unknown> => {
    const proto = { inherited: 1 };
    return Object.create(proto) as Record<string, unknown>;
  },
);
const objects = fc.tuple(make, fc.array(key, { maxLength: 6 })).map(([m, keys]) => {
  const o = m();
  for (const k of keys) if (k !== '__proto__') o[k] = 1;
  return o;
});

describe('KeyOrder.ofObject', () => {
  it('lists what Object.keys lists', () => {
    const order = new KeyOrder((keys) => keys.join('\u0000'));
    fc.assert(
      fc.property(objects, (o) => {
        const expected = Object.keys(o).join('\u0000');
        expect(order.ofObject(o)).toBe(expected);
        expect(withOwnKeysByForIn(() => order.ofObject(o))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('lists what Object.keys lists for objects met one after another in a few slots (the last list per slot is tried first)', () => {
    const order = new KeyOrder((keys) => keys.join('\u0000'));
    // Key lists that are prefixes and extensions of one another, in varying order, through three slots.
    const shaped = fc.array(fc.constantFrom('a', 'b', 'c', '0', '1'), { maxLength: 4 }).map((keys) => {
      const o: Record<string, unknown> = {};
      for (const k of keys) o[k] = 1;
      return o;
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(shaped, objects), fc.integer({ min: 0, max: 2 })), { maxLength: 30 }),
        (list) =>
          withOwnKeysByForIn(() => {
            for (const [o, slot] of list) expect(order.ofObject(o, slot)).toBe(Object.keys(o).join('\u0000'));
          }),
      ),
      { numRuns: 1000 },
    );
  });

  it('ignores an enumerable key on Object.prototype', () => {
    const order = new KeyOrder((keys) => keys.join(','));
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = true;
    try {
      expect(withOwnKeysByForIn(() => order.ofObject({ b: 1, a: 2 }))).toBe('b,a');
    } finally {
      delete proto.polluted;
    }
    expect(withOwnKeysByForIn(() => order.ofObject({ b: 1, a: 2 }))).toBe('b,a');
  });
});
