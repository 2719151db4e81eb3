/**
 * Random config entries shaped by Consul's schemas, with noise, for the differential tests of the entry writers: each
 * field of a kind's struct set or not, values of the field's type or something else (wrong types, `undefined`,
 * `null`, fractions), unknown keys, keys whose json tags collide (`Type`/`type`), fields the CRDs have no place for,
 * own `__proto__` keys, and strings js-yaml quotes or writes itself.
 */
import fc from 'fast-check';
import { ENTRY_SCHEMAS, type FieldType } from '../../src/input/entries/schema.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';

/** An entry of one of `kinds` (a kind without a schema gets random fields). */
export function schemaShapedEntry(kinds: readonly string[]): fc.Arbitrary<ConfigEntry> {
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
  return fc
    .constantFrom(...kinds)
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
        body: ENTRY_SCHEMAS[kind] ? typedValue(ENTRY_SCHEMAS[kind], 0) : fc.dictionary(text, noise, { maxKeys: 4 }),
      }),
    )
    .map(({ kind, name, meta, body }) => {
      const e: Record<string, unknown> = { ...(body as object), Kind: kind, Name: name };
      if (meta !== undefined) e.Meta = meta;
      return e as unknown as ConfigEntry;
    });
}
