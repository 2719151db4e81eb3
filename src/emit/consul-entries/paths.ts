/** File names for emitted config entries: one file per entry, safe on every file system. */
import type { ConfigEntry } from '../../model/entries.ts';
import { flat } from '../../model/flat-string.ts';

/** Names that are safe as they are (most of them). */
const SAFE = /^[A-Za-z0-9._-]*$/;

/** `*` (wildcard intentions) becomes `_wildcard`; any other character outside `[A-Za-z0-9._-]` becomes `_`. */
export function fileSafeName(name: string): string {
  if (name === '*') return '_wildcard';
  const safe = SAFE.test(name) ? name : name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? `_${safe}` : safe;
}

/** `consul/<flavour>/<kind>/<name>.<ext>` */
export function entryFilePath(flavour: string, entry: ConfigEntry, ext: string): string {
  // Stored flat: every path is compared several times when artifacts are sorted.
  return flat(`consul/${flavour}/${entry.Kind}/${fileSafeName(entry.Name)}.${ext}`);
}

/** Sorts artifacts by path (emit order never depends on input order). */
export function byPath<T extends { readonly path: string }>(a: T, b: T): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
