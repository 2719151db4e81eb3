/**
 * Artifacts: the files meshcc writes, as `{ path, content }`. Emitters return them; only `emit/write.ts` touches disk.
 */
import { createHash } from 'node:crypto';

export interface Artifact {
  /** Relative POSIX path inside the output directory, e.g. `consul/api/service-resolver/currency.json`. */
  readonly path: string;
  readonly content: string;
}

/** Deterministic JSON: object keys sorted (code-point order), 2-space indent, trailing newline. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
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
