/**
 * Texts kept per place for repeated values (`LastValue`): `sameData` is deep equality of plain data (numbers by
 * `Object.is`, holes apart from `undefined`), `copyData` copies exactly what it compares, and the entry writers print
 * repeated, alternating and mutated subtrees exactly as fresh writers (empty memories) print them.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { sortKeys } from '../../src/emit/artifact.ts';
import { crdYaml, entryToCrd } from '../../src/emit/consul-entries/crd.ts';
import { copyData, LastValue, sameData } from '../../src/emit/last-value.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';

/** Plain data with the values that tell the comparisons apart: -0, NaN, undefined, holes, index-like keys. */
const data = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(0, -0, 1, Number.NaN, '', '0', 'a', true, false, null, undefined),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.sparseArray(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', '0', '10', 'Name'), tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

describe('sameData and copyData', () => {
  it('agree with isDeepStrictEqual on plain data, and a copy is the same data', () => {
    fc.assert(
      fc.property(data, data, (a, b) => {
        expect(sameData(a, b)).toBe(isDeepStrictEqual(a, b));
        const copy = copyData(a);
        if (copy === undefined && a !== undefined) {
          // Only lists with holes are not copied here.
          expect(
            JSON.stringify(a, (_, v) => (Array.isArray(v) && Object.keys(v).length < v.length ? 'hole' : v)),
          ).toContain('"hole"');
          return;
        }
        expect(sameData(a, copy)).toBe(true);
        expect(isDeepStrictEqual(a, copy)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('copy nothing that is not plain data', () => {
    class Box {
      a = 1;
    }
    expect(copyData(new Box())).toBeUndefined();
    expect(copyData({ a: [new Map()] })).toBeUndefined();
    expect(copyData(JSON.parse('{"__proto__": 1}'))).toBeUndefined();
    expect(sameData(new Box(), new Box())).toBe(false);
    expect(sameData([1], { 0: 1 })).toBe(false);
    // A null-prototype object is plain data (the writers print it as any other object).
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: [1], a: '1' });
    expect(sameData(copyData(bare), bare)).toBe(true);
    expect(sameData({ a: '1', b: [1] }, bare)).toBe(true);
  });
});

describe('LastValue', () => {
  it('finds a kept text for the same data only, and always for the value it was kept for', () => {
    fc.assert(
      fc.property(data, data, (a, b) => {
        const m = new LastValue();
        m.repeat(b);
        const copy = m.repeat(b);
        if (copy === undefined) return;
        m.keep(copy, undefined, 'text', 0);
        expect(m.has(b, undefined)).toBe(true);
        expect(m.has(copyData(b), undefined)).toBe(true);
        if (m.has(a, undefined)) expect(sameData(a, b)).toBe(true);
        if (isDeepStrictEqual(a, b) && JSON.stringify(a) === JSON.stringify(b)) expect(m.has(a, undefined)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps a text only for a value that came twice in a row, from a copy the caller cannot change', () => {
    const m = new LastValue();
    const v = { a: [1, 2] };
    expect(m.has(v, undefined)).toBe(false);
    expect(m.repeat(v)).toBeUndefined();
    const again = { a: [1, 2] };
    const copy = m.repeat(again);
    expect(copy).toEqual(again);
    expect(copy).not.toBe(again);
    m.keep(copy, 'arg', 'text', 7);
    v.a.push(3);
    expect(m.has(v, 'arg')).toBe(false);
    expect(m.has({ a: [1, 2] }, 'other')).toBe(false);
    expect(m.has({ a: [1, 2] }, 'arg')).toBe(true);
    expect([m.text, m.note]).toEqual(['text', 7]);
    // Mutating what was copied changes nothing kept.
    again.a.push(4);
    expect(m.has({ a: [1, 2] }, 'arg')).toBe(true);
  });
});

type Writers = ((entries: ConfigEntry[]) => { content: string }[])[];

async function freshWriters(): Promise<Writers> {
  vi.resetModules();
  const api = await import('../../src/emit/consul-entries/api-json.ts');
  const hcl = await import('../../src/emit/consul-entries/hcl.ts');
  const crd = await import('../../src/emit/consul-entries/crd.ts');
  return [api.emitApiJson, hcl.emitHcl, crd.emitCrds];
}

function texts(w: Writers, e: ConfigEntry): string[] {
  return w.map((f) => f([e])[0]?.content ?? '');
}

/** A router whose routes repeat from one entry to the next, except where `i` says. */
function router(i: number, service: string): ConfigEntry {
  return {
    Kind: 'service-router',
    Name: `r${i}`,
    Routes: [
      { Match: { HTTP: { PathPrefix: '/v2' } }, Destination: { ServiceSubset: 'v2', RequestTimeout: '5s' } },
      {
        Match: { HTTP: { Header: [{ Name: 'x-canary', Present: true }], Methods: ['GET'] } },
        Destination: { Service: service, NumRetries: i % 4 === 0 ? 3 : 2, RetryOnStatusCodes: [503] },
      },
    ],
  } as unknown as ConfigEntry;
}

describe('entry writers with kept texts', () => {
  it('print repeated, alternating and mutated subtrees as fresh writers do', async () => {
    const w = await freshWriters();
    const entries: ConfigEntry[] = [];
    for (let i = 0; i < 12; i++) entries.push(router(i, i % 3 === 0 ? 'a' : 'b'));
    for (const e of entries) {
      const fresh = await freshWriters();
      expect(texts(w, e)).toEqual(texts(fresh, e));
    }
    // The same objects changed in place after their texts were kept: printed as changed.
    const last = entries[entries.length - 1] as unknown as {
      Routes: { Match: { HTTP: Record<string, unknown> }; Destination: Record<string, unknown> }[];
    };
    last.Routes[0]!.Match.HTTP.PathPrefix = '/v3';
    last.Routes[1]!.Destination.RetryOnStatusCodes = [502, 503];
    last.Routes[0]!.Destination.RequestTimeout = -0;
    for (let k = 0; k < 3; k++) {
      const fresh = await freshWriters();
      expect(texts(w, entries[entries.length - 1]!)).toEqual(texts(fresh, entries[entries.length - 1]!));
    }
  });

  it('print random repeats of subtrees in any order, JSON and CRDs as the reference paths print them', async () => {
    const w = await freshWriters();
    const other = await freshWriters();
    const splitter = fc.record({
      Kind: fc.constant('service-splitter'),
      Name: fc.constantFrom('a', 'b'),
      Splits: fc.array(
        fc.record(
          { Weight: fc.constantFrom(0, -0, 50, 100), ServiceSubset: fc.constantFrom('v1', 'v2', '0', 'true') },
          { requiredKeys: ['Weight'] },
        ),
        { maxLength: 3 },
      ),
    }) as unknown as fc.Arbitrary<ConfigEntry>;
    fc.assert(
      fc.property(fc.array(splitter, { minLength: 2, maxLength: 12 }), (entries) => {
        const forward = entries.map((e) => texts(w, e));
        const backward = [...entries].reverse().map((e) => texts(other, structuredClone(e)));
        expect(forward).toEqual(backward.reverse());
        entries.forEach((e, i) => {
          expect(forward[i]![0]).toBe(`${JSON.stringify(sortKeys(e), null, 2)}\n`);
          expect(forward[i]![2]).toBe(crdYaml(entryToCrd(e)));
        });
      }),
      { numRuns: 300 },
    );
  });
});
