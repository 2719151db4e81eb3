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
 * Its pieces (`node`, `blockMapping`, `blockSequence`, `scalar`, pair heads) are exported for writers that print a document of this subset from data of
 * another shape (the CRD writer prints a resource straight from its config entry).
 */
import yaml from 'js-yaml';
import { flat } from '../model/flat-string.ts';
import { byCodeUnits, KeyOrder } from './key-order.ts';

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
  if (isPlainName(s)) return s;
  // The last string looked up (an intention's `allow` source after source): no table probe.
  if (s === lastScalar) return lastWritten ?? undefined;
  let out = scalars.get(s);
  if (out === undefined) {
    out = writeScalar(s) ?? null;
    if (scalars.size >= 65_536) scalars.clear();
    scalars.set(s, out);
  }
  lastScalar = s;
  lastWritten = out;
  return out ?? undefined;
}

const scalars = new Map<string, string | null>();
/** `scalar`'s last lookup and its answer (`null`: outside the subset); `undefined`: none yet. */
let lastScalar: string | undefined;
let lastWritten: string | null = null;

/**
 * Whether `writeScalar(s)` is `s` itself, seen from its characters alone (no lookup in the table of every string seen:
 * large and scattered, a cache miss per name): a lower-case letter, then lower-case letters, digits and `-`, with at
 * least one digit or `-` (`svc-00018`, `v1`). Such a string is printable ASCII, may start a plain scalar and end one,
 * has no `#` or `: `, and no implicit type resolves it: null, bool (also YAML 1.1's `yes`, `on`, ...) are letters only;
 * int, float and timestamp start with a digit, a sign or `.`; merge is `<<`; base 60 needs `:`. A property test
 * compares it with js-yaml.
 */
export function isPlainName(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  let c = s.charCodeAt(0);
  if (c < 0x61 || c > 0x7a) return false;
  let other = false;
  for (let i = 1; i < n; i++) {
    c = s.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2d) other = true;
    else return false;
  }
  return other;
}

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
export function scalarNode(v: string | number | boolean): string | undefined {
  if (typeof v === 'string') return scalar(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : undefined;
}

export function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * A mapping's keys in print order with the text before each value, per level, made once per key list (`KeyOrder`):
 * a pair is then one concatenation, `head + value`. `printed[i]` is `undefined` for a key outside the subset (writing
 * a pair with it fails).
 */
export interface PairHeads {
  readonly printed: readonly (string | undefined)[];
  /** Per level (made on first use, see `headsAt`). */
  readonly levels: LevelHeads[];
  /** Key and `: ` / `:`, for the first pair of a compact mapping (no indent). */
  readonly compactInline: readonly string[];
  readonly compactBlock: readonly string[];
}

/** `inline[i]`: indent, key and `: `; `block[i]`: indent, key and `:` (before a block value). */
export interface LevelHeads {
  readonly inline: readonly string[];
  readonly block: readonly string[];
}

export function pairHeads(printed: readonly (string | undefined)[]): PairHeads {
  return {
    printed,
    levels: [],
    compactInline: printed.map((p) => `${p}: `),
    compactBlock: printed.map((p) => `${p}:`),
  };
}

/** The heads of `h` at `level` (made on first use). */
export function headsAt(h: PairHeads, level: number): LevelHeads {
  let at = h.levels[level];
  if (at === undefined) {
    const pad = indent(level);
    at = { inline: h.printed.map((p) => `${pad}${p}: `), block: h.printed.map((p) => `${pad}${p}:`) };
    h.levels[level] = at;
  }
  return at;
}

/**
 * The text before a pair's value: `key:` before block text (see `isBlock`), `key: ` otherwise; without the indent
 * (`compactFirst`) for the first pair of a compact mapping. `at` is `headsAt(h, level)`.
 */
export function pairHead(h: PairHeads, at: LevelHeads, i: number, value: string, compactFirst: boolean): string {
  const blockValue = isBlock(value);
  if (compactFirst) return blockValue ? h.compactBlock[i]! : h.compactInline[i]!;
  return blockValue ? at.block[i]! : at.inline[i]!;
}

/**
 * Whether a written value starts on a new line (a block value starts with its indent; an inline one never does),
 * without reading it: reading a rope's first character would flatten it (a copy of the whole value at every level).
 * Only three writers make text that starts on a new line (a mapping, a struct or a sequence written in block context,
 * not empty), and each returns it through `block`, which remembers it: a value is block text exactly when it is (has
 * the same characters as) the block text made last. Nested values are made before the text around them, so the value
 * just returned is the last block text made if it is one; an inline text never equals a block text (their first
 * characters differ).
 */
export function isBlock(text: string): boolean {
  return text === lastBlock;
}

let lastBlock = '';

/** Returns `text`, block text (see `isBlock`). */
export function block(text: string): string {
  lastBlock = text;
  return text;
}

/** A mapping's plan: its keys sorted by code units (`__proto__` left out) and their pair heads. */
interface MappingPlan extends PairHeads {
  readonly keys: readonly string[];
}

/** Mapping plans per object shape (see `KeyOrder`). */
const mappingPlans = new KeyOrder<MappingPlan>((keys) => {
  // `sortKeys` drops `__proto__` (its assignment sets the copy's prototype instead).
  const sorted = byCodeUnits(keys).filter((k) => k !== '__proto__');
  const printed = sorted.map((k) => {
    const p = scalar(k);
    return p === undefined || p.length > MAX_IMPLICIT_KEY ? undefined : p;
  });
  return { keys: sorted, ...pairHeads(printed) };
});

/**
 * Texts are built as ropes (`+`: V8 copies nothing until the document is flattened once), mostly of strings that
 * already exist (pair heads, scalars, indents). `undefined`: the value is outside the supported subset.
 */
type Text = string | undefined;

/**
 * Writes one value at `level` (a mapping value, a list item: a block value starts on the next line). `arg` is what the
 * writer's caller passes along (a schema type, say), so that no closure is made per mapping or list.
 */
export type ValueWriter<A> = (v: unknown, level: number, arg: A) => Text;

const nodeValue: ValueWriter<undefined> = (v, level) => node(v, level, false);
const nodeItem: ValueWriter<undefined> = (v, level) => node(v, level, true);

/**
 * `writeBlockMapping`: a mapping's pairs in key order (by code units), each value written by `value`, pairs with an
 * undefined value skipped; `{}` when no pair is written. The CRD writer shares it for maps, whose values it writes by
 * their schema type.
 */
export function blockMapping<A>(
  o: Record<string, unknown>,
  level: number,
  compact: boolean,
  value: ValueWriter<A>,
  arg: A,
): Text {
  const plan = mappingPlans.ofObject(o, level);
  const keys = plan.keys;
  const heads = headsAt(plan, level);
  let s = '';
  for (let i = 0; i < keys.length; i++) {
    const v = o[keys[i]!];
    if (v === undefined) continue;
    if (plan.printed[i] === undefined) return undefined;
    const first = compact && s === '';
    // Every value writer writes a scalar as `node` does.
    const t = isScalar(v) ? scalarNode(v) : value(v, level + 1, arg);
    if (t === undefined) return undefined;
    s += pairHead(plan, heads, i, t, first) + t;
  }
  return s === '' ? '{}' : compact ? s : block(s);
}

/** A list item's dash, after its line break and indent, per level: before inline text and before block text. */
interface Dashes {
  readonly inline: string;
  readonly block: string;
}

const dashes: Dashes[] = [];
function dashesAt(level: number): Dashes {
  let d = dashes[level];
  if (d === undefined) {
    d = { inline: `${indent(level)}- `, block: `${indent(level)}-` };
    dashes[level] = d;
  }
  return d;
}

/**
 * `writeBlockSequence` of a non-empty array, each item written by `item` at `level + 1` (compact: a mapping item starts
 * on the dash's line): an undefined item is written as `null`.
 */
export function blockSequence<A>(
  a: readonly unknown[],
  level: number,
  compact: boolean,
  item: ValueWriter<A>,
  arg: A,
): Text {
  const d = dashesAt(level);
  let s = '';
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const t = x === undefined ? 'null' : item(x, level + 1, arg);
    if (t === undefined) return undefined;
    if (compact && i === 0) s = isBlock(t) ? `-${t}` : `- ${t}`;
    else s += (isBlock(t) ? d.block : d.inline) + t;
  }
  return compact || s === '' ? s : block(s);
}

/** `writeNode` in block context; `undefined` when the value is outside the supported subset. */
export function node(v: unknown, level: number, compact: boolean): Text {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return scalar(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : undefined;
    case 'object':
      if (Array.isArray(v)) {
        if (v.length === 0) return '[]';
        return blockSequence(v, level, compact, nodeItem, undefined);
      }
      return isPlainObject(v) ? blockMapping(v, level, compact, nodeValue, undefined) : undefined;
    default:
      return undefined;
  }
}

/** The YAML document for `value` as a rope, or `undefined` when js-yaml must write it (see the module comment). */
function blockYamlText(value: unknown): Text {
  if (value === undefined) return undefined;
  const text = node(value, 0, true);
  return text === undefined ? undefined : `${text}\n`;
}

/** The YAML document for `value`, or `undefined` when js-yaml must write it (see the module comment). */
export function blockYaml(value: unknown): string | undefined {
  const text = blockYamlText(value);
  return text === undefined ? undefined : flat(text);
}
