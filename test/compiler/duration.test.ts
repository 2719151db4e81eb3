import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from '../../src/compiler/duration.ts';

describe('Go durations', () => {
  // Expected strings are what Go's time.Duration.String prints.
  it.each([
    [0, '0s'],
    [1, '1ns'],
    [1500, '1.5µs'],
    [250e6, '250ms'],
    [1.5e9, '1.5s'],
    [5e9, '5s'],
    [60e9, '1m0s'],
    [90e9, '1m30s'],
    [3600e9, '1h0m0s'],
    [3723.5e9, '1h2m3.5s'],
    [-1.5e9, '-1.5s'],
  ])('formats %d ns as %s', (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });

  it.each([
    ['5s', 5e9],
    ['1500ms', 1.5e9],
    ['1m30s', 90e9],
    ['1.5h', 5400e9],
    ['2h45m', 9900e9],
    ['0', 0],
    ['100us', 100e3],
    ['100µs', 100e3],
    ['-2s', -2e9],
  ])('parses %s', (text, ns) => {
    expect(parseGoDuration(text)).toBe(ns);
  });

  it.each(['', '5', 's', '1x', '1.s.', '--1s', '1s 2s'])('rejects %j as Go does', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });

  it('parses every formatted duration back to the same nanoseconds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), (ns) => {
        expect(parseGoDuration(formatGoDuration(ns))).toBe(ns);
      }),
    );
  });
});
