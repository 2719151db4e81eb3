/**
 * Which fields of a decoded entry meshcc keeps without analyzing: everything present in the entry that the kind's
 * `ANALYZED` tree does not cover. Paths name fields as Consul does, maps and lists as `[]`
 * (`UpstreamConfig.Overrides[].Limits`, `Failover[].Policy`); a kind meshcc does not analyze at all is `*`.
 */
import { ANALYZED, type AnalyzedTree, ENTRY_SCHEMAS, type FieldType } from './schema.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function walk(v: unknown, t: FieldType | undefined, tree: AnalyzedTree, path: string, out: Set<string>): void {
  if (tree === true || t === undefined) return;
  if (t.k === 'list' && Array.isArray(v)) {
    for (const x of v) walk(x, t.item, tree, `${path}[]`, out);
    return;
  }
  if (t.k === 'map' && isObject(v)) {
    for (const x of Object.values(v)) walk(x, t.value, tree, `${path}[]`, out);
    return;
  }
  if (t.k !== 'struct' || !isObject(v)) return;
  for (const k of Object.keys(v)) {
    const at = path === '' ? k : `${path}.${k}`;
    const sub = tree[k];
    if (sub === undefined) out.add(at);
    else walk(v[k], t.fields[k]?.type, sub, at, out);
  }
}

/** Unanalyzed field paths present in `entry`, sorted; `[]` when meshcc analyzes everything in it. */
export function keptFields(entry: { readonly Kind: string }): string[] {
  const tree = ANALYZED[entry.Kind];
  if (tree === undefined) return ['*'];
  const out = new Set<string>();
  walk(entry, ENTRY_SCHEMAS[entry.Kind], tree, '', out);
  return [...out].sort();
}
