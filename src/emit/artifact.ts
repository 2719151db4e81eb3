/**
 * Artifacts: the files meshcc writes, as `{ path, content }`. Emitters return them; only `emit/write.ts` touches disk.
 *
 * The emitters of many files (config entries: three per entry; compiled chains: one per instance) return
 * `RenderedArtifact`s (config entries: `EntryArtifact`s, an index into a shared file list, see
 * `consul-entries/paths.ts`): the path and what the text is made from, with the text rendered when `content` is read.
 * The writer reads each file's text once, hashes and writes it, and lets it go, so a mesh's output is never all in
 * memory at once (the L7 10k bench mesh: 90,000 entry files, 37 MB of text, which held in memory also cost their page faults
 * and the GC's copying). See docs/emit-performance.md.
 */
import { createHash } from 'node:crypto';
import { flat } from '../model/flat-string.ts';
import { recordMaker } from '../model/keyed-record.ts';
import { jsonFileText } from './json-text.ts';
import { byCodeUnits, KeyOrder } from './key-order.ts';

export interface Artifact {
  /** Relative POSIX path inside the output directory, e.g. `consul/api/service-resolver/currency.json`. */
  readonly path: string;
  /** The file's text. On a `RenderedArtifact` each read renders it again (the same text every time). */
  readonly content: string;
}

/**
 * An artifact whose text is rendered from `input` by `render` each time `content` is read, and not kept: reading it
 * twice renders twice (same text: `render` is a pure function of `input`, which nothing changes after emit). It prints
 * as `{ path, content }` in JSON.
 */
export class RenderedArtifact<T> implements Artifact {
  constructor(
    readonly path: string,
    readonly input: T,
    readonly render: (input: T) => string,
  ) {}

  get content(): string {
    return flat(this.render(this.input));
  }

  toJSON(): { path: string; content: string } {
    return { path: this.path, content: this.content };
  }
}

/** `{ path, content }` of each artifact: its text read once (for comparing emits in tests, or printing them). */
export function artifactTexts(artifacts: readonly Artifact[]): { path: string; content: string }[] {
  return artifacts.map((a) => ({ path: a.path, content: a.content }));
}

/**
 * Deterministic JSON: object keys sorted (code-point order), 2-space indent, trailing newline. Byte-for-byte what
 * `JSON.stringify(sortKeys(value), null, 2)` prints: printed directly with a plan per object shape (`json-text.ts`),
 * or, for values outside plain JSON data, by `JSON.stringify` itself from a sorted copy (see `sortedCopy`).
 */
export function stableJson(value: unknown): string {
  return flat(stableJsonText(value));
}

/**
 * `stableJson(value)` not yet flattened (a rope of its pieces, for a writer that copies it into a larger string). The
 * direct printer (`json-text.ts`) prints plain data; anything else goes through the sorted copy and `JSON.stringify`.
 */
export function stableJsonText(value: unknown): string {
  return jsonFileText(value) ?? `${JSON.stringify(sortedCopy(value), null, 2)}\n`;
}

/** Sorted keys per object shape (see `KeyOrder`). */
const keyOrder = new KeyOrder(byCodeUnits);
/** The copies hold user keys (`Meta`, `Config`, subset names, target IDs): see `recordMaker`. */
const record = recordMaker();

/**
 * A copy of plain data with every object's keys inserted in sorted order, for `JSON.stringify` to print as they come.
 * It keeps what `sortKeys` lets `JSON.stringify` print and nothing else: own enumerable keys, not `__proto__` (whose
 * assignment would set the copy's prototype), not functions (which print as nothing, unless one named `toJSON` were
 * copied and called). Array-index keys need no care: every object lists them first, in numeric order.
 */
function sortedCopy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(sortedCopy);
  const out = record<unknown>();
  for (const k of keyOrder.of(Object.keys(v))) {
    const x = (v as Record<string, unknown>)[k];
    if (k !== '__proto__' && typeof x !== 'function') out[k] = sortedCopy(x);
  }
  return out;
}

/** Returns a copy of `value` with object keys sorted recursively; drops `undefined` fields. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** One file of the manifest. */
export interface ManifestFile {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** The manifest line of a file whose text is `content`. */
export function manifestFile(path: string, content: string): ManifestFile {
  return { path, sha256: sha256(content), bytes: Buffer.byteLength(content) };
}

/** The manifest of files already hashed (`manifestFile`), in any order: sorted by path. */
export function manifestOf(files: readonly ManifestFile[]): Artifact {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { path: 'manifest.json', content: stableJson({ generator: 'meshcc', files: sorted }) };
}

/** The manifest: every artifact path with its sha256, sorted by path (each text read once). */
export function manifest(artifacts: readonly Artifact[]): Artifact {
  return manifestOf(artifacts.map((a) => manifestFile(a.path, a.content)));
}
