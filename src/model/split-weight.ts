/**
 * Splitter weights as Consul computes them: `float32` values (`structs.ServiceSplit.Weight`), scaled to hundredths of a
 * percent with Go's `math.Round` (`scaleWeight`), normalised to two decimals on write (`NormalizeServiceSplitWeight`),
 * and printed by `encoding/json` with the shortest decimal that reads back as the same `float32`.
 */

const f32 = Math.fround;

/** Go's `math.Round`: half away from zero (JS `Math.round` rounds half towards +∞). */
export function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** A JSON number read into a Go `float32`. */
export function toFloat32(weight: number): number {
  return f32(weight);
}

/** `scaleWeight`: a weight in 0.01 % units, `int(math.Round(float64(v * 100.0)))` with a float32 product. */
export function scaleWeight(weight: number): number {
  return goRound(f32(f32(weight) * 100));
}

/** `NormalizeServiceSplitWeight`: `float32(scaleWeight(w)) / 100` (float32 division). */
export function normalizeSplitWeight(weight: number): number {
  return f32(f32(scaleWeight(weight)) / 100);
}

/** The effective weight of an inner split under an outer one (`split.Weight * inner.Weight / 100`, float32). */
export function nestedSplitWeight(outer: number, inner: number): number {
  return normalizeSplitWeight(f32(f32(f32(outer) * f32(inner)) / 100));
}

/**
 * The number a float32 prints as in Consul's JSON (`strconv.FormatFloat(f, 'f', -1, 32)`): the shortest decimal that
 * reads back as the same float32, as a JS number (so `JSON.stringify` writes the same digits).
 */
export function float32Json(v: number): number {
  const x = f32(v);
  if (!Number.isFinite(x) || x === 0) return x;
  // An integer below 2^24 is itself (the usual weight: 90, 10, 50): float32 holds every integer up to there, so any
  // shorter decimal (a different integer, a multiple of a power of ten) reads back as a different float32.
  if (Number.isInteger(x) && x < 16777216 && x > -16777216) return x;
  for (let p = 1; p < 10; p++) {
    const n = Number(x.toPrecision(p));
    if (f32(n) === x) return n;
  }
  return x;
}

/** Go's `%f` of a float32 widened to float64 (six decimals), as in `the sum of all split weights must be 100, not %f`. */
export function goPercentF(v: number): string {
  return f32(v).toFixed(6);
}
