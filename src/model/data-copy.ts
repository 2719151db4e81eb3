/**
 * `{ ...source, [key]: value }` for plain data objects, without the hidden-class cost of that spread in V8 (Node 20):
 * an object made by a spread and then given a property it did not have gets a hidden class (map) of its own, one per
 * object (measured: 10,000 objects, 10,000 maps, where a literal or this copy gives one per key set). Thousands of
 * objects with thousands of maps make every later property read a megamorphic lookup, and each map is memory the GC
 * walks. Config entries and declarations are copied once per compile, tens of thousands of them.
 *
 * Same result as the spread for plain data: the source's own enumerable string keys in their order (integer-like keys
 * first, as for any object), then `key` — set in place when the source has it (the spread overwrites the value and
 * keeps the position), appended otherwise. A `__proto__` own key (JSON can carry one) is copied as a data property, as
 * the spread copies it, never as the prototype. Symbol keys are not copied: the model's data has none (entries and
 * declarations come from JSON, YAML, HCL and construct props, all string-keyed).
 */
export function copyWith<T extends object, K extends PropertyKey, V>(source: T, key: K, value: V): T {
  const copy: Record<string, unknown> = {};
  for (const k in source) {
    if (!Object.hasOwn(source, k)) continue;
    const v = (source as Record<string, unknown>)[k];
    if (k === '__proto__')
      Object.defineProperty(copy, k, { value: v, writable: true, enumerable: true, configurable: true });
    else copy[k] = v;
  }
  if (key === '__proto__') {
    Object.defineProperty(copy, key, { value, writable: true, enumerable: true, configurable: true });
  } else copy[key as string] = value;
  return copy as T;
}
