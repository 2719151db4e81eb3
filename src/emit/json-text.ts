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

/** One object shape: its printed keys in order, and the text before each value per depth (made on first use). */
interface Plan {
  readonly keys: readonly string[];
  /** `heads[depth][i]`: `\n<pad>"<key>": ` for the first printed field; `rest` with the comma for the others. */
  readonly first: string[][];
  readonly rest: string[][];
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
  return { keys: [...indices, ...named], first: [], rest: [] };
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

function heads(plan: Plan, depth: number): void {
  const pad = lineBreak(depth);
  const first = plan.keys.map((k) => `${pad}${JSON.stringify(k)}: `);
  plan.first[depth] = first;
  plan.rest[depth] = first.map((h) => `,${h}`);
}

/** `JSON.stringify(s)`, remembered: keys and most values (actions, modes, kinds) recur (bounded). */
export function jsonString(s: string): string {
  let q = quoted.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    if (quoted.size >= 65_536) quoted.clear();
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
  const pad = lineBreak(depth + 1);
  let s = '[';
  for (let i = 0; i < n; i++) {
    // A hole reads as undefined, as in the copy `map` makes (it keeps holes), and prints as null.
    const x = a[i];
    const t = isVoid(x) ? 'null' : jsonText(x, depth + 1);
    if (t === undefined) return undefined;
    s += i === 0 ? pad + t : `,${pad}${t}`;
  }
  return `${s}${lineBreak(depth)}]`;
}

/** The shared ownership `Meta`'s text, and any other frozen leaf object's (see `FrozenText`). */
const frozen = new FrozenText();

function objectText(o: Record<string, unknown>, depth: number): string | undefined {
  const kept = frozen.get(o, depth);
  if (kept !== undefined) return kept;
  const plan = plans.ofObject(o);
  const keys = plan.keys;
  if (plan.first[depth + 1] === undefined) heads(plan, depth + 1);
  const first = plan.first[depth + 1]!;
  const rest = plan.rest[depth + 1]!;
  let s = '';
  for (let i = 0; i < keys.length; i++) {
    const x = o[keys[i]!];
    if (isVoid(x)) continue;
    const t = jsonText(x, depth + 1);
    if (t === undefined) return undefined;
    s += s === '' ? first[i]! + t : rest[i]! + t;
  }
  return frozen.keep(o, depth, s === '' ? '{}' : `{${s}${lineBreak(depth)}}`);
}
