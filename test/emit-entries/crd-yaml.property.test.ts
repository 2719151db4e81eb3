/**
 * The direct CRD writer (`writeEntryCrd`) prints exactly what the reference path prints, `crdYaml(entryToCrd(entry))`:
 * for every entry of the fixtures, the full-field entries of every CRD kind, the example environments and generated
 * meshes (whose entries it must all take itself), and for random entries built from each kind's schema with
 * noise (wrong types, unknown and case-colliding keys, fields the CRDs have no place for, `undefined`, `__proto__`,
 * strings js-yaml quotes or writes itself), where it either prints the same bytes or leaves the entry to the reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateMesh } from '../../bench/generate-mesh.ts';
import { compile } from '../../src/compiler/compile.ts';
import { CRD_KINDS, crdYaml, entryToCrd } from '../../src/emit/consul-entries/crd.ts';
import { writeEntryCrd } from '../../src/emit/consul-entries/crd-yaml.ts';
import { TextChunks } from '../../src/emit/text-chunks.ts';
import { ENTRY_SCHEMAS, type FieldType } from '../../src/input/entries/schema.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { allEnvironmentCompilations } from '../emit/environments.ts';
import { fullEntries, KEPT_KIND_ENTRIES, PASS_THROUGH_ENTRIES } from '../helm/crd-examples.ts';
import { FIXTURE_ENTRIES } from './fixtures.ts';

/** What the direct writer prints for `entry`, or undefined when it leaves the entry to the reference path. */
function direct(entry: ConfigEntry): string | undefined {
  const out = new TextChunks();
  out.push('before|');
  out.end();
  const took = writeEntryCrd(out, entry);
  out.end();
  const [before, text] = out.finish();
  // Whatever it does, it leaves the texts written before it alone.
  expect(before).toBe('before|');
  if (!took) {
    expect(text).toBe('');
    return undefined;
  }
  return text;
}

function reference(entry: ConfigEntry): string | undefined {
  try {
    return crdYaml(entryToCrd(entry));
  } catch {
    return undefined;
  }
}

const KINDS = Object.keys(CRD_KINDS);

describe('writeEntryCrd', () => {
  it('prints what the reference path prints for every realistic entry, and takes all of a generated mesh', async () => {
    const mesh = [...compile(generateMesh(60, 5, { l7: true })).entries, ...compile(generateMesh(60, 5)).entries];
    const sets: ConfigEntry[] = [
      ...FIXTURE_ENTRIES,
      ...PASS_THROUGH_ENTRIES,
      ...KEPT_KIND_ENTRIES,
      ...fullEntries(KINDS),
    ];
    for (const [, c] of await allEnvironmentCompilations()) sets.push(...c.entries);
    const withCrd = (es: readonly ConfigEntry[]) => es.filter((e) => Object.hasOwn(CRD_KINDS, e.Kind));
    let took = 0;
    for (const e of withCrd(sets)) {
      const mine = direct(e);
      // Left to the reference path: something outside the direct YAML subset (e.g. a fractional split weight).
      if (mine === undefined) continue;
      took++;
      expect(mine, `${e.Kind}/${e.Name}`).toBe(crdYaml(entryToCrd(e)));
    }
    expect(took).toBeGreaterThan(withCrd(sets).length * 0.9);
    for (const e of withCrd(mesh)) expect(direct(e), `${e.Kind}/${e.Name}`).toBe(crdYaml(entryToCrd(e)));
  });

  it('prints the same bytes as the reference path for random entries, or leaves them to it', () => {
    const tricky = fc.constantFrom(
      '',
      '*',
      'true',
      'yes',
      '~',
      '12',
      '1.5',
      '2001-12-14',
      'a: b',
      '#a',
      '-a',
      'a"b',
      '__proto__',
    );
    const text = fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme-ascii', maxLength: 6 }), tricky);
    const noise = fc.oneof(
      text,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.double(),
      fc.array(text, { maxLength: 2 }),
      fc.dictionary(text, text, { maxKeys: 2 }),
    );
    /** A value of schema type `t`, sometimes something else. */
    const typedValue = (t: FieldType, depth: number): fc.Arbitrary<unknown> => {
      const typed = ((): fc.Arbitrary<unknown> => {
        switch (t.k) {
          case 'string':
          case 'duration':
          case 'time':
            return text;
          case 'int':
            return t.go === 'uint8' ? fc.integer({ min: 0, max: 255 }) : fc.integer();
          case 'float':
            return fc.double();
          case 'bool':
            return fc.boolean();
          case 'any':
            return noise;
          case 'map':
            return depth > 3 ? fc.constant({}) : fc.dictionary(text, typedValue(t.value, depth + 1), { maxKeys: 3 });
          case 'list':
            return depth > 3 ? fc.constant([]) : fc.array(typedValue(t.item, depth + 1), { maxLength: 3 });
          case 'struct': {
            if (depth > 3) return fc.constant({});
            const fields = Object.entries(t.fields).map(([k, f]) => [k, typedValue(f.type, depth + 1)] as const);
            return fc
              .tuple(
                fc.subarray(fields, { maxLength: Math.min(5, fields.length) }),
                fc.array(fc.tuple(fc.constantFrom('Type', 'type', 'ParsedFromCheck', '__proto__', 'X', 'x'), noise), {
                  maxLength: 1,
                }),
              )
              .chain(([chosen, extra]) =>
                fc.tuple(...chosen.map(([k, a]) => a.map((v) => [k, v] as const))).map((pairs) => {
                  const o: Record<string, unknown> = {};
                  for (const [k, v] of [...pairs, ...extra])
                    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
                  return o;
                }),
              );
          }
        }
      })();
      return fc.oneof({ weight: 9, arbitrary: typed }, { weight: 1, arbitrary: noise });
    };
    const entry = fc
      .constantFrom(...KINDS)
      .chain((kind) =>
        fc.record({
          kind: fc.constant(kind),
          name: fc.oneof(text, fc.constantFrom('svc-00001', 'Web.API', '*')),
          meta: fc.option(
            fc.dictionary(
              fc.oneof(text, fc.constantFrom('managed-by', 'meshcc-environment', 'team')),
              fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: noise }),
              { maxKeys: 3 },
            ),
            { nil: undefined },
          ),
          body: typedValue(ENTRY_SCHEMAS[kind]!, 0),
        }),
      )
      .map(({ kind, name, meta, body }) => {
        const e: Record<string, unknown> = { ...(body as object), Kind: kind, Name: name };
        if (meta !== undefined) e.Meta = meta;
        return e as unknown as ConfigEntry;
      });
    let took = 0;
    fc.assert(
      fc.property(entry, (e) => {
        const mine = direct(e);
        if (mine === undefined) return;
        took++;
        expect(mine).toBe(reference(e));
      }),
      { numRuns: 3000 },
    );
    // Most random entries stay inside the direct writer's subset: the comparison is not vacuous.
    expect(took).toBeGreaterThan(1000);
  });
});
