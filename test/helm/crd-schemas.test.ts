/**
 * Every custom resource meshcc emits validates against the CustomResourceDefinition the real consul-k8s chart
 * installs for its kind (the `openAPIV3Schema` of templates/crd-*.yaml, rendered by helm), made strict: a field
 * the CRD does not know fails, as does a wrong type or a value outside an enum. The API server would prune an
 * unknown field silently and the setting would never reach Consul.
 *
 * Kinds come from the emitter itself (CRD_KINDS), so a kind added there is covered here without touching this file;
 * resources from the entry fixtures (every field meshcc models), the pass-through entries (every field of the kinds
 * meshcc keeps opaque, crd-examples.ts), the per-datacenter fixtures and every example environment, all through
 * `emitCrds` as `meshcc synth` writes them.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CRD_KINDS, camelField, emitCrds, NO_CRD_FIELD } from '../../src/emit/consul-entries/crd.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { allEnvironmentCompilations } from '../emit/environments.ts';
import { fixtures } from '../emit/fixtures.ts';
import { FIXTURE_ENTRIES } from '../emit-entries/fixtures.ts';
import { chartCrds, skipChart, strictSchema } from './chart.ts';
import { fullEntries, KEPT_KIND_ENTRIES, PASS_THROUGH_ENTRIES } from './crd-examples.ts';

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
}

interface Example {
  example: string;
  path: string;
  entry: ConfigEntry;
  resource: Resource;
}

type Schema = {
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
};

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Where the CRD schema has a map (an object with no `properties`: header maps, subsets, failover, proxy config),
 * its keys are user data: the spec must carry exactly the entry's keys there, unchanged. Walks the spec beside the
 * entry (a spec field is matched to the entry field it was made from, `camelField(k) === field`); returns every
 * map whose keys differ. A spec field with no entry field behind it (the intention's destination) is not walked.
 */
function changedMapKeys(schema: Schema | undefined, spec: unknown, entry: unknown, at: string): string[] {
  if (!schema) return [];
  if (Array.isArray(spec) && Array.isArray(entry)) {
    return spec.flatMap((x, i) => changedMapKeys(schema.items, x, entry[i], `${at}[${i}]`));
  }
  if (!isObject(spec) || !isObject(entry)) return [];
  if (!schema.properties) {
    const a = Object.keys(spec).sort();
    const b = Object.keys(entry).sort();
    const out =
      JSON.stringify(a) === JSON.stringify(b)
        ? []
        : [`${at}: keys ${JSON.stringify(a)}, entry has ${JSON.stringify(b)}`];
    const values = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    for (const k of a) if (k in entry) out.push(...changedMapKeys(values, spec[k], entry[k], `${at}.${k}`));
    return out;
  }
  return Object.keys(spec).flatMap((field) => {
    const source = Object.keys(entry).find((k) => camelField(k) === field);
    return source === undefined
      ? []
      : changedMapKeys(schema.properties?.[field], spec[field], entry[source], `${at}.${field}`);
  });
}

/** Entry fields that have no place in a spec by design (docs/entries.md): identity, Meta, the intention source Type. */
const NOT_IN_SPEC = new Set(['Kind', 'Name', 'Meta', 'Namespace', 'Partition']);

/**
 * Entry fields the resource lost: every field of the entry (outside NO_CRD_FIELD and the identity fields at the top)
 * must reach the spec under its tag, all the way down. The API server would never see a dropped field, and
 * consul-k8s would write the entry to Consul without it.
 */
function lostFields(schema: Schema | undefined, spec: unknown, entry: unknown, at: string, top = false): string[] {
  if (Array.isArray(entry)) {
    if (!Array.isArray(spec)) return spec === undefined ? [at] : [];
    return entry.flatMap((x, i) => lostFields(schema?.items, spec[i], x, `${at}[${i}]`));
  }
  if (!isObject(entry)) return spec === undefined ? [at] : [];
  if (!isObject(spec)) return [at];
  if (!schema?.properties) {
    // A map or free-form object: the same keys (changedMapKeys reports renamed ones), values walked below.
    const values = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    return Object.keys(entry).flatMap((k) => (k in spec ? lostFields(values, spec[k], entry[k], `${at}.${k}`) : []));
  }
  return Object.keys(entry).flatMap((k) => {
    if (NO_CRD_FIELD.has(k) || (top && NOT_IN_SPEC.has(k))) return [];
    if (k === 'Type' && /^spec\.sources\[\d+\]$/.test(at)) return [];
    const tag = camelField(k);
    return tag in spec ? lostFields(schema.properties?.[tag], spec[tag], entry[k], `${at}.${tag}`) : [`${at}.${tag}`];
  });
}

async function examples(): Promise<Example[]> {
  const sets: [string, readonly ConfigEntry[]][] = [
    ['entry fixtures', FIXTURE_ENTRIES],
    ['pass-through entries', PASS_THROUGH_ENTRIES],
    ['every field of every kind', fullEntries(Object.keys(CRD_KINDS))],
    ['kept kinds', KEPT_KIND_ENTRIES],
    ...Object.entries(fixtures).map(([n, f]) => [`fixture ${n}`, f().entries] as [string, readonly ConfigEntry[]]),
  ];
  for (const [n, c] of await allEnvironmentCompilations()) sets.push([n, c.entries]);
  return sets.flatMap(([example, entries]) =>
    entries.map((entry) => {
      const [a] = emitCrds([entry]);
      return { example, path: a!.path, entry, resource: yaml.load(a!.content) as Resource };
    }),
  );
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
/** Kubernetes qualified names (label and annotation keys): optional DNS-subdomain prefix, name of at most 63. */
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

describe.skipIf(skipChart)('emitted CRDs against the chart’s CustomResourceDefinitions', async () => {
  // A skipped suite's body still runs (to collect its tests): without helm or the chart, render nothing.
  const crds = skipChart ? [] : chartCrds();
  const all = await examples();
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (apiVersion: string, kind: string): ValidateFunction | undefined => {
    const key = `${apiVersion} ${kind}`;
    let v = validators.get(key);
    if (!v) {
      const crd = crds.find((c) => `${c.group}/${c.version}` === apiVersion && c.kind === kind);
      if (!crd) return undefined;
      v = ajv.compile(strictSchema(crd.schema) as object);
      validators.set(key, v);
    }
    return v;
  };

  const kinds = Object.values(CRD_KINDS);

  it('finds the chart’s CRDs', () => {
    // A handful of consul.hashicorp.com kinds at least; guards against parsing nothing and passing vacuously.
    expect(crds.filter((c) => c.group === 'consul.hashicorp.com').length).toBeGreaterThan(10);
  });

  it.each(kinds)('%s: the chart installs it, every example validates, and at least one example emits it', (kind) => {
    const resources = all.filter((r) => r.resource.kind === kind);
    expect(
      resources.length,
      `no example emits ${kind}; add one to test/emit-entries/fixtures.ts (modelled kinds) or test/helm/crd-examples.ts (pass-through kinds)`,
    ).toBeGreaterThan(0);
    for (const { example, path, resource } of resources) {
      const validate = validatorFor(resource.apiVersion, kind);
      if (!validate) throw new Error(`${example} ${path}: the chart installs no CRD ${resource.apiVersion} ${kind}`);
      const ok = validate(resource);
      const errors = (validate.errors ?? []).map(
        (e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
      );
      expect(ok ? [] : errors, `${example} ${path}`).toEqual([]);
      expect(resource.metadata.name, `${example} ${path}: metadata.name`).toMatch(DNS1123_SUBDOMAIN);
      expect(resource.metadata.name.length).toBeLessThanOrEqual(253);
      for (const [k, v] of Object.entries(resource.metadata.labels ?? {})) {
        expect(k, `${example} ${path}: label key`).toMatch(QUALIFIED_NAME);
        expect(v, `${example} ${path}: label ${k}`).toMatch(LABEL_VALUE);
      }
      for (const k of Object.keys(resource.metadata.annotations ?? {})) {
        expect(k, `${example} ${path}: annotation key`).toMatch(QUALIFIED_NAME);
      }
    }
  });

  it.each(kinds)('%s: map fields keep the entry’s keys (header names, subset names, proxy config)', (kind) => {
    for (const { example, path, entry, resource } of all.filter((r) => r.resource.kind === kind)) {
      const crd = crds.find((c) => `${c.group}/${c.version}` === resource.apiVersion && c.kind === kind)!;
      const specSchema = (crd.schema as Schema).properties?.spec;
      expect(changedMapKeys(specSchema, resource.spec, entry, 'spec'), `${example} ${path}`).toEqual([]);
    }
  });

  it.each(kinds)('%s: no field of the entry is lost on the way to the spec', (kind) => {
    for (const { example, path, entry, resource } of all.filter((r) => r.resource.kind === kind)) {
      const crd = crds.find((c) => `${c.group}/${c.version}` === resource.apiVersion && c.kind === kind)!;
      const specSchema = (crd.schema as Schema).properties?.spec;
      expect(lostFields(specSchema, resource.spec ?? {}, entry, 'spec', true), `${example} ${path}`).toEqual([]);
    }
  });

  it('turns Consul field names with acronyms into field names the chart’s CRDs have', () => {
    const names = new Set<string>();
    const collect = (x: unknown): void => {
      if (Array.isArray(x)) for (const y of x) collect(y);
      else if (isObject(x)) {
        if (isObject(x.properties)) for (const k of Object.keys(x.properties)) names.add(k);
        for (const v of Object.values(x)) collect(v);
      }
    };
    for (const c of crds) if (c.group === 'consul.hashicorp.com') collect(c.schema);
    // Fields of Consul's config entries (api/config_entry*.go) whose Go names start with or hold an acronym.
    const consulFields = ['HTTP', 'JSONFormat', 'TextFormat', 'ExternalSNI', 'SourceIP', 'TTL', 'JWT', 'MutualTLSMode'];
    const tags = consulFields.map((f) => [f, camelField(f)]);
    expect(tags.filter(([, t]) => !names.has(t!))).toEqual([]);
    expect(camelField('JSONFormat')).toBe('jsonFormat');
  });

  it('every kind in the examples is one the emitter declares', () => {
    const emitted = [...new Set(all.map((r) => r.resource.kind))].sort();
    expect(emitted.filter((k) => !kinds.includes(k))).toEqual([]);
  });

  it('the strict schemas reject an unknown field and a wrong type (so a pass above means something)', () => {
    const sample = all.find((r) => r.resource.kind === 'ServiceDefaults');
    expect(sample).toBeDefined();
    const validate = validatorFor(sample!.resource.apiVersion, 'ServiceDefaults')!;
    const spec = { ...(sample!.resource.spec as Record<string, unknown>) };
    expect(validate({ ...sample!.resource, spec: { ...spec, notAField: true } })).toBe(false);
    expect(validate({ ...sample!.resource, spec: { ...spec, protocol: 7 } })).toBe(false);
    expect(validate({ ...sample!.resource, spec: { ...spec, upstreamConfig: { defaults: { bogus: 1 } } } })).toBe(
      false,
    );
  });
});
