/**
 * Emits config entries as consul-k8s custom resources (`apiVersion: consul.hashicorp.com/v1alpha1`, the kinds of
 * `CRD_KINDS`):
 * `consul/crd/<kind>/<name>.yaml`. Spec field names are the camelCase json tags of consul-k8s
 * `control-plane/api/v1alpha1/*_types.go` (`spec.failover["*"].datacenters`, `spec.connectTimeout`,
 * `spec.meshGateway.mode`, `spec.destination.name`, `spec.sources[].action`, `spec.upstreamConfig.overrides[]`).
 *
 * What has no place in a spec: Consul's Name becomes `metadata.name` (for intentions also `spec.destination.name`,
 * since a Kubernetes name cannot be `*`); Meta becomes annotations (consul-k8s writes its own Meta to Consul); the
 * intention source `Type` is dropped (always `consul`). meshcc ownership is the label
 * `app.kubernetes.io/managed-by: meshcc`. Proxy-defaults `Config` is free-form JSON and keeps its keys.
 */
import yaml from 'js-yaml';
import { ENTRY_SCHEMAS, type FieldType } from '../../input/entries/schema.ts';
import type { ConfigEntry } from '../../model/entries.ts';
import { ENVIRONMENT_KEY, MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../../model/types.ts';
import { type Artifact, sortKeys } from '../artifact.ts';
import { blockYaml } from '../block-yaml.ts';
import { withOwnKeysByForIn } from '../key-order.ts';
import { ANNOTATION_NAME, CRD_KINDS, camelField, kubeName, NO_CRD_FIELD } from './crd-mapping.ts';
import { entryCrdText } from './crd-yaml.ts';
import { type Flavour, flavourFiles, inFileOrder } from './paths.ts';

export { CRD_KINDS, camelField, kubeName, NO_CRD_FIELD } from './crd-mapping.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The spec form of a value of schema type `t`: struct fields renamed to their json tags; map keys (subset names,
 * header names, `*`) and free-form values (`Config`, extension arguments) kept as written.
 */
function toSpec(v: unknown, t: FieldType | undefined): unknown {
  if (t === undefined || t.k === 'any') return v;
  // Go []byte: base64 in JSON, a string in the CRD (`inlineBytes`).
  if (t.k === 'list' && t.go === '[]uint8' && Array.isArray(v)) return Buffer.from(v as number[]).toString('base64');
  if (Array.isArray(v)) return v.map((x) => toSpec(x, t.k === 'list' ? t.item : undefined));
  if (!isObject(v)) return v;
  if (t.k === 'map') return Object.fromEntries(Object.entries(v).map(([mk, mv]) => [mk, toSpec(mv, t.value)]));
  if (t.k !== 'struct') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x === undefined || NO_CRD_FIELD.has(k)) continue;
    out[camelField(k)] = toSpec(x, t.fields[k]?.type);
  }
  return out;
}

/** The custom resource for one entry, as plain data. */
export function entryToCrd(entry: ConfigEntry): Record<string, unknown> {
  const { Kind, Name, Meta, Namespace, Partition, ...rest } = entry as unknown as Record<string, unknown> & {
    Kind: string;
    Name: string;
    Meta?: Record<string, string>;
  };
  void Namespace;
  void Partition;
  let spec = toSpec(rest, ENTRY_SCHEMAS[Kind]) as Record<string, unknown>;
  if (Kind === 'service-intentions') {
    const sources = Array.isArray(spec.sources) ? spec.sources : [];
    spec = {
      ...spec,
      destination: { name: Name },
      sources: sources.map((s) => {
        if (!isObject(s)) return s;
        const { type, ...src } = s;
        void type;
        return src;
      }),
    };
  }
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(Meta ?? {})) {
    if (k === MANAGED_BY_KEY) continue;
    if (ANNOTATION_NAME.test(k)) annotations[`meshcc.io/${k}`] = v;
  }
  const labels: Record<string, string> = { 'app.kubernetes.io/managed-by': MANAGED_BY_VALUE };
  const env = Meta?.[ENVIRONMENT_KEY];
  if (env !== undefined && ANNOTATION_NAME.test(env)) {
    labels[`meshcc.io/environment`] = env;
  }
  return {
    apiVersion: 'consul.hashicorp.com/v1alpha1',
    kind: CRD_KINDS[Kind] ?? Kind,
    metadata: {
      name: kubeName(Name),
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    ...(Object.keys(spec).length > 0 ? { spec } : {}),
  };
}

/**
 * Deterministic YAML: keys sorted (apiVersion, kind, metadata, spec is already that order), no anchors, no folding.
 * The direct writer prints js-yaml's bytes for ordinary resources; js-yaml itself writes the rest.
 */
export function crdYaml(resource: Record<string, unknown>): string {
  return (
    blockYaml(resource) ??
    yaml.dump(sortKeys(resource), { sortKeys: true, noRefs: true, lineWidth: -1, quotingType: '"' })
  );
}

/** One artifact per entry, sorted by path. */
export function emitCrds(entries: readonly ConfigEntry[]): Artifact[] {
  return flavourFiles([CRD], inFileOrder(entries));
}

function hasCrd(kind: string): boolean {
  return CRD_KINDS[kind] !== undefined;
}

/** One entry's custom resource file: the direct writer's text, or the reference path's for what it does not take. */
function resourceText(e: ConfigEntry): string {
  return entryCrdText(e) ?? crdYaml(entryToCrd(e));
}

/** `resourceText` as the CRD artifacts render it. */
function fileText(e: ConfigEntry): string {
  return withOwnKeysByForIn(resourceText, e);
}

/**
 * The CRD files: `consul/crd/<kind>/<name>.yaml` (entries of kinds without a CRD have none; each rendered when read).
 */
export const CRD: Flavour = { name: 'crd', ext: 'yaml', render: fileText, keep: hasCrd };
