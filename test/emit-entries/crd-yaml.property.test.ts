/**
 * The direct CRD writer (`entryCrdText`) prints exactly what the reference path prints, `crdYaml(entryToCrd(entry))`:
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
import { isKubeName, KUBE_NAME } from '../../src/emit/consul-entries/crd-mapping.ts';
import { entryCrdText } from '../../src/emit/consul-entries/crd-yaml.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { allEnvironmentCompilations } from '../emit/environments.ts';
import { fullEntries, KEPT_KIND_ENTRIES, PASS_THROUGH_ENTRIES } from '../helm/crd-examples.ts';
import { FIXTURE_ENTRIES } from './fixtures.ts';
import { schemaShapedEntry } from './schema-shaped-entry.ts';

/** What the direct writer prints for `entry`, or undefined when it leaves the entry to the reference path. */
function direct(entry: ConfigEntry): string | undefined {
  return entryCrdText(entry);
}

function reference(entry: ConfigEntry): string | undefined {
  try {
    return crdYaml(entryToCrd(entry));
  } catch {
    return undefined;
  }
}

const KINDS = Object.keys(CRD_KINDS);

describe('isKubeName', () => {
  it('says what the DNS-1123 pattern and the length limit say', () => {
    const unit = fc.constantFrom('a', 'z', '0', '9', '.', '-', 'A', '_', '*', ' ', 'é');
    const name = fc.oneof(
      fc.array(unit, { maxLength: 6 }).map((u) => u.join('')),
      fc.integer({ min: 250, max: 256 }).map((n) => 'a'.repeat(n)),
    );
    fc.assert(
      fc.property(name, (s) => isKubeName(s) === (s.length <= 253 && KUBE_NAME.test(s))),
      { numRuns: 5000 },
    );
  });
});

describe('entryCrdText', () => {
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
    const entry = schemaShapedEntry(KINDS);
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
