import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from '../../src/model/go-duration.ts';

describe('Go time.Duration parsing and printing', () => {
  it.each([
    ['3s', '3s'],
    ['1m', '1m0s'],
    ['1.5s', '1.5s'],
    ['90ns', '90ns'],
    ['1500us', '1.5ms'],
    ['2h45m', '2h45m0s'],
    ['-2ms', '-2ms'],
    ['0', '0s'],
    ['1h0m0.000000001s', '1h0m0.000000001s'],
  ])('reads %s and prints it as Consul returns it (%s)', (input, printed) => {
    const p = parseGoDuration(input);
    expect(p.ok).toBe(true);
    if (p.ok) expect(formatGoDuration(p.ns)).toBe(printed);
  });

  it.each([
    ['90x', 'time: unknown unit "x" in duration "90x"'],
    ['12', 'time: missing unit in duration "12"'],
    ['', 'time: invalid duration ""'],
    ['s', 'time: invalid duration "s"'],
  ])('rejects %j with the message Go gives', (input, error) => {
    expect(parseGoDuration(input)).toEqual({ ok: false, error });
  });

  it('parses back every duration it prints', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (ns) => {
        const p = parseGoDuration(formatGoDuration(ns));
        expect(p).toEqual({ ok: true, ns });
      }),
    );
  });
});
