/**
 * A direct block-YAML writer for plain data that prints exactly what js-yaml's
 * `dump(sortKeys(value), { sortKeys: true, noRefs: true, lineWidth: -1, quotingType: '"' })` prints, without building a
 * sorted copy or running js-yaml's general machinery (the CRD emitter writes one document per config entry).
 *
 * It mirrors js-yaml's `writeNode`, `writeBlockMapping`, `writeBlockSequence` and `writeScalar` (`lib/dumper.js`) for
 * the common subset only: plain objects and arrays, integers, booleans, `null`, and strings of printable ASCII. For
 * anything else (multi-line or non-ASCII strings, fractional numbers, class instances, keys longer than js-yaml's
 * implicit-key limit) it returns `undefined`, and the caller falls back to js-yaml for the whole document.
 *
 * Its pieces (`node`, `scalar`, `indent`) are exported for writers that print a document of this subset from data of
 * another shape (the CRD writer prints a resource straight from its config entry).
 */
import yaml from 'js-yaml';
import { byCodeUnits, KeyOrder } from './key-order.ts';
import { TextChunks } from './text-chunks.ts';

/** js-yaml's implicit types of the default schema (null, bool, int, float, timestamp, merge), in resolution order. */
const IMPLICIT_TYPES = (yaml.DEFAULT_SCHEMA as unknown as { readonly compiledImplicit: readonly yaml.Type[] })
  .compiledImplicit;

/** Plain scalars js-yaml quotes for YAML 1.1 readers (its `noCompatMode: false` default). */
const DEPRECATED_BOOLEANS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
for (const s of ['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']) DEPRECATED_BOOLEANS.add(s);
const DEPRECATED_BASE60 = /^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$/;

/** Printable ASCII only: every character is printable for YAML and needs no escape except `"` and `\`. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Characters js-yaml refuses as the first character of a plain scalar (`isPlainSafeFirst`: space and indicators). */
const NOT_PLAIN_FIRST = new Set(' -?:,[]{}#&*!|=>\'"%@`');
/** js-yaml writes keys longer than this as explicit `? key` pairs. */
export const MAX_IMPLICIT_KEY = 1024;

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `isPlainSafe` for printable ASCII in block context: `#` only after a non-space, no `: `. */
function plainSafeBody(s: string): boolean {
  let prev = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x23 && (prev === -1 || prev === 0x20)) return false;
    if (prev === 0x3a && c === 0x20) return false;
    prev = c;
  }
  return true;
}

/** A string js-yaml would read back as another type (`'true'`, `'12'`, `'~'`, `'2001-12-14'`) must be quoted. */
function ambiguous(s: string): boolean {
  for (const t of IMPLICIT_TYPES) if (t.resolve(s)) return true;
  return false;
}

/**
 * `writeScalar` for a string; `undefined` outside printable ASCII. Keys and most values (service names, actions,
 * modes) recur across documents: each distinct string is classified once (bounded, so memory stays flat).
 */
export function scalar(s: string): string | undefined {
  let out = scalars.get(s);
  if (out === undefined) {
    out = writeScalar(s) ?? null;
    if (scalars.size >= 65_536) scalars.clear();
    scalars.set(s, out);
  }
  return out ?? undefined;
}

const scalars = new Map<string, string | null>();

function writeScalar(s: string): string | undefined {
  if (s.length === 0) return '""';
  if (!PRINTABLE_ASCII.test(s)) return undefined;
  if (DEPRECATED_BOOLEANS.has(s) || DEPRECATED_BASE60.test(s)) return `"${s}"`;
  const last = s.charCodeAt(s.length - 1);
  const plain = !NOT_PLAIN_FIRST.has(s[0]!) && last !== 0x20 && last !== 0x3a && plainSafeBody(s) && !ambiguous(s);
  return plain ? s : `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** A newline and `level` indents (documents nest a few levels; computed once per level). */
const indents: string[] = [];
export function indent(level: number): string {
  let pad = indents[level];
  if (pad === undefined) {
    pad = `\n${'  '.repeat(level)}`;
    indents[level] = pad;
  }
  return pad;
}

/** `node`'s text for a scalar: `undefined` where `node` fails. */
function scalarNode(v: string | number | boolean): string | undefined {
  if (typeof v === 'string') return scalar(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : undefined;
}

/**
 * The text of a pair `key: v` with a scalar `v` at `level` (`compact`: the first pair of a compact mapping, no
 * indent), or `undefined` where `node` fails on `v`. `key` is a printed key (`scalar` of the key). One piece (a rope of
 * four) instead of four pushes. (Keeping whole lines per key and value, as the HCL writer does, made the CRD writer
 * about 10% slower: two more `Map` lookups per pair, and names are unique per document.)
 */
export function scalarPair(
  level: number,
  key: string,
  v: string | number | boolean,
  compact: boolean,
): string | undefined {
  const text = scalarNode(v);
  if (text === undefined) return undefined;
  return compact ? `${key}: ${text}` : `${indent(level)}${key}: ${text}`;
}

export function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Sorted keys per object shape (see `KeyOrder`). */
const keyOrder = new KeyOrder(byCodeUnits);

/** What writing a node did: failed (outside the subset), or wrote text that does or does not start on a new line. */
export const FAILED = 0;
export const INLINE = 1;
export const BLOCK = 2;
export type Written = typeof FAILED | typeof INLINE | typeof BLOCK;

/**
 * The document is written as pieces (mostly strings that already exist: keys, scalars, indents) into a `TextChunks`,
 * so no intermediate string is built per node.
 */
type Out = TextChunks;

/** Writes one mapping value at `level` (a block value starts on the next line). */
export type ValueWriter = (out: Out, v: unknown, level: number) => Written;

const nodeValue: ValueWriter = (out, v, level) => node(out, v, level, false);

/** `writeBlockMapping`: keys sorted, pairs with an undefined value skipped. */
function mapping(out: Out, o: Record<string, unknown>, level: number, compact: boolean): Written {
  return blockMapping(out, o, level, compact, nodeValue);
}

/**
 * A mapping's pairs in key order (by code units), each value written by `value`; `{}` when no pair is written. The
 * CRD writer shares it for maps, whose values it writes by their schema type.
 */
export function blockMapping(
  out: Out,
  o: Record<string, unknown>,
  level: number,
  compact: boolean,
  value: ValueWriter,
): Written {
  let wrote = false;
  for (const k of keyOrder.of(Object.keys(o))) {
    const v = o[k];
    // `sortKeys` drops undefined fields, and `__proto__` (its assignment sets the copy's prototype instead).
    if (v === undefined || k === '__proto__') continue;
    const key = scalar(k);
    if (key === undefined || key.length > MAX_IMPLICIT_KEY) return FAILED;
    if (isScalar(v)) {
      // Every value writer writes a scalar as `node` does.
      const line = scalarPair(level, key, v, compact && !wrote);
      if (line === undefined) return FAILED;
      out.push(line);
      wrote = true;
      continue;
    }
    if (!compact || wrote) out.push(indent(level));
    out.push(key);
    // `key:` when the value starts on a new line (a block value starts with its indent), `key: ` otherwise.
    out.separator(': ', ':');
    if (value(out, v, level + 1) === FAILED) return FAILED;
    wrote = true;
  }
  if (!wrote) {
    out.push('{}');
    return INLINE;
  }
  return compact ? INLINE : BLOCK;
}

/** `writeBlockSequence` of a non-empty array: an undefined item is written as `null`. */
function sequence(out: Out, a: readonly unknown[], level: number, compact: boolean): Written {
  for (let i = 0; i < a.length; i++) {
    if (!compact || i > 0) out.push(indent(level));
    out.separator('- ', '-');
    if (node(out, a[i] === undefined ? null : a[i], level + 1, true) === FAILED) return FAILED;
  }
  return compact ? INLINE : BLOCK;
}

/** `writeNode` in block context; `FAILED` when the value is outside the supported subset. */
export function node(out: Out, v: unknown, level: number, compact: boolean): Written {
  if (v === null) {
    out.push('null');
    return INLINE;
  }
  switch (typeof v) {
    case 'string': {
      const text = scalar(v);
      if (text === undefined) return FAILED;
      out.push(text);
      return INLINE;
    }
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return INLINE;
    case 'number':
      if (!Number.isInteger(v) || Object.is(v, -0)) return FAILED;
      out.push(String(v));
      return INLINE;
    case 'object':
      if (Array.isArray(v)) {
        if (v.length > 0) return sequence(out, v, level, compact);
        out.push('[]');
        return INLINE;
      }
      return isPlainObject(v) ? mapping(out, v, level, compact) : FAILED;
    default:
      return FAILED;
  }
}

/**
 * Writes the YAML document for `value` into `out` (without ending the text) and returns true, or drops the text being
 * written (`discard`: call it at the start of a text) and returns false when js-yaml must write it (see the module
 * comment).
 */
export function writeBlockYaml(out: TextChunks, value: unknown): boolean {
  if (value === undefined) return false;
  if (node(out, value, 0, true) === FAILED) {
    out.discard();
    return false;
  }
  out.push('\n');
  return true;
}

/** The YAML document for `value`, or `undefined` when js-yaml must write it (see the module comment). */
export function blockYaml(value: unknown): string | undefined {
  const out = new TextChunks();
  if (!writeBlockYaml(out, value)) return undefined;
  out.end();
  return out.finish()[0];
}
