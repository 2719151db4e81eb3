/**
 * Artifacts: the files meshcc writes, as `{ path, content }`. Emitters return them; only `emit/write.ts` touches disk.
 */
import { createHash } from 'node:crypto';
import { flat } from '../model/flat-string.ts';
import { recordMaker } from '../model/keyed-record.ts';
import { jsonText } from './json-text.ts';
import { byCodeUnits, KeyOrder } from './key-order.ts';

export interface Artifact {
  /** Relative POSIX path inside the output directory, e.g. `consul/api/service-resolver/currency.json`. */
  readonly path: string;
  readonly content: string;
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
  return `${jsonText(value, 0) ?? JSON.stringify(sortedCopy(value), null, 2)}\n`;
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

/** The manifest: every artifact path with its sha256, sorted by path. */
export function manifest(artifacts: readonly Artifact[]): Artifact {
  const files = [...artifacts]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((a) => ({ path: a.path, sha256: sha256(a.content), bytes: Buffer.byteLength(a.content) }));
  return { path: 'manifest.json', content: stableJson({ generator: 'meshcc', files }) };
}
