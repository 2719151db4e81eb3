/**
 * `perObject(build)`: `build` remembered per argument object, in a `WeakMap` (the answer goes when the object goes).
 * For pure functions of read-only data (a config entry, a resolver subset) whose answer is shared by every reader: the
 * same object comes back for the same argument, in one `compile()` or across compiles of the same entries.
 */
export function perObject<K extends object, V>(build: (key: K) => V): (key: K) => V {
  const known = new WeakMap<K, V>();
  return (key) => {
    let v = known.get(key);
    if (v === undefined) {
      v = build(key);
      known.set(key, v);
    }
    return v;
  };
}
