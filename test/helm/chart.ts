/**
 * The real consul-k8s chart as a test peer: `helm template` of a values object (offline), and the
 * CustomResourceDefinitions the chart installs (its templates/crd-*.yaml, rendered by helm itself).
 *
 * The chart comes from MESHCC_CONSUL_CHART_DIR or `../shared/consul-k8s-chart` beside the repository
 * (test/support/peers.ts); helm from scripts/setup-helm.sh. Missing either skips the suites loudly, and fails them
 * under MESHCC_REQUIRE_CHART=1 / MESHCC_REQUIRE_PEERS=1 (CI sets both).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { consulChart, helmBinary, missingPeer, requireChart } from '../support/peers.ts';

export const helm = helmBinary();
export const chart = consulChart();

/** Whether the chart suites must be skipped (already reported loudly, or thrown under the require flags). */
export const skipChart =
  (!helm && missingPeer('helm', 'run scripts/setup-helm.sh or set MESHCC_HELM', requireChart)) ||
  (!chart &&
    missingPeer(
      'consul-k8s chart',
      'set MESHCC_CONSUL_CHART_DIR to a chart directory (charts/consul of a consul-k8s checkout), or provide ../shared/consul-k8s-chart beside the repository',
      requireChart,
    ));

/** The chart's kubeVersion constraint must accept the version helm templates for (the chart wants ≥ 1.22). */
export const KUBE_VERSION = '1.33.0';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [k: string]: unknown;
}

export type Rendered = { ok: true; manifests: Manifest[] } | { ok: false; error: string };

/**
 * `helm template <release> <chart> --namespace <ns> -f values.yaml`; the chart's `fail` text on failure. `values` is
 * a values file's text (written as is: the bytes meshcc emits) or an object (dumped as YAML).
 */
export function renderChart(values: unknown, release = 'consul', namespace = 'consul'): Rendered {
  const dir = mkdtempSync(join(tmpdir(), 'meshcc-helm-'));
  try {
    const file = join(dir, 'values.yaml');
    writeFileSync(file, typeof values === 'string' ? values : yaml.dump(values, { noRefs: true, lineWidth: -1 }));
    const r = spawnSync(
      helm!,
      ['template', release, chart!, '--namespace', namespace, '--kube-version', KUBE_VERSION, '-f', file],
      { encoding: 'utf8', maxBuffer: 128 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: join(dir, 'cache') } },
    );
    if (r.error) throw r.error;
    if (r.status !== 0) return { ok: false, error: r.stderr };
    const manifests = yaml.loadAll(r.stdout).filter((d): d is Manifest => !!d && typeof d === 'object');
    return { ok: true, manifests };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Renders and throws with helm's stderr when the chart refuses the values. */
export function renderOk(values: unknown, release?: string, namespace?: string): Manifest[] {
  const r = renderChart(values, release, namespace);
  if (!r.ok) throw new Error(`helm template failed:\n${r.error}`);
  return r.manifests;
}

/** One served version of a CustomResourceDefinition with its schema. */
export interface CrdVersion {
  group: string;
  kind: string;
  version: string;
  schema: Record<string, unknown>;
  /** The chart template the CRD came from (`templates/crd-servicedefaults.yaml`). */
  source: string;
}

let crdCache: CrdVersion[] | undefined;

/** Every CRD version the chart installs (connect injection on, the chart's default), by `apiVersion` and kind. */
export function chartCrds(): CrdVersion[] {
  if (crdCache) return crdCache;
  const dir = mkdtempSync(join(tmpdir(), 'meshcc-helm-'));
  try {
    const r = spawnSync(helm!, ['template', 'consul', chart!, '--kube-version', KUBE_VERSION], {
      encoding: 'utf8',
      maxBuffer: 128 * 1024 * 1024,
      env: { ...process.env, HELM_CACHE_HOME: join(dir, 'cache') },
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`helm template of the chart's defaults failed:\n${r.stderr}`);
    const out: CrdVersion[] = [];
    for (const doc of r.stdout.split(/^---$/m)) {
      const source = /^# Source: [^/]+\/(templates\/crd-[^\n]+\.yaml)$/m.exec(doc)?.[1];
      const m = yaml.load(doc) as Manifest | undefined;
      if (!source || !m || m.kind !== 'CustomResourceDefinition') continue;
      const spec = m.spec as {
        group: string;
        names: { kind: string };
        versions: { name: string; served: boolean; schema: { openAPIV3Schema: Record<string, unknown> } }[];
      };
      for (const v of spec.versions) {
        if (!v.served) continue;
        out.push({
          group: spec.group,
          kind: spec.names.kind,
          version: v.name,
          schema: v.schema.openAPIV3Schema,
          source,
        });
      }
    }
    crdCache = out;
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A CRD schema made strict: every object schema that lists `properties` and says nothing about extra keys gets
 * `additionalProperties: false` (the API server prunes unknown fields silently; meshcc wants to know). Schemas marked
 * `x-kubernetes-preserve-unknown-fields` keep accepting anything, as the API server does.
 */
export function strictSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(strictSchema);
  if (s === null || typeof s !== 'object') return s;
  const o = s as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'description') continue;
    if (k === 'properties' && v && typeof v === 'object') {
      // Property names are data here, not keywords.
      out[k] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([p, ps]) => [p, strictSchema(ps)]));
    } else out[k] = strictSchema(v);
  }
  if (o.properties && o.additionalProperties === undefined && o['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}
