/**
 * Sorted key lists remembered per object shape. The entry writers print every object with its keys sorted; config
 * entries are built from a few shapes (an intention source is always `Name`, `Action`; a `Meta` always the same two
 * keys), so sorting each object anew sorts the same few lists over and over. `KeyOrder` finds an object's key list
 * (as the object lists them) among those seen before and keeps the sorted list for each. Bounded: past `LIMIT`
 * remembered lists it starts over (maps keyed by user data, e.g. `Meta`, are many shapes).
 *
 * What is kept per key list is the sorted list by default, or any plan a writer derives from the key list once (`T`).
 */

interface Known<T> {
  readonly keys: readonly string[];
  readonly result: T;
}

/** Key lists remembered in all; past it the memory starts over. */
const LIMIT = 4096;
/** Key lists remembered per first key; past it a new list is ordered each time it is seen, not remembered. */
const BUCKET = 32;

export class KeyOrder<T = readonly string[]> {
  /**
   * Remembered key lists by their first key. An object's list is found with one `Map` lookup and a comparison of its
   * keys one by one (property names are internalized strings: mostly a pointer comparison each), rather than one
   * lookup per key down a tree of lists.
   */
  private byFirst = new Map<string, Known<T>[]>();
  private empty: T | undefined;
  private size = 0;
  /** Per slot, the list `ofObject` found last there (see `ofObject`). */
  private hints: (Known<T> | undefined)[] = [];

  /**
   * `order` sorts a fresh array of keys (it may sort in place) or makes a plan of it; its result is kept and shared,
   * so never modified.
   */
  constructor(private readonly order: (keys: string[]) => T) {}

  /**
   * What `of(Object.keys(o))` returns, without allocating the key list when inherited keys are known to be absent
   * (see `withOwnKeysByForIn`): `for...in` walks a plain object's own enumerable keys in `Object.keys` order (V8 reads
   * them from the hidden class's enumeration cache), plus enumerable keys of its prototypes, which plain data objects
   * (prototype `Object.prototype` or null) do not have while `Object.prototype` has none. Object.keys allocated
   * ≈35 MB per L7 emit (one array per object per format).
   */
  ofObject(o: object, slot = 0): T {
    if (!forIn) return this.of(Object.keys(o));
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null) return this.of(Object.keys(o));
    const keys = scratch;
    // The list found last in `slot` (a caller's depth, say): objects met one after another in one place mostly share
    // their key list, which is then recognized while it is listed, without the lookup.
    const hint = this.hints[slot];
    const known = hint === undefined ? NO_KEYS : hint.keys;
    let same = true;
    let n = 0;
    for (const k in o) {
      if (same && (n >= known.length || known[n] !== k)) same = false;
      keys[n++] = k;
    }
    if (same && n === known.length && hint !== undefined) return hint.result;
    // The first `n` keys are this object's; the scratch list is not shortened (setting `length` is a runtime call).
    const found = this.find(keys, n);
    if (found !== undefined) {
      this.hints[slot] = found;
      return found.result;
    }
    return this.of(keys, n);
  }

  /**
   * The keys of `keys`' object in this order. `keys` is `Object.keys` of the object, or its first `n` entries are
   * (left untouched).
   */
  of(keys: readonly string[], n = keys.length): T {
    if (n === 0) {
      this.empty ??= this.order([]);
      return this.empty;
    }
    const known = this.find(keys, n);
    if (known !== undefined) return known.result;
    let bucket = this.byFirst.get(keys[0]!);
    if (bucket !== undefined && bucket.length >= BUCKET) return this.order(keys.slice(0, n));
    if (this.size >= LIMIT) {
      this.byFirst = new Map();
      this.hints = [];
      this.size = 0;
      bucket = undefined;
    }
    if (bucket === undefined) {
      bucket = [];
      this.byFirst.set(keys[0]!, bucket);
    }
    // The list is copied: `keys` belongs to the caller, and `order` may sort what it is given.
    const result = this.order(keys.slice(0, n));
    bucket.push({ keys: keys.slice(0, n), result });
    this.size++;
    return result;
  }

  /** The remembered list equal to the first `n` of `keys` (n > 0), if any. */
  private find(keys: readonly string[], n: number): Known<T> | undefined {
    if (n === 0) return undefined;
    const bucket = this.byFirst.get(keys[0]!);
    if (bucket === undefined) return undefined;
    for (let b = 0; b < bucket.length; b++) {
      const known = bucket[b]!;
      const k = known.keys;
      if (k.length !== n) continue;
      let i = 1;
      while (i < n && k[i] === keys[i]) i++;
      if (i === n) return known;
    }
    return undefined;
  }
}

const NO_KEYS: readonly string[] = [];

/** Code-unit order (`Array.prototype.sort` without a comparator). */
export function byCodeUnits(keys: string[]): readonly string[] {
  return keys.sort();
}

/** The key list `ofObject` fills (`of` never keeps it: it copies what it remembers). */
const scratch: string[] = [];

/** Whether `ofObject` may list keys with `for...in` (see `withOwnKeysByForIn`). */
let forIn = false;

/**
 * Whether `for...in` over a plain object (prototype `Object.prototype` or null) lists its own keys only: inside a
 * `withOwnKeysByForIn` run, which checked that `Object.prototype` has no enumerable key.
 */
export function forInListsOwnKeys(): boolean {
  return forIn;
}

/**
 * Runs `f` (on `input`, when given: a writer's render function needs no closure per file) with `ofObject` listing plain objects' keys by `for...in` when `Object.prototype` has no enumerable key
 * (checked once here: the writers run no code that adds one). Outside such a run `ofObject` uses `Object.keys`.
 */
export function withOwnKeysByForIn<R, T = undefined>(f: (input: T) => R, input?: T): R {
  if (forIn) return f(input as T);
  let inherited = false;
  for (const _ in Object.prototype) inherited = true;
  forIn = !inherited;
  try {
    return f(input as T);
  } finally {
    forIn = false;
  }
}
