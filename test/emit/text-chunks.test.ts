/**
 * `TextChunks` returns exactly the texts written, whatever the chunk boundaries: random texts of random pieces and
 * separators (written in their block form before a piece starting with a newline), some texts discarded and written
 * again, enough of them to cross many chunks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextChunks } from '../../src/emit/text-chunks.ts';

type Step = { piece: string } | { separator: readonly [string, string] } | { discard: true };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('\n', '\n  x', '')).map((piece) => ({ piece })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ minLength: 1, maxLength: 3 }), fc.string({ maxLength: 3 }))
      .map((separator) => ({ separator })),
  },
  { weight: 1, arbitrary: fc.constant({ discard: true as const }) },
);

/** Writes one text into `out` and returns what it must read back as. */
function write(out: TextChunks, steps: readonly Step[]): string {
  let expected = '';
  let pending: readonly [string, string] | undefined;
  for (const s of steps) {
    if ('piece' in s) {
      out.push(s.piece);
      if (pending !== undefined && s.piece !== '') {
        expected += s.piece.startsWith('\n') ? pending[1] : pending[0];
        pending = undefined;
      }
      expected += s.piece;
    } else if ('separator' in s) {
      out.separator(s.separator[0], s.separator[1]);
      if (pending !== undefined) expected += pending[0];
      pending = s.separator;
    } else {
      out.discard();
      expected = '';
      pending = undefined;
    }
  }
  out.end();
  return pending === undefined ? expected : expected + pending[0];
}

describe('TextChunks', () => {
  it('reads back every text as written, across runs and chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.array(step, { maxLength: 40 }), { maxLength: 300 }), fc.nat(5), (texts, copies) => {
        const out = new TextChunks();
        const expected: string[] = [];
        // Repeating the texts makes the total cross the chunk size (512 Ki characters).
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

  it('drops the pieces of a text that was not ended, and discards only the current text', () => {
    const out = new TextChunks();
    out.push('done');
    out.end();
    out.push('dropped');
    out.separator(': ', ':');
    out.discard();
    out.push('kept');
    out.end();
    out.push('pending');
    expect(out.finish()).toEqual(['done', 'kept']);
  });
});
