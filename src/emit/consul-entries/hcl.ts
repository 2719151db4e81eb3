/**
 * Emits each config entry as HCL ready for `consul config write`: `consul/hcl/<kind>/<name>.hcl`. Kind and Name come
 * first, then the other fields sorted; struct fields (MeshGateway, Redirect, UpstreamConfig, ...) are blocks, maps
 * (Failover, Subsets, Meta, Config) are `X = { "k" = ... }`, lists of structs are lists of objects. The output is
 * accepted by both HCL 1 (what `consul config write` parses) and HCL 2, and decodes back to the same entry.
 *
 * Strings are written with JSON escapes; `${` is not escaped, because HCL 1 (Consul) keeps it literal.
 */
import { ENTRY_SCHEMAS, type FieldType } from '../../input/entries/schema.ts';
import type { ConfigEntry } from '../../model/entries.ts';
import type { Artifact } from '../artifact.ts';
import { byPath, entryFilePath } from './paths.ts';

const INDENT = '  ';
const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function key(k: string): string {
  return IDENT.test(k) ? k : JSON.stringify(k);
}

/** Set fields, sorted; at the top level Kind and Name come first (sorted, Kind is before Name already). */
function sortedKeys(o: Record<string, unknown>, topLevel: boolean): string[] {
  const keys: string[] = [];
  for (const k of Object.keys(o)) if (o[k] !== undefined && o[k] !== null) keys.push(k);
  keys.sort();
  if (!topLevel) return keys;
  const head = keys.filter((k) => k === 'Kind' || k === 'Name');
  return head.length === 0 ? keys : [...head, ...keys.filter((k) => k !== 'Kind' && k !== 'Name')];
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

/** An HCL expression for `v` (`t` is its schema type when known). */
function expr(v: unknown, t: FieldType | undefined, depth: number): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const pad = indent(depth + 1);
  const close = indent(depth);
  if (Array.isArray(v)) {
    const item = t?.k === 'list' ? t.item : undefined;
    if (v.length === 0) return '[]';
    if (v.every((x) => !isObject(x) && !Array.isArray(x))) return `[${v.map((x) => expr(x, item, depth)).join(', ')}]`;
    return `[\n${v.map((x) => `${pad}${expr(x, item, depth + 1)},\n`).join('')}${close}]`;
  }
  if (isObject(v)) {
    const keys = sortedKeys(v, false);
    if (keys.length === 0) return '{}';
    const lines = keys.map((k) => {
      const ft = t?.k === 'map' ? t.value : fieldType(t, k);
      const label = t?.k === 'map' || t === undefined || t.k === 'any' ? JSON.stringify(k) : key(k);
      return `${pad}${label} = ${expr(v[k], ft, depth + 1)}\n`;
    });
    return `{\n${lines.join('')}${close}}`;
  }
  return 'null';
}

/** The body of a block (or the whole file): attributes, and blocks for struct-typed fields. */
function body(o: Record<string, unknown>, t: FieldType | undefined, depth: number, topLevel: boolean): string {
  const pad = indent(depth);
  return sortedKeys(o, topLevel)
    .map((k) => {
      const v = o[k];
      const ft = fieldType(t, k);
      if (ft?.k === 'struct' && isObject(v)) {
        return `${pad}${key(k)} {\n${body(v, ft, depth + 1, false)}${pad}}\n`;
      }
      return `${pad}${key(k)} = ${expr(v, ft, depth)}\n`;
    })
    .join('');
}

/** Renders one entry as HCL. */
export function entryToHcl(entry: ConfigEntry): string {
  return body(entry as unknown as Record<string, unknown>, ENTRY_SCHEMAS[entry.Kind], 0, true);
}

/** One artifact per entry, sorted by path. */
export function emitHcl(entries: readonly ConfigEntry[]): Artifact[] {
  return entries.map((e) => ({ path: entryFilePath('hcl', e, 'hcl'), content: entryToHcl(e) })).sort(byPath);
}
