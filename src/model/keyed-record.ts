/**
 * Plain objects (prototype `Object.prototype`, `constructor` `Object`: nothing tells them from `{}`) whose hidden classes
 * grow from a root of their own, for objects keyed by data such as the target IDs keying a compiled chain's `Targets`.
 *
 * V8 gives objects a hidden class per sequence of added keys, linked from the class of `{}`, and stops linking new
 * ones after about 1,500 different first keys. A mesh has tens of thousands of target IDs: keyed off `{}`, they would
 * use up those links for the whole process, and from then on every `{}` given a key not seen before (a writer building
 * an object, anywhere) would get a hidden class of its own, allocated in the old generation, where it stays until the
 * next full collection. Objects made by a `recordMaker()` start from their maker's root instead, so data keys never
 * touch `{}`'s classes, nor those of another maker.
 */

/** A function making empty plain objects from a root hidden class of its own. */
export function recordMaker(): <V>() => Record<string, V> {
  const Root = function PlainRecord() {} as unknown as new () => Record<string, unknown>;
  (Root as unknown as { prototype: object }).prototype = Object.prototype;
  return <V>() => new Root() as Record<string, V>;
}
