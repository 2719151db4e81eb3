/**
 * The text of a value printed last in one place, kept when the same value comes again. Config entries of one kind repeat
 * whole subtrees from one entry to the next (the L7 bench mesh: every splitter's `Splits`, every resolver's `Subsets`,
 * most of every router's `Routes`), and the writers print entries kind by kind: a place (a field of one object shape at
 * one depth, say) mostly sees the value it saw last. A kept text is one flat piece of the file's text instead of a
 * walk of the value and a rope of its pieces (fewer rope cells to allocate and to copy when the file is flattened).
 *
 * Exact, whatever the caller does with its data: what is kept is a copy of the value (plain data only) and the text
 * printed from that copy, and the text is reused only for a value equal to the copy (`sameData`): same key sets, the
 * same primitives (numbers by `Object.is`: `-0` is not `0`), arrays of the same length with holes at the same places.
 * A writer's text is a pure function of such data and of the place (its depth, its schema type, which the caller keys
 * the place by or checks with `arg`), so the reused text is the one the writer would print. Nothing here reads the
 * text, and a value that is not plain data (a class instance, a `__proto__` key) is never kept.
 *
 * Copying costs: a value is kept only when it comes twice in a row (compared with the previous value by reference to
 * it, which only decides whether to copy); a place whose values always differ pays one comparison that stops at the
 * first difference.
 */
import { flat } from '../model/flat-string.ts';
import { recordMaker } from '../model/keyed-record.ts';
import { forInListsOwnKeys } from './key-order.ts';

/**
 * A kept text: the value it was printed from (a copy), written as a tape (see `tape`), the caller's `arg`, the writer's
 * note.
 */
interface Kept {
  readonly tape: readonly unknown[];
  readonly arg: unknown;
  readonly text: string;
  readonly note: number;
}

/** Comparisons to skip after `GIVE_UP` values in a row that repeated neither of the two before them. */
const GIVE_UP = 4;
const SKIP = 256;

/**
 * The texts of the last two values kept in one place (two: places where two values alternate, the two routes of a
 * router: their `Destination`s and `Match`es are printed by one plan), and the two values printed there last.
 */
export class LastValue {
  private a: Kept | undefined = undefined;
  private b: Kept | undefined = undefined;
  /** The values printed here last (only to notice a repeat; never the source of a kept text). */
  private last1: unknown = undefined;
  private last2: unknown = undefined;
  /** Values left to skip (see `tries`), and values in a row that repeated nothing. */
  private skip = 0;
  private misses = 0;
  /** The kept text `has` found (flat), and the writer's note about it (how it ends, whether it is block text). */
  text = '';
  note = 0;

  /**
   * Whether to look here at all: a place whose values keep differing (an intention's sources, a router's routes) stops
   * comparing for a while. Only a matter of time: a value not looked up is printed as it is.
   */
  tries(): boolean {
    // `onTape` lists keys by `for...in`: own keys only inside the writers' runs (see `forInListsOwnKeys`).
    if (!forInListsOwnKeys()) return false;
    if (this.skip === 0) return true;
    this.skip--;
    return false;
  }

  /** Whether `v` (printed with `arg`) has a kept text; then read `text` and `note`. */
  has(v: unknown, arg: unknown): boolean {
    const a = this.a;
    if (a !== undefined && a.arg === arg && onTape(v, a.tape)) {
      this.text = a.text;
      this.note = a.note;
      return true;
    }
    const b = this.b;
    if (b !== undefined && b.arg === arg && onTape(v, b.tape)) {
      this.b = a;
      this.a = b;
      this.text = b.text;
      this.note = b.note;
      return true;
    }
    return false;
  }

  /**
   * What to print for `v`, which `has` did not find: a copy of `v` to print and then `keep`, when `v` repeats one of the
   * two values printed here last; otherwise `undefined` (print `v` itself, and keep nothing).
   */
  repeat(v: unknown): unknown {
    const l1 = this.last1;
    const l2 = this.last2;
    this.last2 = l1;
    this.last1 = v;
    if (!(l1 !== undefined && sameData(v, l1)) && !(l2 !== undefined && sameData(v, l2))) {
      if (++this.misses >= GIVE_UP) {
        this.misses = 0;
        this.skip = SKIP;
      }
      return undefined;
    }
    this.misses = 0;
    const copy = copyData(v);
    if (copy !== undefined) this.last1 = copy;
    return copy;
  }

  /** Keeps `text`, printed with `arg` from the copy `repeat` returned, and its note. Returns the kept text. */
  keep(copy: unknown, arg: unknown, text: string, note: number): string {
    const kept = { tape: tape(copy), arg, text: flat(text), note };
    this.b = this.a;
    this.a = kept;
    return kept.text;
  }
}

/** A plain object: what `copyData` copies and `sameData` compares key by key. */
function isPlain(o: object): boolean {
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
}

/**
 * Whether `a` and `b` are the same data: primitives equal (numbers by `Object.is`), arrays (of `Array.prototype`) of
 * equal length with equal items and holes at the same places, plain objects with the same own enumerable keys (as
 * `for...in` lists them) and equal values. Anything else is not the same data.
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null) return typeof a === 'number' ? Object.is(a, b) : a === b;
  if (typeof b !== 'object' || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return false;
    const n = a.length;
    if (b.length !== n || Object.getPrototypeOf(a) !== Array.prototype) return false;
    for (let i = 0; i < n; i++) {
      const x = a[i];
      if (!sameData(x, b[i])) return false;
      if (x === undefined && i in a !== i in b) return false;
    }
    return Object.getPrototypeOf(b) === Array.prototype;
  }
  if (Array.isArray(b) || !isPlain(a) || !isPlain(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let n = 0;
  for (const k in ra) {
    if (!Object.hasOwn(ra, k) || !Object.hasOwn(rb, k) || !sameData(ra[k], rb[k])) return false;
    n++;
  }
  for (const _ in rb) n--;
  return n === 0;
}

/**
 * A copy of plain data (`sameData` of the two is true), or `undefined` when `v` is not plain data, has a `__proto__`
 * key or a list with a hole. Objects are copied with their keys in `for...in` order.
 */
export function copyData(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return undefined;
    const n = v.length;
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      // A hole prints unlike `undefined` in places (HCL leaves it out): not kept.
      if (!(i in v)) return undefined;
      const x = v[i];
      const c = copyData(x);
      if (c === undefined && x !== undefined) return undefined;
      out[i] = c;
    }
    return out;
  }
  if (!isPlain(v)) return undefined;
  const o = v as Record<string, unknown>;
  const out = record<unknown>();
  for (const k in o) {
    if (k === '__proto__' || !Object.hasOwn(o, k)) return undefined;
    const x = o[k];
    const c = copyData(x);
    if (c === undefined && x !== undefined) return undefined;
    out[k] = c;
  }
  return out;
}

/** The copies hold data keys (map keys: subset names, header names): see `recordMaker`. */
const record = recordMaker();

/** Tape marks: an object's start and end, a list's start (its length follows). Never data: no copy holds them. */
const OBJECT: unknown = Object.freeze({ mark: 'object' });
const END: unknown = Object.freeze({ mark: 'end' });
const LIST: unknown = Object.freeze({ mark: 'list' });

/**
 * A copy (`copyData`: plain data, lists without holes) written in pre-order: a primitive as itself; an object as
 * `OBJECT`, each key (in `for...in` order) followed by its value, `END`; a list as `LIST`, its length, its items.
 * `onTape` reads a value against it in one pass: no key lookups in the copy, no count of its keys.
 */
function tape(copy: unknown, out: unknown[] = []): unknown[] {
  if (typeof copy !== 'object' || copy === null) {
    out.push(copy);
  } else if (Array.isArray(copy)) {
    out.push(LIST, copy.length);
    for (let i = 0; i < copy.length; i++) tape(copy[i], out);
  } else {
    out.push(OBJECT);
    const o = copy as Record<string, unknown>;
    for (const k in o) {
      out.push(k);
      tape(o[k], out);
    }
    out.push(END);
  }
  return out;
}

/** Where `onTape` reads. */
let at = 0;
let reading: readonly unknown[] = [];

/**
 * Whether `v` is the data written on `t` (`sameData` of `v` and the copy, where `v`'s plain objects list their own
 * keys only by `for...in`, see `LastValue.tries`): the same keys in the same order (a reordered object is only a miss).
 */
function onTape(v: unknown, t: readonly unknown[]): boolean {
  at = 0;
  reading = t;
  return matches(v);
}

function matches(v: unknown): boolean {
  const t = reading[at++];
  if (typeof v !== 'object' || v === null) return typeof v === 'number' ? Object.is(v, t) : v === t;
  if (t === OBJECT) {
    if (Array.isArray(v) || !isPlain(v)) return false;
    const o = v as Record<string, unknown>;
    for (const k in o) {
      if (reading[at++] !== k) return false;
      const x = o[k];
      if (typeof x === 'object' && x !== null) {
        if (!matches(x)) return false;
        continue;
      }
      // A primitive inline (most values): equal, and `-0` apart from `0`; NaN equals NaN.
      const y = reading[at++];
      if (x === y ? x === 0 && 1 / (x as number) !== 1 / (y as number) : !(Number.isNaN(x) && Number.isNaN(y)))
        return false;
    }
    return reading[at++] === END;
  }
  if (t === LIST) {
    const n = reading[at++];
    if (!Array.isArray(v) || v.length !== n || Object.getPrototypeOf(v) !== Array.prototype) return false;
    for (let i = 0; i < n; i++) {
      const x = v[i];
      if (x === undefined && !(i in v)) return false;
      if (!matches(x)) return false;
    }
    return true;
  }
  return false;
}
