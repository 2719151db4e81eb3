/** Validates emitted artifacts against schemas/*.schema.json with ajv, and parses HCL with a real HCL parser. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parseToObject } from 'hcl2-json-parser';
import yaml from 'js-yaml';
import type { Artifact } from '../../src/emit/artifact.ts';

const schemasDir = join(import.meta.dirname, '..', '..', 'schemas');
const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
const cache = new Map<string, ValidateFunction>();

function validator(schema: string): ValidateFunction {
  let v = cache.get(schema);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(join(schemasDir, `${schema}.schema.json`), 'utf8')));
    cache.set(schema, v);
  }
  return v;
}

/** The schema an artifact path must follow, or undefined for HCL twins (checked against their JSON). */
export function schemaFor(path: string): string | undefined {
  if (/^[^/]+\/helm\/values\.yaml$/.test(path)) return 'helm-values';
  if (/^[^/]+\/agent\/agent\.json$/.test(path)) return 'agent-config';
  if (/^[^/]+\/agent\/services\/[^/]+\.json$/.test(path)) return 'service-definition';
  if (/^[^/]+\/k8s\/[^/]+-annotations\.yaml$/.test(path)) return 'k8s-annotations';
  if (/^[^/]+\/acl\/[^/]+\.json$/.test(path)) return 'acl-policy';
  if (/^[^/]+\/gateway\/[^/]+\.json$/.test(path)) return 'gateway-config';
  if (path === 'terraform/main.tf.json') return 'terraform-config';
  return undefined;
}

/** Parses a JSON or YAML artifact. */
export function parseArtifact(a: Artifact): unknown {
  return a.path.endsWith('.yaml') ? yaml.load(a.content) : JSON.parse(a.content);
}

/** ajv errors of an artifact against its schema ([] when valid). */
export function schemaErrors(a: Artifact): string[] {
  const schema = schemaFor(a.path);
  if (!schema) throw new Error(`no schema for ${a.path}`);
  const v = validator(schema);
  if (v(parseArtifact(a))) return [];
  return (v.errors ?? []).map((e) => `${a.path}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Blocks parse as one-element lists in hcl2json; collapse those on both sides to compare HCL with JSON. */
export function collapse(v: unknown): unknown {
  if (Array.isArray(v)) {
    if (v.length === 1 && v[0] !== null && typeof v[0] === 'object' && !Array.isArray(v[0])) return collapse(v[0]);
    return v.map(collapse);
  }
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, collapse(x)]));
  }
  return v;
}

/** Parses HCL text with hcl2json (HCL v2) and returns the collapsed object. */
export async function parseHcl(text: string): Promise<unknown> {
  return collapse(await parseToObject(text));
}
