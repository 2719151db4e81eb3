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
import type { Artifact } from '../artifact.ts';
import { byCodeUnits, KeyOrder } from '../key-order.ts';
import { TextChunks } from '../text-chunks.ts';
import { byPath, entryFilePath } from './paths.ts';

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

/** `k` quoted, as a map key. */
function quoted(k: string): string {
  let name = quotedKeys.get(k);
  if (name === undefined) {
    name = JSON.stringify(k);
    remember(quotedKeys, k, name);
  }
  return name;
}

/** Field names and map keys recur in every entry: each is checked and quoted once (bounded). */
const keys = new Map<string, string>();
const quotedKeys = new Map<string, string>();

function remember(memo: Map<string, string>, k: string, v: string): void {
  if (memo.size >= 16_384) memo.clear();
  memo.set(k, v);
}

/** Fields print sorted; at the top level Kind and Name come first (sorted, Kind is before Name already). */
const nestedOrder = new KeyOrder(byCodeUnits);
const topOrder = new KeyOrder((keys) => {
  keys.sort();
  const head = keys.filter((k) => k === 'Kind' || k === 'Name');
  return head.length === 0 ? keys : [...head, ...keys.filter((k) => k !== 'Kind' && k !== 'Name')];
});

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

/**
 * Files are written as pieces (mostly strings that already exist: keys, indents, punctuation) into a `TextChunks`, so
 * no intermediate string is built per value and no piece list per file.
 */
type Out = TextChunks;

/** An HCL expression for `v` (`t` is its schema type when known). */
function expr(out: Out, v: unknown, t: FieldType | undefined, depth: number): void {
  if (typeof v === 'string') out.push(JSON.stringify(v));
  else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  else if (Array.isArray(v)) {
    const item = t?.k === 'list' ? t.item : undefined;
    if (v.length === 0) out.push('[]');
    else if (v.every((x) => !isObject(x) && !Array.isArray(x))) {
      // `[a, b]` (a hole in a sparse array prints as nothing, as `join` prints it).
      out.push('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) out.push(', ');
        if (i in v) expr(out, v[i], item, depth);
      }
      out.push(']');
    } else {
      const pad = indent(depth + 1);
      out.push('[\n');
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) continue;
        out.push(pad);
        expr(out, v[i], item, depth + 1);
        out.push(',\n');
      }
      out.push(indent(depth));
      out.push(']');
    }
  } else if (isObject(v)) {
    const pad = indent(depth + 1);
    const map = t?.k === 'map';
    const labelQuoted = map || t === undefined || t.k === 'any';
    const keys = nestedOrder.of(Object.keys(v));
    if (!keys.some((k) => isSet(v[k]))) {
      out.push('{}');
      return;
    }
    out.push('{\n');
    for (const k of keys) {
      const x = v[k];
      if (!isSet(x)) continue;
      out.push(pad);
      out.push(labelQuoted ? quoted(k) : key(k));
      out.push(' = ');
      expr(out, x, map ? t.value : fieldType(t, k), depth + 1);
      out.push('\n');
    }
    out.push(indent(depth));
    out.push('}');
  } else out.push('null');
}

/** The body of a block (or the whole file): attributes, and blocks for struct-typed fields. */
function body(out: Out, o: Record<string, unknown>, t: FieldType | undefined, depth: number, topLevel: boolean): void {
  const pad = indent(depth);
  for (const k of (topLevel ? topOrder : nestedOrder).of(Object.keys(o))) {
    const v = o[k];
    if (!isSet(v)) continue;
    const ft = fieldType(t, k);
    out.push(pad);
    out.push(key(k));
    if (ft?.k === 'struct' && isObject(v)) {
      out.push(' {\n');
      body(out, v, ft, depth + 1, false);
      out.push(pad);
      out.push('}\n');
    } else {
      out.push(' = ');
      expr(out, v, ft, depth);
      out.push('\n');
    }
  }
}

/** Writes one entry as HCL (one text of `out`). */
function writeEntry(out: Out, entry: ConfigEntry): void {
  body(out, apiBody(entry), ENTRY_SCHEMAS[entry.Kind], 0, true);
  out.end();
}

/** Renders one entry as HCL. */
export function entryToHcl(entry: ConfigEntry): string {
  const out = new TextChunks();
  writeEntry(out, entry);
  return out.finish()[0]!;
}

/** One artifact per entry, sorted by path. */
export function emitHcl(entries: readonly ConfigEntry[]): Artifact[] {
  const out = new TextChunks();
  for (const e of entries) writeEntry(out, e);
  const texts = out.finish();
  return entries.map((e, i) => ({ path: entryFilePath('hcl', e, 'hcl'), content: texts[i]! })).sort(byPath);
}
