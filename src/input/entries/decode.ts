/**
 * The decoding core: turns one raw config entry (plain data from JSON, YAML or HCL) into Consul's API shape exactly as
 * `consul config write` does (`command/helpers.newDecodeConfigEntry`): mapstructure with `WeaklyTypedInput`, the
 * `lib/decode` hooks `HookWeakDecodeFromSlice` (single-element block lists squashed) and `HookTranslateKeys`
 * (snake_case aliases), `StringToTimeDurationHookFunc`, case-insensitive field names, and every unused key reported as
 * `invalid config key "..."`. Problems are returned as issues with Consul's own message, never thrown.
 */
import { formatGoDuration, parseGoDuration } from '../../model/go-duration.ts';
import type { FieldSpec, FieldType, StructType } from './schema-types.ts';
import { indexKey } from './source-lines.ts';

/** What went wrong, classified for the diagnostic catalog. */
export type IssueKind = 'invalid-key' | 'wrong-type' | 'invalid-mode';

export interface DecodeIssue {
  readonly kind: IssueKind;
  /** Consul's message, e.g. `invalid config key "Failover[*].Foo"`. */
  readonly message: string;
  /** JSON pointer of the offending field inside the entry, e.g. `/Failover/*\/Foo`. */
  readonly pointer: string;
  /** Path of the keys as written in the source file (for locating the line). */
  readonly sourceKeys: readonly string[];
  /** What was expected there. */
  readonly expected?: string;
}

interface Ctx {
  readonly issues: DecodeIssue[];
  /** Every decoded field's pointer with its source keys (for field spans). */
  readonly fields: Map<string, readonly string[]>;
}

interface Where {
  /** Consul/mapstructure name: `Failover[*].Datacenters`. */
  readonly name: string;
  readonly pointer: string;
  readonly keys: readonly string[];
}

function child(w: Where, display: string, ptrSeg: string, key: string | undefined, sep = '.'): Where {
  return {
    name: w.name === '' ? display : display.startsWith('[') ? `${w.name}${display}` : `${w.name}${sep}${display}`,
    pointer: `${w.pointer}/${ptrSeg.replace(/~/g, '~0').replace(/\//g, '~1')}`,
    keys: key === undefined ? w.keys : [...w.keys, key],
  };
}

/** Go's name for the dynamic type of a decoded HCL/JSON value, as mapstructure prints it. */
export function goTypeOf(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v !== null && typeof v === 'object') return 'map[string]interface {}';
  return '<nil>';
}

/** Go's `reflect.Kind` name of a value. */
function goKindOf(v: unknown): string {
  if (Array.isArray(v)) return 'slice';
  if (v !== null && typeof v === 'object') return 'map';
  return goTypeOf(v);
}

function expectedName(t: FieldType): string {
  switch (t.k) {
    case 'string':
      return t.go ?? 'string';
    case 'int':
      return t.go ?? 'int';
    case 'float':
      return t.go;
    case 'time':
      return 'time.Time';
    case 'bool':
      return 'bool';
    case 'duration':
      return 'time.Duration';
    case 'any':
      return 'interface {}';
    default:
      return t.go;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isEmptyObject(v: unknown): boolean {
  return isObject(v) && Object.keys(v).length === 0;
}

/** `lib/decode.unSlice`: inside opaque data, single-element lists that are map values become their element. */
function unSlice(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unSlice);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = Array.isArray(x) && x.length === 1 ? unSlice(x[0]) : unSlice(x);
    }
    return out;
  }
  return v;
}

function unconvertible(ctx: Ctx, w: Where, t: FieldType, v: unknown): undefined {
  ctx.issues.push({
    kind: 'wrong-type',
    message: `'${w.name}' expected type '${expectedName(t)}', got unconvertible type '${goTypeOf(v)}'`,
    pointer: w.pointer,
    sourceKeys: w.keys,
    expected: expectedName(t),
  });
  return undefined;
}

function parseFailed(ctx: Ctx, w: Where, t: FieldType, err: string): undefined {
  ctx.issues.push({
    kind: 'wrong-type',
    message: `'${w.name}' cannot parse value as '${expectedName(t)}': ${err}`,
    pointer: w.pointer,
    sourceKeys: w.keys,
    expected: expectedName(t),
  });
  return undefined;
}

/** Go's `strconv.ParseInt(s, 0, 64)`. */
function parseGoInt(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|[1-9][0-9_]*|0)$/.exec(s);
  if (!m) return undefined;
  let body = (m[2] ?? '').replace(/_/g, '');
  if (/^0[0-7]+$/.test(body)) body = `0o${body.slice(1)}`;
  const n = Number(body);
  if (!Number.isSafeInteger(n)) return undefined;
  return m[1] === '-' ? -n : n;
}

/** Go's `strconv.ParseFloat(s, 64)` for decimal text and the special values (hex floats are not needed here). */
function parseGoFloat(s: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) return special[2]?.toLowerCase() === 'nan' ? Number.NaN : special[1] === '-' ? -Infinity : Infinity;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : undefined;
}

function decodeValue(ctx: Ctx, t: FieldType, raw: unknown, w: Where): unknown {
  let v = raw;
  // HookWeakDecodeFromSlice: a single-element list decodes into a non-list target as its element.
  if (Array.isArray(v) && t.k !== 'list' && v.length === 1) v = t.k === 'any' ? unSlice(v[0]) : v[0];
  if (v === null || v === undefined) return undefined;
  ctx.fields.set(w.pointer, w.keys);
  switch (t.k) {
    case 'any':
      return v;
    case 'string': {
      let s: string;
      if (typeof v === 'string') s = v;
      else if (typeof v === 'boolean') s = v ? '1' : '0';
      else if (typeof v === 'number') s = String(v);
      else return unconvertible(ctx, w, t, v);
      return checkEnum(ctx, t.go, s, w);
    }
    case 'int':
      if (typeof v === 'number') return Math.trunc(v);
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string') {
        const n = parseGoInt(v === '' ? '0' : v);
        return n === undefined ? parseFailed(ctx, w, t, 'strconv.ParseInt: invalid syntax') : n;
      }
      return unconvertible(ctx, w, t, v);
    case 'float':
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string') {
        const n = parseGoFloat(v === '' ? '0' : v);
        return n === undefined ? parseFailed(ctx, w, t, 'strconv.ParseFloat: invalid syntax') : n;
      }
      return unconvertible(ctx, w, t, v);
    case 'time':
      if (typeof v === 'string') return v;
      return unconvertible(ctx, w, t, v);
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0;
      if (typeof v === 'string') {
        if (v === '') return false;
        if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
        if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
        return parseFailed(ctx, w, t, 'strconv.ParseBool: invalid syntax');
      }
      return unconvertible(ctx, w, t, v);
    case 'duration': {
      let ns: bigint;
      if (typeof v === 'string') {
        const p = parseGoDuration(v);
        if (!p.ok) {
          // mapstructure's wrapTimeParseDurationError drops the quoted input from Go's message.
          const msg = p.error.startsWith('time: unknown unit ')
            ? 'time: unknown unit'
            : p.error.slice(0, p.error.lastIndexOf(' '));
          ctx.issues.push({
            kind: 'wrong-type',
            message: `'${w.name}' ${msg}`,
            pointer: w.pointer,
            sourceKeys: w.keys,
            expected: 'a Go duration such as "3s" or "1m30s"',
          });
          return undefined;
        }
        ns = p.ns;
      } else if (typeof v === 'number') ns = BigInt(Math.trunc(v));
      else if (typeof v === 'boolean') ns = v ? 1n : 0n;
      else return unconvertible(ctx, w, t, v);
      return ns === 0n ? undefined : formatGoDuration(ns);
    }
    case 'list': {
      // WeaklyTypedInput lifts a single value into a list; an empty map becomes an empty list.
      const items = Array.isArray(v) ? v : isObject(v) && Object.keys(v).length === 0 ? [] : [v];
      const out: unknown[] = [];
      items.forEach((item, i) => {
        const d = decodeValue(ctx, t.item, item, child(w, `[${i}]`, String(i), indexKey(i)));
        out.push(d === undefined && t.item.k === 'struct' ? {} : d);
      });
      return out.length === 0 ? undefined : out;
    }
    case 'map': {
      let src: Record<string, unknown>;
      if (isObject(v)) src = v;
      else if (Array.isArray(v) && v.every(isObject)) src = Object.assign({}, ...v);
      else return unconvertible(ctx, w, t, v);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(src)) {
        const d = decodeValue(ctx, t.value, src[k], child(w, `[${k}]`, k, k));
        if (d !== undefined) out[k] = d;
        else if (t.value.k === 'struct') out[k] = {};
      }
      return Object.keys(out).length === 0 ? undefined : out;
    }
    case 'struct':
      return decodeStruct(ctx, t, v, w);
  }
}

const ENUMS: Readonly<Record<string, { readonly values: readonly string[]; readonly label: string }>> = {
  'api.MeshGatewayMode': { values: ['', 'none', 'local', 'remote'], label: 'Mesh Gateway Mode' },
  'api.ProxyMode': { values: ['', 'direct', 'transparent'], label: 'Proxy Mode' },
};

/**
 * Gateway and proxy modes: Consul's config-entry decoder stores any string here (only agent config runs
 * `ValidateMeshGatewayMode`), but an unknown mode silently behaves as the default, so meshcc rejects it with the
 * message `structs.ValidateMeshGatewayMode` / `ValidateProxyMode` use.
 */
function checkEnum(ctx: Ctx, go: string | undefined, s: string, w: Where): string | undefined {
  const e = go === undefined ? undefined : ENUMS[go];
  if (e === undefined || e.values.includes(s)) return s;
  ctx.issues.push({
    kind: 'invalid-mode',
    message: `Invalid ${e.label}: ${JSON.stringify(s)}`,
    pointer: w.pointer,
    sourceKeys: w.keys,
    expected: `one of ${e.values
      .filter((x) => x !== '')
      .map((x) => JSON.stringify(x))
      .join(', ')} (or unset)`,
  });
  return undefined;
}

function matchKeys(src: Record<string, unknown>, name: string, spec: FieldSpec): string[] {
  const lower = name.toLowerCase();
  const alias = spec.alias?.toLowerCase();
  return Object.keys(src).filter((k) => {
    const kl = k.toLowerCase();
    return kl === lower || (alias !== undefined && kl === alias);
  });
}

function decodeStruct(ctx: Ctx, t: StructType, v: unknown, w: Where): Record<string, unknown> | undefined {
  if (!isObject(v)) {
    ctx.issues.push({
      kind: 'wrong-type',
      message: `'${w.name}' expected a map or struct, got "${goKindOf(v)}"`,
      pointer: w.pointer,
      sourceKeys: w.keys,
      expected: `a block/object with fields ${Object.keys(t.fields).join(', ')}`,
    });
    return undefined;
  }
  const used = new Set<string>();
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(t.fields)) {
    const keys = matchKeys(v, name, spec);
    if (keys.length === 0) continue;
    // An exact or canonical spelling wins over an alias, as in HookTranslateKeys + mapstructure.
    const key = keys.find((k) => k === name) ?? keys.find((k) => k.toLowerCase() === name.toLowerCase()) ?? keys[0];
    if (key === undefined) continue;
    used.add(key);
    const d = decodeValue(ctx, spec.type, v[key], child(w, name, name, key));
    if (d === undefined) continue;
    // Go zero values are "unset" (Consul's JSON omits them) unless the field is a pointer written explicitly.
    if (!spec.ptr && (d === '' || d === false || d === 0 || (isEmptyObject(d) && spec.type.k === 'struct'))) continue;
    out[name] = d;
  }
  for (const k of Object.keys(v)) {
    if (used.has(k)) continue;
    if (w.name === '' && k.toLowerCase() === 'kind') continue;
    const at = child(w, k, k, k);
    const lk = k.toLowerCase();
    const suffix = lk.endsWith('namespace')
      ? ', namespaces are a consul enterprise feature'
      : lk.includes('jwt')
        ? ', api-gateway jwt validation is a consul enterprise feature'
        : '';
    ctx.issues.push({
      kind: 'invalid-key',
      message: `invalid config key "${at.name}"${suffix}`,
      pointer: at.pointer,
      sourceKeys: at.keys,
      expected: `one of ${Object.keys(t.fields)
        .filter((f) => f !== 'Kind')
        .join(', ')}`,
    });
  }
  return out;
}

/** Result of decoding one entry against a schema. */
export interface StructDecode {
  readonly value: Record<string, unknown> | undefined;
  readonly issues: readonly DecodeIssue[];
  /** Source keys of every decoded field, by JSON pointer. */
  readonly fields: ReadonlyMap<string, readonly string[]>;
}

/** Decodes `raw` into the struct `t` the way Consul's config-entry decoder does. */
export function decodeStructEntry(t: StructType, raw: unknown): StructDecode {
  const ctx: Ctx = { issues: [], fields: new Map() };
  const value = decodeStruct(ctx, t, raw, { name: '', pointer: '', keys: [] });
  return { value, issues: ctx.issues, fields: ctx.fields };
}
