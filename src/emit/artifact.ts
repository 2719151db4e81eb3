/**
 * Artifacts: the files meshcc writes, as `{ path, content }`. Emitters return them; only `emit/write.ts` touches disk.
 */
import { createHash } from 'node:crypto';
import { flat } from '../model/flat-string.ts';

export interface Artifact {
  /** Relative POSIX path inside the output directory, e.g. `consul/api/service-resolver/currency.json`. */
  readonly path: string;
  readonly content: string;
}

/**
 * Deterministic JSON: object keys sorted (code-point order), 2-space indent, trailing newline. Byte-for-byte what
 * `JSON.stringify(sortKeys(value), null, 2)` prints, written directly (no sorted copy of the value is made).
 */
export function stableJson(value: unknown): string {
  return flat(`${jsonText(value, '\n')}\n`);
}

/** Canonical array index (`0`, `17`, not `017`): such keys are enumerated first, in numeric order, by every object. */
function isArrayIndex(k: string): boolean {
  return /^(?:0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;
}

/**
 * Own keys in the order `sortKeys` leaves them: array-index keys first in numeric order (`Object.keys` already lists
 * them so), then the other keys sorted.
 */
export function sortedOwnKeys(o: object): string[] {
  const keys = Object.keys(o);
  const first = keys[0]?.charCodeAt(0) ?? 0;
  if (first < 0x30 || first > 0x39) return keys.sort();
  let indices = 0;
  while (indices < keys.length && isArrayIndex(keys[indices]!)) indices++;
  return indices === 0 ? keys.sort() : [...keys.slice(0, indices), ...keys.slice(indices).sort()];
}

/** `JSON.stringify(sortKeys(v), null, 2)` at the indentation `nl` (a newline and the current indent). */
function jsonText(v: unknown, nl: string): string | undefined {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = `${nl}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < v.length; i++) out += `${i === 0 ? '' : ','}${inner}${jsonText(v[i], inner) ?? 'null'}`;
    return `${out}${nl}]`;
  }
  let out = '';
  for (const k of sortedOwnKeys(v)) {
    // `sortKeys` assigns `out[k]`, which for `__proto__` sets the copy's prototype: the key is never printed.
    if (k === '__proto__') continue;
    const text = jsonText((v as Record<string, unknown>)[k], inner);
    if (text === undefined) continue;
    out += `${out === '' ? '{' : ','}${inner}${JSON.stringify(k)}: ${text}`;
  }
  return out === '' ? '{}' : `${out}${nl}}`;
}

/** Returns a copy of `value` with object keys sorted recursively; drops `undefined` fields. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The manifest: every artifact path with its sha256, sorted by path. */
export function manifest(artifacts: readonly Artifact[]): Artifact {
  const files = [...artifacts]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((a) => ({ path: a.path, sha256: sha256(a.content), bytes: Buffer.byteLength(a.content) }));
  return { path: 'manifest.json', content: stableJson({ generator: 'meshcc', files }) };
}
