/**
 * Many small texts (one per emitted file) written as pieces into a few large strings, each text then a slice of one.
 *
 * Writing a file as its own list of pieces joined at the end costs, per file, a growing piece array (several times the
 * file's size in garbage) and a file string allocated in the young generation, copied when it survives a scavenge and
 * again when it is promoted. Here the pieces of consecutive files go into one array that is reused from chunk to chunk;
 * about every `CHUNK` characters the pieces are joined once into a string large enough to be allocated outside the
 * young generation, and each file's text is a slice of it (V8 keeps a slice as a reference to the chunk, an offset and
 * a length). Texts read like any string; only their memory is shared with their neighbours.
 *
 * A writer pushes pieces, may replace one it pushed (`set`) or drop the ones after a mark (`truncate`), and calls
 * `end()` after each text; `finish()` returns the texts in the order they were ended.
 */

/** Characters per chunk: far above V8's largest young-generation object (128 KiB). */
const CHUNK = 1 << 19;
/**
 * Pieces joined at once: `Array.prototype.join` costs several times more per piece on arrays much longer than this
 * (measured on Node 20), so the pieces are joined in runs of about this many (at text ends), and the runs into chunks.
 */
const RUN = 4096;

/** An array for one run's pieces (it grows if a text has more). */
function newRun(): string[] {
  return new Array<string>(RUN);
}

export class TextChunks {
  /**
   * Pieces of the current run: the first `n` are live. Each run gets a new array, sized for a run: a young object, so
   * storing a piece in it costs no write barrier (an array kept from run to run would soon be old, and while the GC
   * marks the old generation, e.g. during a compile's aftermath, every store into it would pay the marking barrier).
   */
  private pieces: string[] = newRun();
  /** The joined runs of the current chunk. */
  private readonly runs: string[] = [];
  private n = 0;
  /** Characters in the current chunk (runs and live pieces). */
  private chars = 0;
  /** Where each ended text of the current chunk ends, in characters from the chunk's start. */
  private readonly ends: number[] = [];
  /** Piece index where the current text starts. */
  private start = 0;
  private readonly texts: string[] = [];

  /** Appends a piece to the current text. */
  push(piece: string): void {
    this.pieces[this.n++] = piece;
    this.chars += piece.length;
  }

  /** The index the next piece will have (a mark for `set` and `truncate`). */
  get mark(): number {
    return this.n;
  }

  /** Replaces the piece at `index` (pushed for the current text). */
  set(index: number, piece: string): void {
    this.chars += piece.length - this.pieces[index]!.length;
    this.pieces[index] = piece;
  }

  /** Drops the pieces from `index` on (a mark of the current text). */
  truncate(index: number): void {
    if (index < this.start || index > this.n) throw new RangeError(`truncate(${index}) outside the current text`);
    for (let i = index; i < this.n; i++) this.chars -= this.pieces[i]!.length;
    this.n = index;
  }

  /** Ends the current text. */
  end(): void {
    this.ends.push(this.chars);
    if (this.chars >= CHUNK) this.seal();
    else if (this.n >= RUN) this.joinRun();
    else this.start = this.n;
  }

  /** Every text ended so far, in order; the writer starts empty again. Pieces of an unended text are dropped. */
  finish(): string[] {
    this.n = this.start;
    this.seal();
    const texts = this.texts.slice();
    this.texts.length = 0;
    return texts;
  }

  /** Joins the live pieces into a run (at a text end: the current text has no pieces yet). */
  private joinRun(): void {
    const pieces = this.pieces;
    // `join` reads the whole array: its length is set to the live pieces.
    pieces.length = this.n;
    this.runs.push(pieces.join(''));
    this.pieces = newRun();
    this.n = 0;
    this.start = 0;
  }

  /** Joins the runs into one string and slices the ended texts out of it. */
  private seal(): void {
    this.joinRun();
    const chunk = this.runs.length === 1 ? this.runs[0]! : this.runs.join('');
    this.runs.length = 0;
    let from = 0;
    for (const to of this.ends) {
      this.texts.push(chunk.slice(from, to));
      from = to;
    }
    this.ends.length = 0;
    this.chars = 0;
  }
}
