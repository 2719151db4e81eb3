/** File names for emitted config entries: one file per entry, safe on every file system. */
import type { ConfigEntry } from '../../model/entries.ts';
import { flat } from '../../model/flat-string.ts';
import type { Artifact } from '../artifact.ts';

/** Names that are safe as they are (most of them): what `isSafe` checks. */
export const SAFE = /^[A-Za-z0-9._-]*$/;

/** `*` (wildcard intentions) becomes `_wildcard`; any other character outside `[A-Za-z0-9._-]` becomes `_`. */
export function fileSafeName(name: string): string {
  if (name === '*') return '_wildcard';
  const safe = isSafe(name) ? name : name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? `_${safe}` : safe;
}

/** `SAFE.test(name)`, by its characters (once per entry; a regular expression costs more than the loop). */
function isSafe(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // a-z, A-Z, 0-9, `.`, `_`, `-`.
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) continue;
    if (c === 0x2e || c === 0x5f || c === 0x2d) continue;
    return false;
  }
  return true;
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
  /**
   * Whether some name in a kind's run is followed by one that starts with it and `.` (`a`, `a.b`): only there can the
   * order of the files depend on the extension (see `entryFiles`). Rare: when false no flavour checks its order.
   */
  readonly dotted: boolean;
}

/**
 * `entries` sorted by `<kind>/<file name>.`, stable: the order of their files' paths in each flavour, but for names
 * where one name followed by `.` is a prefix of another (`a` and `a.b`), whose order can depend on the extension.
 * `entryFiles` checks the order per flavour and sorts where it is not right, so the result never depends on this:
 * sorting once here spares a sort of every flavour's paths (long shared prefixes: slow comparisons).
 *
 * The compiler writes entries service by service (a service's defaults, resolver, splitter, router, then the next
 * service's), each kind's entries by name: so the entries are counted per kind and placed into their kind's run (a
 * counting sort, stable), and each run is only checked, and sorted when it is not in order.
 */
export function inFileOrder(entries: readonly ConfigEntry[]): EntryFiles {
  const n = entries.length;
  const kindIndex = new Map<string, number>();
  const kindNames: string[] = [];
  const counts: number[] = [];
  const kindOf = new Uint32Array(n);
  let lastKind = '';
  let last = -1;
  for (let i = 0; i < n; i++) {
    const kind = entries[i]!.Kind;
    let k = last;
    if (kind !== lastKind) {
      k = kindIndex.get(kind) ?? -1;
      if (k < 0) {
        k = kindNames.length;
        kindIndex.set(kind, k);
        kindNames.push(kind);
        counts.push(0);
      }
      lastKind = kind;
      last = k;
    }
    kindOf[i] = k;
    counts[k]!++;
  }
  // Kinds by `<kind>/`, each run's start.
  const byKindOrder = kindNames.map((_, k) => k).sort((a, b) => byKey(`${kindNames[a]}/`, `${kindNames[b]}/`));
  const starts: number[] = new Array(kindNames.length).fill(0);
  const kinds: { kind: string; end: number }[] = [];
  let end = 0;
  for (const k of byKindOrder) {
    starts[k] = end;
    end += counts[k]!;
    kinds.push({ kind: kindNames[k]!, end });
  }
  const ordered: ConfigEntry[] = new Array(n);
  const names: string[] = new Array(n);
  const next = starts.slice();
  for (let i = 0; i < n; i++) {
    const at = next[kindOf[i]!]!++;
    const e = entries[i]!;
    ordered[at] = e;
    names[at] = fileSafeName(e.Name);
  }
  // Usually in order already (the compiler writes each kind's entries by name): one pass per run to check.
  let start = 0;
  let dotted = false;
  for (const run of kinds) {
    for (let i = start + 1; i < run.end; i++) {
      if (byNameDot(names[i - 1]!, names[i]!) > 0) {
        sortRun(ordered, names, start, run.end);
        break;
      }
    }
    for (let i = start + 1; i < run.end && !dotted; i++) dotted = startsWithDotted(names[i]!, names[i - 1]!);
    start = run.end;
  }
  return { entries: ordered, names, kinds, dotted };
}

/** Whether `b` starts with `a` and `.`. */
function startsWithDotted(b: string, a: string): boolean {
  return b.length > a.length && b.charCodeAt(a.length) === 0x2e && b.startsWith(a);
}

/** Sorts `entries[start..end)` and their names by `<name>.`, stable. */
function sortRun(entries: ConfigEntry[], names: string[], start: number, end: number): void {
  const run: { e: ConfigEntry; name: string }[] = [];
  for (let i = start; i < end; i++) run.push({ e: entries[i]!, name: names[i]! });
  run.sort((a, b) => byNameDot(a.name, b.name));
  for (let i = start; i < end; i++) {
    entries[i] = run[i - start]!.e;
    names[i] = run[i - start]!.name;
  }
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
 * `byKey(a + suffix, b + suffix)` without building either string: the order of two file names with one extension.
 */
export function byNameSuffix(a: string, b: string, suffix: string): number {
  const la = a.length + suffix.length;
  const lb = b.length + suffix.length;
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const x = i < a.length ? a.charCodeAt(i) : suffix.charCodeAt(i - a.length);
    const y = i < b.length ? b.charCodeAt(i) : suffix.charCodeAt(i - b.length);
    if (x !== y) return x < y ? -1 : 1;
  }
  return la === lb ? 0 : la < lb ? -1 : 1;
}

/**
 * The files of one flavour and kind: `consul/<flavour>/<kind>/<name>.<ext>` for the entries of the kind's run in
 * `EntryFiles`, each text `render(entry)`. Shared by the run's artifacts, which are only this and an index; it keeps
 * the paths made so far (see `EntryArtifact.path`).
 */
class KindFiles {
  /** Paths made so far, by index from `start` (made on the first read of a path). */
  private paths: (string | undefined)[] | undefined = undefined;

  constructor(
    /** `consul/<flavour>/<kind>/` */
    readonly prefix: string,
    /** `.<ext>` */
    readonly suffix: string,
    readonly files: EntryFiles,
    readonly render: (entry: ConfigEntry) => string,
    /** The run's first index in `files`, and its end. */
    readonly start: number,
    readonly end: number,
  ) {}

  /** The path of the file at `index` of `files`, made when first asked and kept. */
  path(index: number): string {
    let paths = this.paths;
    if (paths === undefined) {
      paths = new Array(this.end - this.start).fill(undefined);
      this.paths = paths;
    }
    let path = paths[index - this.start];
    if (path === undefined) {
      path = flat(this.prefix + this.files.names[index]! + this.suffix);
      paths[index - this.start] = path;
    }
    return path;
  }
}

/**
 * One entry's file: its path made when first read (and kept, by its run: a writer reads it several times; the benches
 * never), its text rendered on every read and not kept (see `RenderedArtifact`). Prints as `{ path, content }` in JSON.
 * Two fields only: 90,003 of them for the L7 bench mesh, all promoted to the old generation while the texts are read.
 */
export class EntryArtifact implements Artifact {
  constructor(
    private readonly kind: KindFiles,
    private readonly index: number,
  ) {}

  get path(): string {
    return this.kind.path(this.index);
  }

  /** The entry's text, rendered on every read. */
  get content(): string {
    const k = this.kind;
    return flat(k.render(k.files.entries[this.index]!));
  }

  toJSON(): { path: string; content: string } {
    return { path: this.path, content: this.content };
  }
}

/** One form of the entries' files: `consul/<name>/<kind>/<file name>.<ext>`, each text `render(entry)`. */
export interface Flavour {
  readonly name: string;
  readonly ext: string;
  readonly render: (entry: ConfigEntry) => string;
  /** Which kinds have files in this form (all when not given). */
  readonly keep?: (kind: string) => boolean;
}

/** How many files `entryFiles` makes of `files` (the entries of the kinds `keep`, when given, says have files). */
export function fileCount(files: EntryFiles, keep?: (kind: string) => boolean): number {
  if (keep === undefined) return files.entries.length;
  let n = 0;
  let start = 0;
  for (const { kind, end } of files.kinds) {
    if (keep(kind)) n += end - start;
    start = end;
  }
  return n;
}

/**
 * Writes into `out` from `at` the artifacts of one flavour, sorted by path: one per entry of `files` whose kind `keep`
 * (when given) says has files in this flavour, its text `render(entry)` when read. Returns where they end (`at` plus
 * `fileCount(files, keep)`). The paths are what `entryFilePath` makes; they are made when read (see `EntryArtifact`).
 * `out` is made with its final length by the caller (an array grown by `push` to 90,003 items is copied a dozen
 * times, each copy fresh memory once it is past the young generation's object size).
 */
export function entryFiles(flavour: Flavour, files: EntryFiles, out: Artifact[], at: number): number {
  const { name: flavourName, ext, render, keep } = flavour;
  const from = at;
  const suffix = `.${ext}`;
  const names = files.names;
  let start = 0;
  let sorted = true;
  for (const { kind, end } of files.kinds) {
    if (keep === undefined || keep(kind)) {
      const run = new KindFiles(flat(`consul/${flavourName}/${kind}/`), suffix, files, render, start, end);
      for (let i = start; i < end; i++) out[at++] = new EntryArtifact(run, i);
      // Runs come in `<kind>/` order, so paths of different kinds are in order; within a run the names are in
      // `<name>.` order, which is their files' order but where one `<name>.` is a prefix of another (`files.dotted`:
      // two names that first differ at a character of the shorter one, or where the longer one has something else
      // than `.` after the shorter one, compare the same way followed by any `.<ext>`): then one pass to check.
      if (files.dotted) {
        for (let i = start + 1; i < end && sorted; i++) {
          if (byNameSuffix(names[i - 1]!, names[i]!, suffix) > 0) sorted = false;
        }
      }
    }
    start = end;
  }
  if (!sorted) {
    const mine = out.slice(from, at).sort(byPath);
    for (let i = 0; i < mine.length; i++) out[from + i] = mine[i]!;
  }
  return at;
}

/**
 * The artifacts of each flavour in turn (see `entryFiles`), in one array: `new Array(n)` filled in order, so dense (no
 * hole is left).
 */
export function flavourFiles(flavours: readonly Flavour[], files: EntryFiles): Artifact[] {
  let n = 0;
  for (const f of flavours) n += fileCount(files, f.keep);
  const out: Artifact[] = new Array(n);
  let at = 0;
  for (const f of flavours) at = entryFiles(f, files, out, at);
  return out;
}

/** Sorts artifacts by path (emit order never depends on input order). */
export function byPath<T extends { readonly path: string }>(a: T, b: T): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
