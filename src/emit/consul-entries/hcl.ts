/**
 * Emits each config entry as HCL ready for `consul config write`: `consul/hcl/<kind>/<name>.hcl`. Kind and Name come
 * first, then the other fields sorted; struct fields (MeshGateway, Redirect, UpstreamConfig, ...) are blocks, maps
 * (Failover, Subsets, Meta, Config) are `X = { "k" = ... }`, lists of structs are lists of objects. The output is
 * accepted by both HCL 1 (what `consul config write` parses) and HCL 2, and decodes back to the same entry.
 *
 * Strings are written with JSON escapes; `${` is not escaped, because HCL 1 (Consul) keeps it literal.
 */
import { ENTRY_SCHEMAS, type FieldType } from '../../input/entries/schema.ts';
import { apiBody, type ConfigEntry } from '../../model/entries.ts';
import { flat } from '../../model/flat-string.ts';
import type { Artifact } from '../artifact.ts';
import { FrozenText } from '../frozen-text.ts';
import { isPlainJsonString, jsonString } from '../json-text.ts';
import { byCodeUnits, KeyOrder, withOwnKeysByForIn } from '../key-order.ts';
import { LastValue } from '../last-value.ts';
import { type Flavour, flavourFiles, inFileOrder } from './paths.ts';

const INDENT = '  ';
const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `k` as an HCL attribute or block name: bare when an identifier, else quoted. */
function key(k: string): string {
  let name = keys.get(k);
  if (name === undefined) {
    name = IDENT.test(k) ? k : JSON.stringify(k);
    remember(keys, k, name);
  }
  return name;
}

const QUOTE_NEWLINE = '"\n';

/** `k` quoted, as a map key or a string value (JSON escapes: `JSON.stringify`, remembered with the JSON writer's). */
const quoted = jsonString;

/** Field names recur in every entry: each is checked and quoted once (bounded). */
const keys = new Map<string, string>();

function remember(memo: Map<string, string>, k: string, v: string): void {
  if (memo.size >= 16_384) memo.clear();
  memo.set(k, v);
}

/** Unset fields (undefined or null) are left out. */
function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** `INDENT` repeated `depth` times (entries nest a few levels; computed once per depth). */
const pads: string[] = [];
function indent(depth: number): string {
  let pad = pads[depth];
  if (pad === undefined) {
    pad = INDENT.repeat(depth);
    pads[depth] = pad;
  }
  return pad;
}

function fieldType(t: FieldType | undefined, k: string): FieldType | undefined {
  return t?.k === 'struct' ? t.fields[k]?.type : undefined;
}

/** A scalar's HCL text: what `expr` prints for it. */
function scalarText(v: string | number | boolean): string {
  return typeof v === 'string' ? quoted(v) : String(v);
}

/**
 * What an attribute prints around its value, per depth, key and label style, made once. Most lines are a field with a
 * scalar (`Mode = "local"`, `Action = "allow"`), and most recur from one entry to the next (entries come kind by kind):
 * the field keeps its last two whole lines, so such a line is one kept string instead of three pieces. A name (unique
 * per entry) costs the three pieces and no lookup in a table of every name.
 */
class Field {
  /** `pad name = `, and with the opening quote of a string. */
  readonly attr: string;
  readonly attrQuote: string;
  /** `pad name = {` and a newline (an object value's first line), `pad name = {}` and a newline (an empty one). */
  readonly attrOpen: string;
  readonly attrEmpty: string;
  /** `pad name {` and a newline, and the block's closing line (an unquoted name only). */
  readonly open: string;
  readonly close: string;
  /** The last two values printed with their lines (`lastA` the newer); `undefined`: none yet. */
  private valueA: string | number | boolean | undefined = undefined;
  private lineA = '';
  private valueB: string | number | boolean | undefined = undefined;
  private lineB = '';
  /**
   * The field's whole text (its lines) for the object or list printed here last, as an attribute and as a block (see
   * `LastValue`); made on first use.
   */
  attrLast: LastValue | undefined = undefined;
  blockLast: LastValue | undefined = undefined;

  constructor(depth: number, name: string) {
    this.attr = flat(`${indent(depth)}${name} = `);
    this.attrQuote = flat(`${this.attr}"`);
    this.attrOpen = flat(`${this.attr}{\n`);
    this.attrEmpty = flat(`${this.attr}{}\n`);
    this.open = flat(`${indent(depth)}${name} {\n`);
    this.close = flat(`${indent(depth)}}\n`);
  }

  /** `pad name = value` and a newline. */
  line(v: string | number | boolean): string {
    // `===`: the same text for the same value (`-0 === 0` and both print `0`).
    if (v === this.valueA) return this.lineA;
    if (v === this.valueB) {
      const line = this.lineB;
      this.valueB = this.valueA;
      this.lineB = this.lineA;
      this.valueA = v;
      this.lineA = line;
      return line;
    }
    // A plain string (nearly all) is quoted by kept pieces: `pad name = "`, the string, `"` and the newline.
    const line =
      typeof v === 'string' && isPlainJsonString(v)
        ? this.attrQuote + v + QUOTE_NEWLINE
        : `${this.attr}${scalarText(v)}\n`;
    this.valueB = this.valueA;
    this.lineB = this.lineA;
    this.valueA = v;
    this.lineA = line;
    return line;
  }
}

/**
 * An object shape's keys in print order, with the `Field` of each key per depth and label style (made on first use):
 * a field costs no lookup beyond the shape's own.
 */
interface Plan {
  readonly keys: readonly string[];
  /** `fields[depth * 2 + (labelQuoted ? 1 : 0)][i]`. */
  readonly fields: Field[][];
}

function planOrder(order: (keys: string[]) => readonly string[]): KeyOrder<Plan> {
  return new KeyOrder((keys) => ({ keys: order(keys), fields: [] }));
}

/** Fields print sorted; at the top level Kind and Name come first (sorted, Kind is before Name already). */
const nestedOrder = planOrder(byCodeUnits);
const topOrder = planOrder((keys) => {
  keys.sort();
  const head = keys.filter((k) => k === 'Kind' || k === 'Name');
  return head.length === 0 ? keys : [...head, ...keys.filter((k) => k !== 'Kind' && k !== 'Name')];
});

function fieldsOf(plan: Plan, depth: number, labelQuoted: boolean): Field[] {
  const at = depth * 2 + (labelQuoted ? 1 : 0);
  let fields = plan.fields[at];
  if (fields === undefined) {
    fields = plan.keys.map((k) => new Field(depth, labelQuoted ? quoted(k) : key(k)));
    plan.fields[at] = fields;
  }
  return fields;
}

/** A list of one item per line at `depth`: `[`, a newline and the items' indent; `,` before the next; the end. */
interface ListPieces {
  readonly open: string;
  readonly next: string;
  /** The same followed by an object item's `{` and newline. */
  readonly openObject: string;
  readonly nextObject: string;
  readonly close: string;
  /** After an object item's lines: its closing brace (`pad}`) and `next`, `nextObject` or `close`. */
  readonly shutNext: string;
  readonly shutNextObject: string;
  readonly shutClose: string;
}

const lists: ListPieces[] = [];
function listPieces(depth: number): ListPieces {
  let p = lists[depth];
  if (p === undefined) {
    const pad = indent(depth + 1);
    const shut = `${pad}}`;
    p = {
      open: `[\n${pad}`,
      next: `,\n${pad}`,
      openObject: `[\n${pad}{\n`,
      nextObject: `,\n${pad}{\n`,
      close: `,\n${indent(depth)}]`,
      shutNext: `${shut},\n${pad}`,
      shutNextObject: `${shut},\n${pad}{\n`,
      shutClose: `${shut},\n${indent(depth)}]`,
    };
    lists[depth] = p;
  }
  return p;
}

/** An object's last line, `pad}`, per depth; with a newline after it. */
const closeBraces: string[] = [];
const closeBraceLines: string[] = [];
function closeBrace(depth: number): string {
  let c = closeBraces[depth];
  if (c === undefined) {
    c = `${indent(depth)}}`;
    closeBraces[depth] = c;
  }
  return c;
}
function closeBraceLine(depth: number): string {
  let c = closeBraceLines[depth];
  if (c === undefined) {
    c = `${indent(depth)}}\n`;
    closeBraceLines[depth] = c;
  }
  return c;
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Whether a list has an object or a list among its items (then it prints one item per line). */
function hasObject(v: readonly unknown[]): boolean {
  // As `every` reads it: holes are skipped.
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== null && typeof x === 'object' && i in v) return true;
  }
  return false;
}

/**
 * An HCL expression for `v` (`t` is its schema type when known). Texts are built as ropes (`+`: V8 copies nothing
 * until the file's text is flattened once), mostly of strings that already exist (keys, indents, whole lines).
 */
function expr(v: unknown, t: FieldType | undefined, depth: number): string {
  if (typeof v === 'string') return quoted(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const item = t?.k === 'list' ? t.item : undefined;
    if (v.length === 0) return '[]';
    if (!hasObject(v)) {
      // `[a, b]` (a hole in a sparse array prints as nothing, as `join` prints it).
      let s = '[';
      for (let i = 0; i < v.length; i++) {
        if (i > 0) s += ', ';
        const x = v[i];
        if (x !== undefined || i in v) s += expr(x, item, depth);
      }
      return `${s}]`;
    }
    // One item per line: `[`, each item indented and followed by `,`, then `]` (made once per depth). An object
    // item's `{` and newline are in the piece before it, and its closing brace in the piece after it (see
    // `attrValue`): `shut` says the last item written is an object's lines without their `}`.
    const p = listPieces(depth);
    let s = '';
    let shut = false;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x === undefined && !(i in v)) continue;
      if (isObject(x) && !Object.isFrozen(x)) {
        const lines = objectLines(x, item, depth + 1);
        if (lines !== '') {
          s = (s === '' ? p.openObject : s + (shut ? p.shutNextObject : p.nextObject)) + lines;
          shut = true;
          continue;
        }
      }
      const t = expr(x, item, depth + 1);
      s = s === '' ? p.open + t : s + (shut ? p.shutNext : p.next) + t;
      shut = false;
    }
    // `hasObject` found an item that is there: `s` has it.
    return s + (shut ? p.shutClose : p.close);
  }
  if (isObject(v)) {
    const labelQuoted = t === undefined || t.k === 'map' || t.k === 'any';
    // The text of an object of scalars depends on its depth and label style only (the value type of a map or the
    // field types of a struct matter for nested objects and lists, which a kept object has none of).
    const slot = depth * 2 + (labelQuoted ? 1 : 0);
    const kept = frozen.get(v, slot);
    if (kept !== undefined) return kept;
    const lines = objectLines(v, t, depth);
    return frozen.keep(v, slot, lines === '' ? '{}' : `{\n${lines}${closeBrace(depth)}`);
  }
  return 'null';
}

/** The lines of an object's set fields (`expr` of an object without its braces; '' when none is set). */
function objectLines(v: Record<string, unknown>, t: FieldType | undefined, depth: number): string {
  const map = t?.k === 'map';
  const labelQuoted = map || t === undefined || t.k === 'any';
  const plan = nestedOrder.ofObject(v, depth * 2);
  const keys = plan.keys;
  const fields = fieldsOf(plan, depth + 1, labelQuoted);
  let s = '';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = v[k];
    if (!isSet(x)) continue;
    const f = fields[i]!;
    s += isScalar(x) ? f.line(x) : attrField(f, x, map ? t.value : fieldType(t, k), depth + 1);
  }
  return s;
}

/**
 * `attrValue(f, x, t, depth)`, or the text printed for the same data last (see `LastValue`; the text depends on the
 * field, which is per depth, on `t` and on the data). A frozen object's text is kept by `expr` instead.
 */
function attrField(f: Field, x: unknown, t: FieldType | undefined, depth: number): string {
  if (x === null || typeof x !== 'object' || Object.isFrozen(x)) return attrValue(f, x, t, depth);
  let m = f.attrLast;
  if (m === undefined) {
    m = new LastValue();
    f.attrLast = m;
  }
  if (!m.tries()) return attrValue(f, x, t, depth);
  if (m.has(x, t)) return m.text;
  const copy = m.repeat(x);
  if (copy === undefined) return attrValue(f, x, t, depth);
  return m.keep(copy, t, attrValue(f, copy, t, depth), 0);
}

/** `f`'s block (a struct field of a body), or the text printed for the same data last (see `attrField`). */
function blockField(f: Field, v: Record<string, unknown>, t: FieldType, depth: number): string {
  let m = f.blockLast;
  if (m === undefined) {
    m = new LastValue();
    f.blockLast = m;
  }
  if (Object.isFrozen(v) || !m.tries()) return f.open + body(v, t, depth + 1, false) + f.close;
  if (m.has(v, t)) return m.text;
  const copy = m.repeat(v) as Record<string, unknown> | undefined;
  if (copy === undefined) return f.open + body(v, t, depth + 1, false) + f.close;
  return m.keep(copy, t, f.open + body(copy, t, depth + 1, false) + f.close, 0);
}

/**
 * `pad name = <expr>` and a newline, for a value that is not a scalar. An object's `{` and newline go into the kept
 * head (`pad name = {` and a newline) and its closing brace into the kept last line (`pad}` and a newline): two rope
 * nodes fewer. A frozen object takes `expr`, which keeps its text (see `FrozenText`).
 */
function attrValue(f: Field, x: unknown, t: FieldType | undefined, depth: number): string {
  if (isObject(x) && !Object.isFrozen(x)) {
    const lines = objectLines(x, t, depth);
    return lines === '' ? f.attrEmpty : f.attrOpen + lines + closeBraceLine(depth);
  }
  return f.attr + expr(x, t, depth) + NEWLINE;
}

const NEWLINE = '\n';

/** The shared ownership `Meta`'s text, and any other frozen object of scalars (see `FrozenText`). */
const frozen = new FrozenText();

/** The body of a block (or the whole file): attributes, and blocks for struct-typed fields. */
function body(o: Record<string, unknown>, t: FieldType | undefined, depth: number, topLevel: boolean): string {
  const plan = (topLevel ? topOrder : nestedOrder).ofObject(o, depth * 2 + 1);
  const keys = plan.keys;
  const fields = fieldsOf(plan, depth, false);
  let s = '';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = o[k];
    if (!isSet(v)) continue;
    const f = fields[i]!;
    if (isScalar(v)) {
      s += f.line(v);
      continue;
    }
    const ft = fieldType(t, k);
    if (ft?.k === 'struct' && isObject(v)) s += blockField(f, v, ft, depth);
    else s += attrField(f, v, ft, depth);
  }
  return s;
}

/** One entry's HCL file (a rope of its pieces). */
function entryText(entry: ConfigEntry): string {
  return body(apiBody(entry), ENTRY_SCHEMAS[entry.Kind], 0, true);
}

/** Renders one entry as HCL. */
export function entryToHcl(entry: ConfigEntry): string {
  return flat(entryText(entry));
}

/** One artifact per entry, sorted by path. */
export function emitHcl(entries: readonly ConfigEntry[]): Artifact[] {
  return flavourFiles([HCL], inFileOrder(entries));
}

/** One entry's HCL file text, as the HCL artifacts render it. */
function fileText(entry: ConfigEntry): string {
  return withOwnKeysByForIn(entryText, entry);
}

/** The HCL files: `consul/hcl/<kind>/<name>.hcl` (each text rendered when read). */
export const HCL: Flavour = { name: 'hcl', ext: 'hcl', render: fileText };
