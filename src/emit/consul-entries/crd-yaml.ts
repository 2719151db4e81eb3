/**
 * Writes a config entry's consul-k8s custom resource as YAML straight from the entry: byte for byte what
 * `crdYaml(entryToCrd(entry))` prints (a property test holds the two equal), without building the resource as data
 * first (a renamed copy of every struct, then a second walk to print it). It walks the entry with its schema, prints
 * each struct's fields under their json tags in tag order (the order is worked out once per struct type and key list,
 * see `KeyOrder`), and prints maps and free-form values with the direct YAML writer's own pieces (`block-yaml.ts`).
 *
 * It follows `entryToCrd` rule for rule (see `crd-mapping.ts`). Where the entry holds something outside the direct
 * writer's subset, or a shape `entryToCrd` resolves in a way not worth repeating here (two fields with one json tag, a
 * field named `__proto__`, a `Meta` that is not an object), it writes nothing and returns false: the caller then
 * takes the reference path.
 */
import { ENTRY_SCHEMAS, type FieldType, type StructType } from '../../input/entries/schema.ts';
import type { ConfigEntry } from '../../model/entries.ts';
import { flat } from '../../model/flat-string.ts';
import { ENVIRONMENT_KEY, MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../../model/types.ts';
import {
  block,
  blockMapping,
  blockSequence,
  headsAt,
  indent,
  isBlock,
  isScalar,
  type LevelHeads,
  MAX_IMPLICIT_KEY,
  node,
  type PairHeads,
  pairHead,
  pairHeads,
  scalar,
  scalarNode,
  type ValueWriter,
} from '../block-yaml.ts';
import { FrozenText } from '../frozen-text.ts';
import { byCodeUnits, KeyOrder } from '../key-order.ts';
import { LastValue } from '../last-value.ts';
import { ANNOTATION_NAME, CRD_KINDS, camelField, kubeName, NO_CRD_FIELD } from './crd-mapping.ts';

/** The intention's `spec.destination` and `spec.sources`, which `entryToCrd` sets itself. */
const DESTINATION = Symbol('destination');
const SOURCES = Symbol('sources');

/**
 * A struct's fields as the resource prints them: entry keys in json-tag order, with the text before each value (the
 * printed tag and its indent, per level: see `PairHeads`).
 */
interface Plan extends PairHeads {
  readonly keys: readonly (string | symbol)[];
  /** For an intention: the entry key whose tag is `sources`. */
  readonly sourcesKey: string | undefined;
  /** `last[level][i]`: the text of the object or list printed last as field `i` at `level` (see `specField`). */
  readonly last: (LastValue | undefined)[][];
  /** For a resource's spec: its first pair's heads, `spec:` included (see `specHeads`). */
  spec: LevelHeads | undefined;
}

/** No plan: the reference path prints this object. */
const NONE: Plan = { keys: [], sourcesKey: undefined, last: [], spec: undefined, ...pairHeads([]) };

/** What a struct's field list leaves out or adds, by where the struct is. */
type Place = 'top' | 'intentions' | 'nested' | 'source';

/** Fields `entryToCrd` takes out of the spec (Name and Meta go to metadata). */
const NOT_IN_SPEC: ReadonlySet<string> = new Set(['Kind', 'Name', 'Meta', 'Namespace', 'Partition']);

function plan(keys: readonly string[], place: Place): Plan {
  const fields: { key: string | symbol; tag: string }[] = [];
  const tags = new Set<string>();
  let sourcesKey: string | undefined;
  for (const k of keys) {
    if ((place === 'top' || place === 'intentions') && NOT_IN_SPEC.has(k)) continue;
    if (NO_CRD_FIELD.has(k)) continue;
    const tag = camelField(k);
    if (tag === '__proto__' || tags.has(tag)) return NONE;
    tags.add(tag);
    if (place === 'intentions' && tag === 'destination') continue;
    if (place === 'intentions' && tag === 'sources') sourcesKey = k;
    else if (!(place === 'source' && tag === 'type')) fields.push({ key: k, tag });
  }
  if (place === 'intentions') fields.push({ key: DESTINATION, tag: 'destination' }, { key: SOURCES, tag: 'sources' });
  fields.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  const printed: string[] = [];
  for (const f of fields) {
    const tag = scalar(f.tag);
    if (tag === undefined || tag.length > MAX_IMPLICIT_KEY) return NONE;
    printed.push(tag);
  }
  return { keys: fields.map((f) => f.key), sourcesKey, last: [], spec: undefined, ...pairHeads(printed) };
}

/** Plans per struct type and place (schemas are a fixed set of objects), by `PLACES` index. */
const plans = new Map<StructType, KeyOrder<Plan>[]>();
const PLACES: readonly Place[] = ['top', 'intentions', 'nested', 'source'];

/** The struct type and its orders met last (a struct's fields are mostly of one type after another). */
let lastType: StructType | undefined;
let lastOrders: KeyOrder<Plan>[] = [];

/** `o`'s plan as a struct of type `t` in `place`; `level` tells `KeyOrder` where the object is (its hint slot). */
function planOf(o: object, t: StructType, place: Place, level: number): Plan {
  let orders = lastOrders;
  if (t !== lastType) {
    let found = plans.get(t);
    if (found === undefined) {
      found = PLACES.map((p) => new KeyOrder((keys) => plan(keys, p)));
      plans.set(t, found);
    }
    lastType = t;
    lastOrders = found;
    orders = found;
  }
  return orders[PLACES.indexOf(place)]!.ofObject(o, level);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Texts are ropes built with `+` (see `block-yaml.ts`); `undefined`: the reference path must print the resource.
 */
type Text = string | undefined;

/** A struct's fields under their tags (`toSpec` of a struct, then `mapping`). */
function struct(o: Record<string, unknown>, t: StructType, place: Place, level: number, compact: boolean): Text {
  const p = planOf(o, t, place, level);
  if (p === NONE) return undefined;
  const heads = headsAt(p, level);
  let s = '';
  for (let i = 0; i < p.keys.length; i++) {
    const k = p.keys[i] as string;
    const v = o[k];
    if (v === undefined) continue;
    const first = compact && s === '';
    // `spec` writes a scalar as `node` does, whatever its schema type.
    const text = isScalar(v) ? scalarNode(v) : specField(p, i, v, t.fields[k]?.type, level + 1);
    if (text === undefined) return undefined;
    s += pairHead(p, heads, i, text, first) + text;
  }
  return s === '' ? '{}' : compact ? s : block(s);
}

/**
 * `spec(v, t, level, false)` for field `i` of a struct printed with plan `p` (so `t` is the same for every value here),
 * or the text printed for the same data last (see `LastValue`), which is block text again when it was (see `isBlock`).
 */
function specField(p: Plan, i: number, v: unknown, t: FieldType | undefined, level: number): Text {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return spec(v, t, level, false);
  let atLevel = p.last[level];
  if (atLevel === undefined) {
    atLevel = [];
    p.last[level] = atLevel;
  }
  let m = atLevel[i];
  if (m === undefined) {
    m = new LastValue();
    atLevel[i] = m;
  }
  if (!m.tries()) return spec(v, t, level, false);
  if (m.has(v, undefined)) return m.note === 1 ? block(m.text) : m.text;
  const copy = m.repeat(v);
  if (copy === undefined) return spec(v, t, level, false);
  const text = spec(copy, t, level, false);
  // `keep` returns the text itself, flattened: it is still the block text made last when it was one.
  return text === undefined ? undefined : m.keep(copy, undefined, text, isBlock(text) ? 1 : 0);
}

/** A map's entries, keys as written (`toSpec` of a map, then `mapping`), each value by the map's value type. */
function map(o: Record<string, unknown>, value: FieldType, level: number, compact: boolean): Text {
  return blockMapping(o, level, compact, specValue, value);
}

/** A map value or a list item by its schema type (the writers' `arg`). */
const specValue: ValueWriter<FieldType | undefined> = (v, level, t) => spec(v, t, level, false);
const specItem: ValueWriter<FieldType | undefined> = (v, level, t) => spec(v, t, level, true);

/** The spec form of `v` (schema type `t`), written as `node` writes it (`toSpec`, then `node`). */
function spec(v: unknown, t: FieldType | undefined, level: number, compact: boolean): Text {
  if (t === undefined || t.k === 'any') return node(v, level, compact);
  if (t.k === 'list' && t.go === '[]uint8' && Array.isArray(v)) {
    return node(Buffer.from(v as number[]).toString('base64'), level, compact);
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return node(v, level, compact);
    const item = t.k === 'list' ? t.item : undefined;
    return blockSequence(v, level, compact, specItem, item);
  }
  if (!isObject(v)) return node(v, level, compact);
  if (t.k === 'map') return map(v, t.value, level, compact);
  if (t.k !== 'struct') return node(v, level, compact);
  return struct(v, t, 'nested', level, compact);
}

/** `spec.sources`: the entry's sources, each without its `type` (always `consul`). */
function sources(list: unknown, t: FieldType | undefined): Text {
  if (!Array.isArray(list) || list.length === 0) return '[]';
  const item = t?.k === 'list' ? t.item : undefined;
  return blockSequence(list, 2, false, sourceItem, item);
}

/** One of `spec.sources`, at level 3. */
const sourceItem: ValueWriter<FieldType | undefined> = (x, level, item) => {
  if (!isObject(x)) return spec(x, item, level, true);
  // `entryToCrd` drops `type` from whatever `toSpec` made of the item: only a struct item is written here.
  return item?.k === 'struct' ? struct(x, item, 'source', level, true) : undefined;
};

/** `pad key: value` (`pad key:` before a block value), as `writeBlockMapping` prints a pair. */
function pairText(pad: string, key: string, text: string): string {
  return isBlock(text) ? `${pad}${key}:${text}` : `${pad}${key}: ${text}`;
}

/** The entry's `metadata` up to `name: ` (annotations from `Meta`, the labels), kept for the shared frozen `Meta`. */
function metadata(meta: Record<string, unknown> | undefined): Text {
  if (meta === undefined) return metadataHead(undefined);
  const kept = frozenMeta.get(meta, 0);
  if (kept !== undefined) return kept;
  const s = metadataHead(meta);
  return s === undefined ? undefined : frozenMeta.keep(meta, 0, s);
}

/** The shared ownership `Meta`'s annotations and labels (see `FrozenText`). */
const frozenMeta = new FrozenText();

/** `metadata` up to the name: what depends on `Meta` alone. */
function metadataHead(meta: Record<string, unknown> | undefined): Text {
  let s = METADATA;
  if (meta !== undefined) {
    let first = true;
    const keys = metaKeys.ofObject(meta);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k === MANAGED_BY_KEY) continue;
      const key = annotationKey(k);
      if (key === null) continue;
      const v = meta[k];
      if (v === undefined) return undefined;
      const text = isScalar(v) ? scalarNode(v) : node(v, 3, false);
      if (text === undefined) return undefined;
      if (first) s += ANNOTATIONS;
      s += pairText(INDENT_2, key, text);
      first = false;
    }
  }
  s += LABELS;
  const env = meta?.[ENVIRONMENT_KEY];
  if (env !== undefined) {
    if (typeof env !== 'string') return undefined;
    if (ANNOTATION_NAME.test(env)) {
      const text = scalar(env);
      if (text === undefined) return undefined;
      s += ENVIRONMENT_LABEL + text;
    }
  }
  return s;
}

const metaKeys = new KeyOrder(byCodeUnits);
const MANAGED_BY_LABEL = `app.kubernetes.io/managed-by: ${scalar(MANAGED_BY_VALUE)}`;
/** Lines every resource has, each one piece. */
const INDENT_2 = indent(2);
const METADATA = `${indent(0)}metadata:`;
const ANNOTATIONS = `${indent(1)}annotations:`;
const LABELS = `${indent(1)}labels:${indent(2)}${MANAGED_BY_LABEL}`;
const ENVIRONMENT_LABEL = `${indent(2)}meshcc.io/environment: `;
const NAME = `${indent(1)}name: `;

/** The printed annotation key for a `Meta` key, or null when it is not kept (remembered; bounded). */
function annotationKey(k: string): string | null {
  let key = annotationKeys.get(k);
  if (key === undefined) {
    key = ANNOTATION_NAME.test(k) ? (scalar(`meshcc.io/${k}`) ?? null) : null;
    if (annotationKeys.size >= 4096) annotationKeys.clear();
    annotationKeys.set(k, key);
  }
  return key;
}

const annotationKeys = new Map<string, string | null>();

const SPEC = `${indent(0)}spec:`;

/** A Consul kind's schema and the resource's `apiVersion` and `kind` lines (one piece). */
interface KindInfo {
  readonly schema: StructType;
  readonly head: string;
  /** The last `metadata` head met (see `metadata`) and `head`, it and `name: ` as one piece. */
  lastMeta: string | undefined;
  lastTop: string;
}

/** Per Consul kind (`null`: no CRD, or not written directly); the last one asked, for entries that come kind by kind. */
const kinds = new Map<string, KindInfo | null>();
let lastKind: string | undefined;
let lastInfo: KindInfo | null = null;

function kindOf(kind: string): KindInfo | undefined {
  if (kind !== lastKind) {
    let info = kinds.get(kind);
    if (info === undefined) {
      const schema = Object.hasOwn(CRD_KINDS, kind) ? ENTRY_SCHEMAS[kind] : undefined;
      const text = Object.hasOwn(CRD_KINDS, kind) ? scalar(CRD_KINDS[kind]!) : undefined;
      info =
        schema === undefined || text === undefined
          ? null
          : {
              schema,
              head: `apiVersion: consul.hashicorp.com/v1alpha1${indent(0)}kind: ${text}`,
              lastMeta: undefined,
              lastTop: '',
            };
      // Kinds are a fixed set plus whatever unknown kinds the input names (bounded anyway).
      if (kinds.size >= 256) kinds.clear();
      kinds.set(kind, info);
    }
    lastKind = kind;
    lastInfo = info;
  }
  return lastInfo ?? undefined;
}
/** `spec.destination`, `{ name: Name }` for intentions, up to the name. */
const DESTINATION_NAME = `${indent(1)}destination:${indent(2)}name: `;
const SPEC_DESTINATION_NAME = `${SPEC}${DESTINATION_NAME}`;

/** The whole document but its final newline; `undefined` when the reference path must print it. */
function resource(e: Record<string, unknown>): Text {
  const { Kind, Name, Meta } = e;
  if (typeof Kind !== 'string' || typeof Name !== 'string') return undefined;
  const k = kindOf(Kind);
  if (k === undefined) return undefined;
  const schema = k.schema;
  if (Meta !== undefined && Meta !== null && !isObject(Meta)) return undefined;
  const meta = metadata(Meta ?? undefined);
  if (meta === undefined) return undefined;
  const nameText = scalar(kubeName(Name));
  if (nameText === undefined) return undefined;
  // The document up to the name: the kind's lines, `metadata` up to `name: ` (the shared `Meta`'s: the same string
  // every time) and `name: `, as one piece made once per kind and metadata.
  if (meta !== k.lastMeta) {
    k.lastMeta = meta;
    k.lastTop = flat(k.head + meta + NAME);
  }
  const top = k.lastTop + nameText;
  const intentions = Kind === 'service-intentions';
  const p = planOf(e, schema, intentions ? 'intentions' : 'top', 0);
  if (p === NONE) return undefined;
  const pairs = headsAt(p, 1);
  // The first pair's head begins with `spec:` (see `specHeads`).
  const first = specHeads(p);
  let s = '';
  for (let i = 0; i < p.keys.length; i++) {
    const k = p.keys[i]!;
    if (k === DESTINATION) {
      const name = scalar(Name);
      if (name === undefined) return undefined;
      s += (s === '' ? SPEC_DESTINATION_NAME : DESTINATION_NAME) + name;
      continue;
    }
    let text: Text;
    if (k === SOURCES) {
      const sourcesKey = p.sourcesKey;
      const list = sourcesKey === undefined ? undefined : e[sourcesKey];
      text = sources(list, sourcesKey === undefined ? undefined : schema.fields[sourcesKey]?.type);
    } else {
      const v = e[k as string];
      if (v === undefined) continue;
      // `spec` writes a scalar as `node` does, whatever its schema type.
      text = isScalar(v) ? scalarNode(v) : specField(p, i, v, schema.fields[k as string]?.type, 2);
    }
    if (text === undefined) return undefined;
    const heads = s === '' ? first : pairs;
    s += (isBlock(text) ? heads.block[i]! : heads.inline[i]!) + text;
  }
  return s === '' ? top : top + s;
}

/** `spec:` and each pair head at level 1 (a resource's first spec pair), per plan, made on first use. */
function specHeads(p: Plan): LevelHeads {
  let h = p.spec;
  if (h === undefined) {
    const pairs = headsAt(p, 1);
    h = { inline: pairs.inline.map((x) => SPEC + x), block: pairs.block.map((x) => SPEC + x) };
    p.spec = h;
  }
  return h;
}

/** `entry`'s custom resource, or `undefined` when the reference path must print it. */
export function entryCrdText(entry: ConfigEntry): Text {
  const text = resource(entry as unknown as Record<string, unknown>);
  return text === undefined ? undefined : `${text}\n`;
}
