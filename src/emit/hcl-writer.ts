/**
 * A small, deterministic HCL printer for the agent, service and ACL files meshcc writes. It prints a body of
 * attributes and (labelled) blocks; nested objects of plain JSON become blocks, lists of objects become list
 * attributes of object literals, the way Consul's own examples write `upstreams = [ { ... } ]`.
 */

/** A value inside an attribute. */
export type HclValue = string | number | boolean | readonly HclValue[] | { readonly [key: string]: HclValue };

/** `name = value`. */
export interface HclAttribute {
  readonly kind: 'attribute';
  readonly name: string;
  readonly value: HclValue;
}

/** `type "label" ... { body }`. */
export interface HclBlock {
  readonly kind: 'block';
  readonly type: string;
  readonly labels: readonly string[];
  readonly body: HclBody;
}

export type HclBody = readonly (HclAttribute | HclBlock)[];

/** Builds an attribute. */
export function attr(name: string, value: HclValue): HclAttribute {
  return { kind: 'attribute', name, value };
}

/** Builds a block. */
export function block(type: string, labels: readonly string[], body: HclBody): HclBlock {
  return { kind: 'block', type, labels, body };
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A quoted HCL string: JSON escapes, plus `${` and `%{` escaped so nothing is interpolated. */
export function quote(s: string): string {
  return JSON.stringify(s)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
}

function key(k: string): string {
  return IDENT.test(k) ? k : quote(k);
}

function isObject(v: unknown): v is { readonly [key: string]: HclValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function value(v: HclValue, indent: string): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (!v.some((x) => isObject(x) || Array.isArray(x))) return `[${v.map((x) => value(x, inner)).join(', ')}]`;
    return `[\n${v.map((x) => `${inner}${value(x, inner)},`).join('\n')}\n${indent}]`;
  }
  const obj = v as { readonly [key: string]: HclValue };
  const keys = Object.keys(obj).sort();
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${key(k)} = ${value(obj[k]!, inner)}`).join('\n')}\n${indent}}`;
}

function body(b: HclBody, indent: string): string[] {
  const lines: string[] = [];
  for (const item of b) {
    if (item.kind === 'attribute') {
      lines.push(`${indent}${key(item.name)} = ${value(item.value, indent)}`);
    } else {
      const head = [item.type, ...item.labels.map(quote)].join(' ');
      if (item.body.length === 0) lines.push(`${indent}${head} {}`);
      else lines.push(`${indent}${head} {`, ...body(item.body, `${indent}  `), `${indent}}`);
    }
  }
  return lines;
}

/** Renders a body as HCL text with a trailing newline; `header` lines become `#` comments on top. */
export function renderHcl(b: HclBody, header: readonly string[] = []): string {
  return `${[...header.map((h) => `# ${h}`), ...body(b, '')].join('\n')}\n`;
}

/**
 * Converts plain JSON (keys sorted, `undefined` dropped) to a body: objects become unlabelled blocks, everything
 * else an attribute. Names listed in `literal` stay attributes holding an object literal (e.g. `meta`, `config`,
 * whose keys are data, not schema).
 */
export function bodyFromJson(obj: Readonly<Record<string, unknown>>, literal: readonly string[] = []): HclBody {
  const out: (HclAttribute | HclBlock)[] = [];
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined || v === null) continue;
    if (isObject(v) && !literal.includes(k)) out.push(block(k, [], bodyFromJson(v, literal)));
    else out.push(attr(k, clean(v)));
  }
  return out;
}

function clean(v: unknown): HclValue {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined && x !== null).map(clean);
  if (isObject(v)) {
    const o: Record<string, HclValue> = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined && v[k] !== null) o[k] = clean(v[k]);
    return o;
  }
  return v as HclValue;
}
