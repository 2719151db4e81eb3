/**
 * The entry writers keep state between files to print faster: per field the last lines printed (HCL), per place the
 * key list met last (`KeyOrder.ofObject` hints), per slot the last frozen object's text, the YAML block marker. None
 * of it may change a file's text: an entry's API JSON, HCL and CRD texts must not depend on which entries were printed
 * before it. Each sequence is printed forward by one instance of the writers and backward by a freshly imported one
 * (empty memories), file by file through the artifacts (as the writer reads them, keys listed by `for...in`).
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { generateMesh } from '../../bench/generate-mesh.ts';
import { compile } from '../../src/compiler/compile.ts';
import { ENTRY_SCHEMAS } from '../../src/input/entries/schema.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { schemaShapedEntry } from './schema-shaped-entry.ts';

type Writers = {
  api: (es: ConfigEntry[]) => { content: string }[];
  hcl: (es: ConfigEntry[]) => { content: string }[];
  crd: (es: ConfigEntry[]) => { content: string }[];
};

async function freshWriters(): Promise<Writers> {
  vi.resetModules();
  const api = await import('../../src/emit/consul-entries/api-json.ts');
  const hcl = await import('../../src/emit/consul-entries/hcl.ts');
  const crd = await import('../../src/emit/consul-entries/crd.ts');
  return { api: api.emitApiJson, hcl: hcl.emitHcl, crd: crd.emitCrds };
}

/** Each entry's three texts (or the error it throws), printed one file at a time in the order given. */
function texts(w: Writers, entries: readonly ConfigEntry[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    for (const f of [w.api, w.hcl, w.crd]) {
      try {
        out.push(
          f([e])
            .map((a) => a.content)
            .join('\u0000'),
        );
      } catch (err) {
        out.push(`threw ${(err as Error).message}`);
      }
    }
  }
  return out;
}

function reversedTexts(w: Writers, entries: readonly ConfigEntry[]): string[] {
  const out: string[][] = [];
  for (let i = entries.length - 1; i >= 0; i--) out.push(texts(w, [entries[i]!]));
  return out.reverse().flat();
}

/** Entries of one kind whose fields take values that the HCL line memory must tell apart. */
function alternating(): ConfigEntry[] {
  const values: unknown[] = ['v1', 'v2', 'v1', 'v3', 'v2', 0, -0, Number.NaN, '0', false, 'false', true, 1, '1', 'v1'];
  return values.map(
    (v, i) =>
      ({
        Kind: 'service-splitter',
        Name: `s${i % 3}`,
        Splits: [
          { Weight: typeof v === 'number' ? v : 50, ServiceSubset: v, Service: v },
          { Weight: 50, ServiceSubset: values[(i + 1) % values.length], Namespace: v },
        ],
        Meta: { a: v, b: 'x' },
      }) as unknown as ConfigEntry,
  );
}

describe('entry writers keep no state that shows in a text', () => {
  it('prints generated meshes and alternating values the same in any order', async () => {
    const a = await freshWriters();
    const b = await freshWriters();
    const entries = [
      ...compile(generateMesh(40, 5, { l7: true })).entries,
      ...alternating(),
      ...compile(generateMesh(40, 5)).entries,
    ];
    expect(texts(a, entries)).toEqual(reversedTexts(b, entries));
  });

  it('prints random schema-shaped entries the same in any order', async () => {
    const a = await freshWriters();
    const b = await freshWriters();
    const entry = schemaShapedEntry(Object.keys(ENTRY_SCHEMAS));
    fc.assert(
      fc.property(fc.array(entry, { minLength: 2, maxLength: 10 }), (entries) => {
        expect(texts(a, entries)).toEqual(reversedTexts(b, entries));
      }),
      { numRuns: 300 },
    );
  });
});
