/**
 * Sorted key lists remembered per object shape. The entry writers print every object with its keys sorted; config
 * entries are built from a few shapes (an intention source is always `Name`, `Action`; a `Meta` always the same two
 * keys), so sorting each object anew sorts the same few lists over and over. `KeyOrder` walks the keys of an object,
 * in the order the object lists them, down a tree of the key lists seen so far, and keeps the sorted list at the end.
 * Bounded: past `LIMIT` remembered keys the tree starts over (maps keyed by user data, e.g. `Meta`, are many shapes).
 *
 * What is kept per key list is the sorted list by default, or any plan a writer derives from the key list once (`T`).
 */

interface Node<T> {
  next: Map<string, Node<T>> | undefined;
  /** What `order` made of the key list that ends here. */
  sorted: T | undefined;
}

const LIMIT = 16_384;

export class KeyOrder<T = readonly string[]> {
  private root: Node<T> = { next: undefined, sorted: undefined };
  private size = 0;

  /**
   * `order` sorts a fresh array of keys (it may sort in place) or makes a plan of it; its result is kept and shared,
   * so never modified.
   */
  constructor(private readonly order: (keys: string[]) => T) {}

  /** The keys of `keys`' object in this order. `keys` is `Object.keys` of the object (left untouched). */
  of(keys: readonly string[]): T {
    let node = this.root;
    for (const k of keys) {
      let next = node.next?.get(k);
      if (next === undefined) {
        if (this.size >= LIMIT) {
          this.root = { next: undefined, sorted: undefined };
          this.size = 0;
          return this.order([...keys]);
        }
        next = { next: undefined, sorted: undefined };
        node.next ??= new Map();
        node.next.set(k, next);
        this.size++;
      }
      node = next;
    }
    node.sorted ??= this.order([...keys]);
    return node.sorted;
  }
}

/** Code-unit order (`Array.prototype.sort` without a comparator). */
export function byCodeUnits(keys: string[]): readonly string[] {
  return keys.sort();
}
