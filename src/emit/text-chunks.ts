/**
 * Many small texts (one per emitted file) written as pieces into a few large strings, each text then a slice of one.
 *
 * A text is built with `+=` (V8 keeps the result as a rope of its pieces, a "cons string", and copies nothing yet),
 * and each ended text is flattened and appended to the current chunk. About every `CHUNK` characters the chunk is
 * flattened once (one copy of its characters into a string large enough to be allocated outside the young
 * generation) and each text becomes a slice of it (V8 keeps a slice as a reference to the chunk, an offset and a
 * length). Texts read like any string; only their memory is shared with their neighbours.
 *
 * Before, pieces were stored in arrays and joined with `Array.prototype.join` in runs: about the same cost per piece
 * (measured on Node 20), but the piece arrays were garbage of several times the text's size, and replacing a piece
 * already written needed them. The separator rule (`separator`) replaces that.
 *
 * A writer pushes pieces, may leave a separator whose form depends on what follows (`separator`), may drop the text it
 * is writing (`discard`), and calls `end()` after each text; `finish()` returns the texts in the order they were ended.
 */

/**
 * Characters per chunk: far above V8's largest young-generation object (128 KiB), so a chunk is allocated outside the
 * young generation and no scavenge copies file text. (Chunks of 32 Ki characters, young: the whole emit took as much
 * CPU, within the noise, and its scavenges about twice as long.)
 */
const CHUNK = 1 << 19;

/** Texts of at most this many pieces are not flattened on their own (see `end`). */
const FEW = 8;

export class TextChunks {
  /** The current text (a rope until its chunk is flattened). */
  private text = '';
  /** The ended texts of the current chunk. */
  private chunk = '';
  /** Where each ended text of the current chunk ends, in characters from the chunk's start. */
  private readonly ends: number[] = [];
  private readonly texts: string[] = [];
  /** A separator waiting for the next piece (see `separator`): its forms before inline and before block text. */
  private inline = '';
  private block = '';

  /** Pieces of the current text (about: a separator counts with the piece after it). */
  private pieces = 0;

  /** Appends a piece to the current text. */
  push(piece: string): void {
    if (this.inline !== '' && piece !== '') this.resolve(piece);
    this.text += piece;
    this.pieces++;
  }

  /**
   * Appends a separator written as `inline`, or as `block` when the next non-empty piece starts on a new line (YAML's
   * `key: value` versus `key:` before a block value). Decided when the next piece is pushed (or at `end`: inline).
   */
  separator(inline: string, block: string): void {
    if (this.inline !== '') this.text += this.inline;
    this.inline = inline;
    this.block = block;
  }

  private resolve(next: string): void {
    this.text += next.charCodeAt(0) === 0x0a ? this.block : this.inline;
    this.inline = '';
  }

  /** Drops the current text's pieces (the next piece starts it again). */
  discard(): void {
    this.text = '';
    this.pieces = 0;
    this.inline = '';
  }

  /** Ends the current text. */
  end(): void {
    if (this.inline !== '') {
      this.text += this.inline;
      this.inline = '';
    }
    const text = this.text;
    // Flattened now: the rope's nodes die young (a chunk's worth of them, kept until the chunk is flattened, would be
    // copied by every scavenge meanwhile), and the flat text is one node of the chunk's rope. A text of a few pieces
    // (an API JSON file: its `JSON.stringify` text and a newline) is left as it is: a copy saved, a few nodes kept.
    if (this.pieces > FEW) text.charCodeAt(0);
    this.chunk += text;
    this.text = '';
    this.pieces = 0;
    this.ends.push(this.chunk.length);
    if (this.chunk.length >= CHUNK) this.seal();
  }

  /** Appends a whole text (built by the caller, e.g. as a rope of its pieces): `push(text)` then `end()`. */
  add(text: string): void {
    if (this.text !== '' || this.inline !== '') {
      this.push(text);
      this.end();
      return;
    }
    // Flattened now, for the reason `end` gives.
    text.charCodeAt(0);
    this.chunk += text;
    this.ends.push(this.chunk.length);
    if (this.chunk.length >= CHUNK) this.seal();
  }

  /** Every text ended so far, in order; the writer starts empty again. Pieces of an unended text are dropped. */
  finish(): string[] {
    this.discard();
    this.seal();
    const texts = this.texts.slice();
    this.texts.length = 0;
    return texts;
  }

  /** Flattens the chunk and slices the ended texts out of it. */
  private seal(): void {
    const chunk = this.chunk;
    // Reading a character flattens the rope in place: one copy, and the slices below share it.
    chunk.charCodeAt(0);
    let from = 0;
    const ends = this.ends;
    for (let i = 0; i < ends.length; i++) {
      const to = ends[i]!;
      this.texts.push(chunk.slice(from, to));
      from = to;
    }
    this.ends.length = 0;
    this.chunk = '';
  }
}
