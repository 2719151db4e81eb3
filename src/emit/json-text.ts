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
import { LastValue } from './last-value.ts';

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
  /** Per field, the text of the object or list printed there last (see `LastValue`), made on first use. */
  readonly last: (LastValue | undefined)[];
  /** `open` and `openQ` after each piece that can come before a list item (see `Lead`), made on first use. */
  readonly led: ({ readonly open: readonly string[]; readonly openQ: readonly string[] } | undefined)[];
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
      last: [],
      led: [],
    };
    plan.heads[depth] = h;
  }
  return h;
}

/**
 * The pieces of a list at `depth` and of an object's last line (see `Heads` for the `q`/`Q` quote variants). What
 * goes between two items depends on how the item before ends (`Tail`): closed, inside a plain string's quotes, or an
 * object item's fields without its last line (that line goes into the piece after it, as the quote does).
 */
interface Pieces {
  /** `[`, a line break and the indent of `depth + 1`: before the first item; with `"` after it. */
  readonly open: string;
  readonly openQ: string;
  /** By the tail of the item before: that tail, `,`, a line break and the indent (with `"` after it: `nextQ`). */
  readonly next: readonly string[];
  readonly nextQ: readonly string[];
  /** By the tail of the last item: that tail, a line break, the indent of `depth` and `]`. */
  readonly close: readonly string[];
  /** An object's last line at `depth`: a line break, the indent and `}`; after an open quote. */
  readonly closeBrace: string;
  readonly qCloseBrace: string;
  /** The same followed by the file's final newline (a file's object, at depth 0). */
  readonly closeBraceEnd: string;
  readonly qCloseBraceEnd: string;
}

/** How the text written so far ends: closed, inside quotes, an object item's fields (without or with an open quote). */
const CLOSED = 0;
const QUOTED = 1;
const FIELDS = 2;
const FIELDS_QUOTED = 3;

const pieces: Pieces[] = [];
function piecesAt(depth: number): Pieces {
  let p = pieces[depth];
  if (p === undefined) {
    const item = lineBreak(depth + 1);
    // What each tail still needs: nothing, the closing quote, the item object's last line, or both.
    const tails = ['', '"', `${item}}`, `"${item}}`];
    const open = `[${item}`;
    const next = tails.map((t) => `${t},${item}`);
    const closeBrace = `${lineBreak(depth)}}`;
    p = {
      open,
      openQ: `${open}"`,
      next,
      nextQ: next.map((x) => `${x}"`),
      close: tails.map((t) => `${t}${lineBreak(depth)}]`),
      closeBrace,
      qCloseBrace: `"${closeBrace}`,
      closeBraceEnd: `${closeBrace}\n`,
      qCloseBraceEnd: `"${closeBrace}\n`,
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
  // How `s` ends (see `Pieces`): its closing quote or last line goes into the next piece.
  let tail = CLOSED;
  for (let i = 0; i < n; i++) {
    // A hole reads as undefined, as in the copy `map` makes (it keeps holes), and prints as null.
    const x = a[i];
    if (typeof x === 'string' && isPlainJsonString(x)) {
      s = i === 0 ? p.openQ + x : s + p.nextQ[tail]! + x;
      tail = QUOTED;
      continue;
    }
    // An object item (not frozen: `objectText` keeps a frozen one's text) leaves its last line to the next piece.
    if (x !== null && typeof x === 'object' && !Array.isArray(x) && !Object.isFrozen(x)) {
      // The piece before the item goes into its first field's head (`lead`).
      const fields = objectFields(x as Record<string, unknown>, depth + 1, i === 0 ? LEAD_OPEN : LEAD_NEXT + tail);
      if (fields === undefined) return undefined;
      if (fields !== '') {
        s = i === 0 ? fields : s + fields;
        tail = fieldsQuoted ? FIELDS_QUOTED : FIELDS;
        continue;
      }
    }
    const t = typeof x === 'string' ? escaped(x) : isVoid(x) ? 'null' : jsonText(x, depth + 1);
    if (t === undefined) return undefined;
    s = i === 0 ? p.open + t : s + p.next[tail]! + t;
    tail = CLOSED;
  }
  return s + p.close[tail]!;
}

/** The shared ownership `Meta`'s text, and any other frozen leaf object's (see `FrozenText`). */
const frozen = new FrozenText();

/**
 * `jsonText(v, 0)` and the file's final newline, or `undefined` outside plain JSON data: a file's object (not frozen)
 * ends with its last line and the newline as one piece.
 */
export function jsonFileText(v: unknown): string | undefined {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !Object.isFrozen(v)) {
    const fields = objectFields(v as Record<string, unknown>, 0);
    if (fields === undefined) return undefined;
    if (fields !== '') {
      const p = piecesAt(0);
      return fields + (fieldsQuoted ? p.qCloseBraceEnd : p.closeBraceEnd);
    }
  }
  const t = jsonText(v, 0);
  return t === undefined ? undefined : `${t}\n`;
}

function objectText(o: Record<string, unknown>, depth: number): string | undefined {
  const kept = frozen.get(o, depth);
  if (kept !== undefined) return kept;
  const fields = objectFields(o, depth);
  if (fields === undefined) return undefined;
  if (fields === '') return frozen.keep(o, depth, '{}');
  const p = piecesAt(depth);
  return frozen.keep(o, depth, fields + (fieldsQuoted ? p.qCloseBrace : p.closeBrace));
}

/** Whether the text `objectFields` returned last ends inside a plain string's quotes (see `Heads`). */
let fieldsQuoted = false;

/**
 * What comes before a list item: no piece (`NO_LEAD`: not a list item), the list's `open`, or its `next[tail]`
 * (`LEAD_NEXT + tail`): a list item's fields start with it (one rope node fewer per item).
 */
const NO_LEAD = -1;
const LEAD_OPEN = 0;
const LEAD_NEXT = 1;

/** `h`'s first-field heads after the list piece `lead` (the object at `depth`, so the list at `depth - 1`). */
function ledHeads(
  h: Heads,
  depth: number,
  lead: number,
): { readonly open: readonly string[]; readonly openQ: readonly string[] } {
  let l = h.led[lead];
  if (l === undefined) {
    const p = piecesAt(depth - 1);
    const piece = lead === LEAD_OPEN ? p.open : p.next[lead - LEAD_NEXT]!;
    l = { open: h.open.map((x) => piece + x), openQ: h.openQ.map((x) => piece + x) };
    h.led[lead] = l;
  }
  return l;
}

/**
 * An object's text without its last line (`''` when no field prints; `undefined` outside plain JSON data), after the
 * list piece `lead` when it is a list item (see `Lead`); sets `fieldsQuoted`.
 */
function objectFields(o: Record<string, unknown>, depth: number, lead = NO_LEAD): string | undefined {
  const plan = plans.ofObject(o, depth);
  const keys = plan.keys;
  const h = headsAt(plan, depth);
  const first = lead === NO_LEAD ? h : ledHeads(h, depth, lead);
  let s = '';
  let quoted = false;
  for (let i = 0; i < keys.length; i++) {
    const x = o[keys[i]!];
    let t: string | undefined;
    if (typeof x === 'string') {
      if (isPlainJsonString(x)) {
        s = s === '' ? first.openQ[i]! + x : s + (quoted ? h.qRestQ[i]! : h.restQ[i]!) + x;
        quoted = true;
        continue;
      }
      t = escaped(x);
    } else if (typeof x === 'boolean') t = x ? 'true' : 'false';
    else if (x !== null && typeof x === 'object' && !Object.isFrozen(x)) {
      t = valueText(h, i, x, depth + 1);
      if (t === undefined) return undefined;
    } else {
      if (isVoid(x)) continue;
      t = jsonText(x, depth + 1);
      if (t === undefined) return undefined;
    }
    s = s === '' ? first.open[i]! + t : s + (quoted ? h.qRest[i]! : h.rest[i]!) + t;
    quoted = false;
  }
  // Read right after the call: nested values are written before this object's fields end.
  fieldsQuoted = quoted;
  return s;
}

/**
 * `jsonText(x, depth)` of an object or list, the value of field `i` of an object with heads `h`: the text printed there
 * last when `x` is the same data (see `LastValue`; a frozen object's text is kept by `objectText` instead).
 */
function valueText(h: Heads, i: number, x: object, depth: number): string | undefined {
  let m = h.last[i];
  if (m === undefined) {
    m = new LastValue();
    h.last[i] = m;
  }
  if (!m.tries()) return jsonText(x, depth);
  if (m.has(x, undefined)) return m.text;
  const copy = m.repeat(x);
  if (copy === undefined) return jsonText(x, depth);
  const t = jsonText(copy, depth);
  return t === undefined ? undefined : m.keep(copy, undefined, t, 0);
}
