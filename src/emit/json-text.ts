/**
 * Deterministic JSON printed directly: byte for byte what `JSON.stringify(sortedCopy(v), null, 2)` prints (see
 * `artifact.ts`), without the sorted deep copy. Each object's key list (as `Object.keys` lists it) is looked up among
 * those seen before (`KeyOrder`), and its plan kept: the keys in print order and, per depth, the text before each
 * value (`,\n    "Key": `), so a field is one string concatenation of a kept prefix and its value's text.
 *
 * The print order is that of the sorted copy as `JSON.stringify` enumerates it: the copy gets its keys inserted in
 * code-unit order, but an object lists array-index keys (`"0"`, `"10"`) first, in numeric order, whatever the
 * insertion order; the other keys come in insertion order. So: array indices ascending, then the rest by code units.
 *
 * Values outside plain JSON data (`bigint`, or `undefined`, a function or a symbol where the whole text is asked for)
 * make it return `undefined`: the caller then prints through the reference path, which prints or throws as before.
 */
import { FrozenText } from './frozen-text.ts';
import { KeyOrder } from './key-order.ts';

/**
 * One object shape: its printed keys in order, and per depth (made on first use) the text before each value, with the
 * object's opening brace merged into the first printed field's (`{\n    "Key": `) and the comma into the others'
 * (`,\n    "Key": `): a field is then one concatenation of a kept string and the value's text.
 */
interface Plan {
  readonly keys: readonly string[];
  /** `heads[depth]`, made on first use. */
  readonly heads: Heads[];
}

/**
 * The text before each field's value at one depth. A plain string value (see `isPlainJsonString`) is written without
 * its quotes, which go into the pieces around it: the head before it ends with `"` (`…Q`), and the piece after it
 * (the next head, or the closing brace) starts with `"` (`q…`). A string field then costs one rope node, not three.
 */
interface Heads {
  /** `{`, a line break, the indent and `"<key>": `: the first printed field; with `"` after it. */
  readonly open: readonly string[];
  readonly openQ: readonly string[];
  /** `,`, a line break, the indent and `"<key>": `: the fields after it; with `"` after, before, or both. */
  readonly rest: readonly string[];
  readonly restQ: readonly string[];
  readonly qRest: readonly string[];
  readonly qRestQ: readonly string[];
}

/** An array index as an object lists it first: a canonical decimal below 2^32 - 1. */
function isArrayIndex(k: string): boolean {
  const n = Number(k);
  return n >>> 0 === n && n !== 4294967295 && String(n) === k;
}

const plans = new KeyOrder<Plan>((keys) => {
  const printed = keys.filter((k) => k !== '__proto__');
  const indices = printed.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  const named = printed.filter((k) => !isArrayIndex(k)).sort();
  return { keys: [...indices, ...named], heads: [] };
});

/** `\n` and `depth` indents, per depth. */
const breaks: string[] = [];
function lineBreak(depth: number): string {
  let b = breaks[depth];
  if (b === undefined) {
    b = `\n${'  '.repeat(depth)}`;
    breaks[depth] = b;
  }
  return b;
}

/** The heads of an object's fields at `depth` (the object's own depth: its fields are one level deeper). */
function headsAt(plan: Plan, depth: number): Heads {
  let h = plan.heads[depth];
  if (h === undefined) {
    const pad = lineBreak(depth + 1);
    const rest = plan.keys.map((k) => `,${pad}${JSON.stringify(k)}: `);
    const open = rest.map((r) => `{${r.slice(1)}`);
    h = {
      open,
      openQ: open.map((x) => `${x}"`),
      rest,
      restQ: rest.map((x) => `${x}"`),
      qRest: rest.map((x) => `"${x}`),
      qRestQ: rest.map((x) => `"${x}"`),
    };
    plan.heads[depth] = h;
  }
  return h;
}

/** The pieces of a list at `depth` and of an object's last line (see `Heads` for the `q`/`Q` quote variants). */
interface Pieces {
  /** `[`, a line break and the indent of `depth + 1`: before the first item; `,` and the same before the others. */
  readonly open: string;
  readonly openQ: string;
  readonly next: string;
  readonly nextQ: string;
  readonly qNext: string;
  readonly qNextQ: string;
  /** A line break, the indent of `depth` and `]`; and `}`. */
  readonly close: string;
  readonly qClose: string;
  readonly closeBrace: string;
  readonly qCloseBrace: string;
}

const pieces: Pieces[] = [];
function piecesAt(depth: number): Pieces {
  let p = pieces[depth];
  if (p === undefined) {
    const open = `[${lineBreak(depth + 1)}`;
    const next = `,${lineBreak(depth + 1)}`;
    const close = `${lineBreak(depth)}]`;
    const closeBrace = `${lineBreak(depth)}}`;
    p = {
      open,
      openQ: `${open}"`,
      next,
      nextQ: `${next}"`,
      qNext: `"${next}`,
      qNextQ: `"${next}"`,
      close,
      qClose: `"${close}`,
      closeBrace,
      qCloseBrace: `"${closeBrace}`,
    };
    pieces[depth] = p;
  }
  return p;
}

/**
 * `JSON.stringify(s)`. A string of printable ASCII without `"` or `\\` (names, modes, actions: nearly all) prints
 * between quotes as it is: checked by its characters, which the file's text copies right after, rather than looked up
 * in a table of every string seen (large, scattered: a cache miss per name). Others are remembered (bounded).
 */
export function jsonString(s: string): string {
  return isPlainJsonString(s) ? `"${s}"` : escaped(s);
}

/** Whether `JSON.stringify(s)` is `s` between quotes: printable ASCII without `"` or `\\`. */
export function isPlainJsonString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function escaped(s: string): string {
  let q = quoted.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    if (quoted.size >= 4096) quoted.clear();
    quoted.set(s, q);
  }
  return q;
}

const quoted = new Map<string, string>();

/** An array item or field value `JSON.stringify` prints as `null` (an item) or leaves out (a field). */
function isVoid(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** The text of `v` nested `depth` levels deep (no trailing newline), or `undefined` outside plain JSON data. */
export function jsonText(v: unknown, depth: number): string | undefined {
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'number':
      // What `JSON.stringify` prints: `Number.prototype.toString` of a finite number (`-0` prints as `0`), else null.
      return Number.isFinite(v) ? `${v}` : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      return Array.isArray(v) ? arrayText(v, depth) : objectText(v as Record<string, unknown>, depth);
    default:
      return undefined;
  }
}

function arrayText(a: readonly unknown[], depth: number): string | undefined {
  const n = a.length;
  if (n === 0) return '[]';
  const p = piecesAt(depth);
  let s = '';
  // Whether `s` ends inside a plain string's quotes (its closing quote goes into the next piece).
  let quoted = false;
  for (let i = 0; i < n; i++) {
    // A hole reads as undefined, as in the copy `map` makes (it keeps holes), and prints as null.
    const x = a[i];
    if (typeof x === 'string' && isPlainJsonString(x)) {
      s = i === 0 ? p.openQ + x : s + (quoted ? p.qNextQ : p.nextQ) + x;
      quoted = true;
      continue;
    }
    const t = typeof x === 'string' ? escaped(x) : isVoid(x) ? 'null' : jsonText(x, depth + 1);
    if (t === undefined) return undefined;
    s = i === 0 ? p.open + t : s + (quoted ? p.qNext : p.next) + t;
    quoted = false;
  }
  return s + (quoted ? p.qClose : p.close);
}

/** The shared ownership `Meta`'s text, and any other frozen leaf object's (see `FrozenText`). */
const frozen = new FrozenText();

function objectText(o: Record<string, unknown>, depth: number): string | undefined {
  const kept = frozen.get(o, depth);
  if (kept !== undefined) return kept;
  const plan = plans.ofObject(o, depth);
  const keys = plan.keys;
  const h = headsAt(plan, depth);
  let s = '';
  // Whether `s` ends inside a plain string's quotes (see `Heads`).
  let quoted = false;
  for (let i = 0; i < keys.length; i++) {
    const x = o[keys[i]!];
    let t: string | undefined;
    if (typeof x === 'string') {
      if (isPlainJsonString(x)) {
        s = s === '' ? h.openQ[i]! + x : s + (quoted ? h.qRestQ[i]! : h.restQ[i]!) + x;
        quoted = true;
        continue;
      }
      t = escaped(x);
    } else if (typeof x === 'boolean') t = x ? 'true' : 'false';
    else {
      if (isVoid(x)) continue;
      t = jsonText(x, depth + 1);
      if (t === undefined) return undefined;
    }
    s = s === '' ? h.open[i]! + t : s + (quoted ? h.qRest[i]! : h.rest[i]!) + t;
    quoted = false;
  }
  if (s === '') return frozen.keep(o, depth, '{}');
  const p = piecesAt(depth);
  return frozen.keep(o, depth, s + (quoted ? p.qCloseBrace : p.closeBrace));
}
