/**
 * A direct block-YAML writer for plain data that prints exactly what js-yaml's
 * `dump(sortKeys(value), { sortKeys: true, noRefs: true, lineWidth: -1, quotingType: '"' })` prints, without building a
 * sorted copy or running js-yaml's general machinery (the CRD emitter writes one document per config entry).
 *
 * It mirrors js-yaml's `writeNode`, `writeBlockMapping`, `writeBlockSequence` and `writeScalar` (`lib/dumper.js`) for
 * the common subset only: plain objects and arrays, integers, booleans, `null`, and strings of printable ASCII. For
 * anything else (multi-line or non-ASCII strings, fractional numbers, class instances, keys longer than js-yaml's
 * implicit-key limit) it returns `undefined`, and the caller falls back to js-yaml for the whole document.
 */
import yaml from 'js-yaml';
import { flat } from '../model/flat-string.ts';

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
const MAX_IMPLICIT_KEY = 1024;

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

/** `writeScalar` for a string; `undefined` outside printable ASCII. */
function scalar(s: string): string | undefined {
  if (s.length === 0) return '""';
  if (!PRINTABLE_ASCII.test(s)) return undefined;
  if (DEPRECATED_BOOLEANS.has(s) || DEPRECATED_BASE60.test(s)) return `"${s}"`;
  const last = s.charCodeAt(s.length - 1);
  const plain = !NOT_PLAIN_FIRST.has(s[0]!) && last !== 0x20 && last !== 0x3a && plainSafeBody(s) && !ambiguous(s);
  return plain ? s : `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function indent(level: number): string {
  return `\n${'  '.repeat(level)}`;
}

/** `writeBlockMapping`: keys sorted, pairs with an undefined value skipped. */
function mapping(o: Record<string, unknown>, level: number, compact: boolean): string | undefined {
  let out = '';
  for (const k of Object.keys(o).sort()) {
    const v = o[k];
    // `sortKeys` drops undefined fields, and `__proto__` (its assignment sets the copy's prototype instead).
    if (v === undefined || k === '__proto__') continue;
    const key = scalar(k);
    if (key === undefined || key.length > MAX_IMPLICIT_KEY) return undefined;
    const value = node(v, level + 1, false);
    if (value === undefined) return undefined;
    out += `${!compact || out !== '' ? indent(level) : ''}${key}${value.charCodeAt(0) === 0x0a ? ':' : ': '}${value}`;
  }
  return out === '' ? '{}' : out;
}

/** `writeBlockSequence`: an undefined item is written as `null`. */
function sequence(a: readonly unknown[], level: number, compact: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < a.length; i++) {
    const item = node(a[i] === undefined ? null : a[i], level + 1, true);
    if (item === undefined) return undefined;
    out += `${!compact || i > 0 ? indent(level) : ''}${item.charCodeAt(0) === 0x0a ? '-' : '- '}${item}`;
  }
  return out;
}

/** `writeNode` in block context; `undefined` when the value is outside the supported subset. */
function node(v: unknown, level: number, compact: boolean): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return scalar(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : undefined;
    case 'object':
      if (Array.isArray(v)) return v.length === 0 ? '[]' : sequence(v, level, compact);
      if (!isPlainObject(v)) return undefined;
      return mapping(v, level, compact);
    default:
      return undefined;
  }
}

/** The YAML document for `value`, or `undefined` when js-yaml must write it (see the module comment). */
export function blockYaml(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = node(value, 0, true);
  return text === undefined ? undefined : flat(`${text}\n`);
}
