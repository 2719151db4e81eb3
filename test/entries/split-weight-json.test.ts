/**
 * `float32Json` prints a weight as Consul's `encoding/json` prints a float32: the shortest decimal that reads back as the
 * same float32. Its integer fast path must give exactly what the general search gives (the specification below, the
 * search alone), for integers near the float32 limit of exact integers and for any float.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { float32Json } from '../../src/model/split-weight.ts';

/** The general search: fewest significant digits that read back as the same float32. */
function shortest(v: number): number {
  const x = Math.fround(v);
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 1; p < 10; p++) {
    const n = Number(x.toPrecision(p));
    if (Math.fround(n) === x) return n;
  }
  return x;
}

describe('float32Json', () => {
  it('prints integers as the search does, up to and past 2^24', () => {
    const edges = [1, 9, 10, 11, 50, 90, 99, 100, 101, 1000, 99999, 2 ** 24 - 2, 2 ** 24 - 1, 2 ** 24, 2 ** 24 + 2];
    for (const n of [...edges, ...edges.map((e) => -e)])
      expect(Object.is(float32Json(n), shortest(n)), `${n}`).toBe(true);
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 25), max: 2 ** 25 }), (n) => Object.is(float32Json(n), shortest(n))),
      { numRuns: 5000 },
    );
  });

  it('prints any float as the search does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.float(), fc.double({ min: 0, max: 100 })), (v) =>
        Object.is(float32Json(v), shortest(v)),
      ),
      { numRuns: 5000 },
    );
  });
});
