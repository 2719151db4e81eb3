/**
 * Emits each config entry as the JSON body of Consul's `PUT /v1/config` (and `consul config write x.json`):
 * `consul/api/<kind>/<name>.json`, exact API field casing, keys sorted, byte-for-byte deterministic.
 */
import type { ConfigEntry } from '../../model/entries.ts';
import { flat } from '../../model/flat-string.ts';
import { recordMaker } from '../../model/keyed-record.ts';
import type { Artifact } from '../artifact.ts';
import { byCodeUnits, KeyOrder } from './key-order.ts';
import { byPath, entryFilePath } from './paths.ts';

/** Sorted keys per object shape (see `KeyOrder`). */
const keyOrder = new KeyOrder(byCodeUnits);
/** The copies hold user keys (`Meta`, `Config`, subset names): see `recordMaker`. */
const record = recordMaker();

/**
 * A copy of plain data with every object's keys inserted in sorted order, for `JSON.stringify` to print as they come.
 * It keeps what `stableJson` prints and nothing else: own enumerable keys, not `__proto__` (which `stableJson` never
 * prints), not functions (which print as nothing, unless one named `toJSON` were copied and called). Array-index keys
 * need no care: every object lists them first, in numeric order, as `stableJson` does.
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

/**
 * The API JSON of one entry: `stableJson(entry)` (keys sorted, 2-space indent, trailing newline), printed by
 * `JSON.stringify` itself from a sorted copy, which is much faster than assembling the text piece by piece.
 */
export function entryJson(entry: ConfigEntry): string {
  return flat(`${JSON.stringify(sortedCopy(entry), null, 2)}\n`);
}

/** One artifact per entry, sorted by path. */
export function emitApiJson(entries: readonly ConfigEntry[]): Artifact[] {
  return entries.map((e) => ({ path: entryFilePath('api', e, 'json'), content: entryJson(e) })).sort(byPath);
}
