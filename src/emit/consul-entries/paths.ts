/** File names for emitted config entries: one file per entry, safe on every file system. */
import type { ConfigEntry } from '../../model/entries.ts';
import { flat } from '../../model/flat-string.ts';
import { type Artifact, RenderedArtifact } from '../artifact.ts';

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

/** Entries with their file names, in the order of their files (see `inFileOrder`). */
export interface EntryFiles {
  readonly entries: readonly ConfigEntry[];
  /** `fileSafeName` of each entry's Name. */
  readonly names: readonly string[];
  /** The entries' kinds in order, each with where its entries end (they start where the previous kind's end). */
  readonly kinds: readonly { readonly kind: string; readonly end: number }[];
}

/**
 * `entries` sorted by `<kind>/<file name>.`, stable: the order of their files' paths in each flavour, but for names
 * where one name followed by `.` is a prefix of another (`a` and `a.b`), whose order can depend on the extension.
 * `entryFiles` checks the order per flavour and sorts where it is not right, so the result never depends on this:
 * sorting once here spares a sort of every flavour's paths (long shared prefixes: slow comparisons).
 */
export function inFileOrder(entries: readonly ConfigEntry[]): EntryFiles {
  // By `<kind>/`, then by `<file name>.` within a kind: the same order, with shorter strings to compare.
  const byKind = new Map<string, { e: ConfigEntry; name: string }[]>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    let list = byKind.get(e.Kind);
    if (list === undefined) {
      list = [];
      byKind.set(e.Kind, list);
    }
    list.push({ e, name: fileSafeName(e.Name) });
  }
  const ordered: ConfigEntry[] = [];
  const names: string[] = [];
  const kinds = [...byKind.keys()].sort((a, b) => byKey(`${a}/`, `${b}/`));
  const groups: { kind: string; end: number }[] = [];
  for (const kind of kinds) {
    const list = byKind.get(kind)!;
    // Usually in order already (the compiler writes each kind's entries by name): one pass to check.
    for (let i = 1; i < list.length; i++) {
      if (byNameDot(list[i - 1]!.name, list[i]!.name) > 0) {
        list.sort((a, b) => byNameDot(a.name, b.name));
        break;
      }
    }
    for (let i = 0; i < list.length; i++) {
      ordered.push(list[i]!.e);
      names.push(list[i]!.name);
    }
    groups.push({ kind, end: ordered.length });
  }
  return { entries: ordered, names, kinds: groups };
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `byKey(\`${a}.\`, \`${b}.\`)` without building either string (one per entry, kept while the entries are ordered):
 * code units compared up to the shorter name; when one name is a prefix of the other, the `.` after it against the
 * longer name's next unit, and a `.` there makes the shorter `name.` a prefix of the longer's, so it comes first.
 */
export function byNameDot(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x < y ? -1 : 1;
  }
  if (a.length === b.length) return 0;
  const DOT = 0x2e;
  if (a.length < b.length) {
    const y = b.charCodeAt(n);
    return y === DOT || DOT < y ? -1 : 1;
  }
  const x = a.charCodeAt(n);
  return x === DOT || DOT < x ? 1 : -1;
}

/**
 * The artifacts of one flavour, sorted by path: one per entry of `files` whose kind `keep` (when given) says has files
 * in this flavour, its text `render(entry)` when read. The paths are what `entryFilePath` makes (the
 * `consul/<flavour>/<kind>/` prefix made once per kind).
 */
export function entryFiles(
  flavour: string,
  ext: string,
  files: EntryFiles,
  render: (entry: ConfigEntry) => string,
  keep?: (kind: string) => boolean,
): Artifact[] {
  const out: RenderedArtifact<ConfigEntry>[] = [];
  const suffix = `.${ext}`;
  const names = files.names;
  const entries = files.entries;
  let start = 0;
  for (const { kind, end } of files.kinds) {
    if (keep === undefined || keep(kind)) {
      const prefix = flat(`consul/${flavour}/${kind}/`);
      // Stored flat: every path is compared several times when artifacts are sorted.
      for (let i = start; i < end; i++)
        out.push(new RenderedArtifact(flat(prefix + names[i]! + suffix), entries[i]!, render));
    }
    start = end;
  }
  // Almost always in order already (see `inFileOrder`): one pass to check.
  for (let i = 1; i < out.length; i++) if (byPath(out[i - 1]!, out[i]!) > 0) return out.sort(byPath);
  return out;
}

/** Sorts artifacts by path (emit order never depends on input order). */
export function byPath<T extends { readonly path: string }>(a: T, b: T): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
