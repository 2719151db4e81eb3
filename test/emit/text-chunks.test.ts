/**
 * `TextChunks` returns exactly the texts written, whatever the chunk and run boundaries: random texts of random pieces
 * (some replaced with `set`, some dropped with `truncate`), enough of them to cross many runs and chunks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextChunks } from '../../src/emit/text-chunks.ts';

type Step = { piece: string } | { replaceLast: string } | { dropLast: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 12 }).map((piece) => ({ piece })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }).map((replaceLast) => ({ replaceLast })) },
  { weight: 1, arbitrary: fc.nat(3).map((dropLast) => ({ dropLast })) },
);

/** Writes one text into `out` and returns what it must read back as. */
function write(out: TextChunks, steps: readonly Step[]): string {
  const expected: string[] = [];
  const marks: number[] = [];
  for (const s of steps) {
    if ('piece' in s) {
      marks.push(out.mark);
      out.push(s.piece);
      expected.push(s.piece);
    } else if ('replaceLast' in s) {
      if (marks.length === 0) continue;
      out.set(marks[marks.length - 1]!, s.replaceLast);
      expected[expected.length - 1] = s.replaceLast;
    } else {
      const keep = Math.max(0, marks.length - s.dropLast);
      if (keep === marks.length) continue;
      out.truncate(marks[keep]!);
      marks.length = keep;
      expected.length = keep;
    }
  }
  out.end();
  return expected.join('');
}

describe('TextChunks', () => {
  it('reads back every text as written, across runs and chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.array(step, { maxLength: 40 }), { maxLength: 300 }), fc.nat(5), (texts, copies) => {
        const out = new TextChunks();
        const expected: string[] = [];
        // Repeating the texts makes the total cross the run (4,096 pieces) and chunk (512 Ki characters) sizes.
        for (let c = 0; c <= copies; c++) for (const t of texts) expected.push(write(out, t));
        expect(out.finish()).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('crosses chunk boundaries with large texts and starts empty after finish', () => {
    const out = new TextChunks();
    const big = 'x'.repeat(300_000);
    const expected: string[] = [];
    for (let i = 0; i < 7; i++) {
      out.push(big);
      out.push(String(i));
      out.end();
      expected.push(`${big}${i}`);
      out.push(`small ${i}`);
      out.end();
      expected.push(`small ${i}`);
    }
    expect(out.finish()).toEqual(expected);
    out.push('again');
    out.end();
    expect(out.finish()).toEqual(['again']);
  });

  it('drops the pieces of a text that was not ended, and refuses to truncate an ended one', () => {
    const out = new TextChunks();
    out.push('done');
    out.end();
    const mark = out.mark;
    out.push('pending');
    expect(() => out.truncate(mark - 1)).toThrow(RangeError);
    expect(out.finish()).toEqual(['done']);
  });
});
