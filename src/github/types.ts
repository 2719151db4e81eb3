/**
 * The narrow inputs the GitHub layer reads: a plan document (`meshcc plan --json`), a validation document
 * (`meshcc validate --format json`) and a drift document (`meshcc drift --json`). They mirror what the plan, validate
 * and reconcile commands produce; `parse*` adapt the few shapes those commands may write and reject anything else
 * with a message that names the file's problem.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';

/** The plan of one datacenter: counts and the diff text (`+`, `~`, `-` lines). */
export interface DatacenterPlan {
  readonly datacenter: string;
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  /** Human diff, one change per line prefixed `+ `, `~ ` or `- `; empty when there are no changes. */
  readonly diff: string;
  /** Set when planning this datacenter failed (e.g. unreachable); the counts are then meaningless. */
  readonly error?: string;
}

/** The plan of one environment. */
export interface PlanDocument {
  readonly environment: string;
  readonly datacenters: readonly DatacenterPlan[];
  readonly diagnostics: readonly Diagnostic[];
  /** A Mermaid flowchart of the mesh with changed edges marked, when the planner drew one. */
  readonly mermaid?: string;
}

/** The findings of `meshcc validate` for one environment. */
export interface ValidationDocument {
  readonly environment: string;
  readonly diagnostics: readonly Diagnostic[];
}

/** How an entry drifted from the desired state. */
export type DriftClass = 'changed-out-of-band' | 'deleted' | 'unmanaged-new' | 'replication-pending' | 'dc-unreachable';

/** One classified difference between Git and a datacenter. */
export interface DriftItem {
  readonly datacenter: string;
  readonly class: DriftClass;
  /** Config-entry kind and name (`service-resolver/currency`); absent for `dc-unreachable`. */
  readonly kind?: string;
  readonly name?: string;
  /** Who owns the entry (ownership marker in `Meta`), e.g. `meshcc:environments/multi-dc`. */
  readonly owner?: string;
  /** A short description of the difference (a diff fragment or an error). */
  readonly detail?: string;
}

/** The drift report of one environment. */
export interface DriftDocument {
  readonly environment: string;
  readonly items: readonly DriftItem[];
}

/** A JSON input that does not have the expected shape. */
export class InputShapeError extends Error {
  override readonly name = 'InputShapeError';
}

const driftClasses: readonly DriftClass[] = [
  'changed-out-of-band',
  'deleted',
  'unmanaged-new',
  'replication-pending',
  'dc-unreachable',
];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new InputShapeError(`${what}: expected string field '${key}'`);
  return v;
}

function count(o: Obj, keys: readonly string[]): number {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  }
  return 0;
}

function diagnosticsOf(v: unknown, what: string): Diagnostic[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new InputShapeError(`${what}: 'diagnostics' must be an array`);
  return v.map((d, i) => {
    if (!isObj(d) || typeof d.code !== 'string' || typeof d.message !== 'string')
      throw new InputShapeError(`${what}: diagnostics[${i}] needs 'code' and 'message'`);
    const severity = d.severity === 'error' || d.severity === 'warning' || d.severity === 'info' ? d.severity : 'error';
    return { ...(d as object), severity, path: typeof d.path === 'string' ? d.path : '' } as Diagnostic;
  });
}

/** Environment name from `environment` (string) or `environment.name`. */
function environmentOf(o: Obj, what: string): string {
  const e = o.environment;
  if (typeof e === 'string') return e;
  if (isObj(e) && typeof e.name === 'string') return e.name;
  throw new InputShapeError(`${what}: expected 'environment' (name)`);
}

/**
 * Reads a plan document. Accepts per-datacenter counts either flat (`create`/`update`/`delete`) or under `summary`,
 * and the datacenter list as an array or as an object keyed by datacenter name.
 */
export function parsePlanDocument(json: unknown): PlanDocument {
  const what = 'plan JSON';
  if (!isObj(json)) throw new InputShapeError(`${what}: expected an object`);
  const environment = environmentOf(json, what);
  const raw = json.datacenters;
  let list: [string | undefined, unknown][];
  if (Array.isArray(raw)) list = raw.map((d) => [undefined, d]);
  else if (isObj(raw)) list = Object.entries(raw);
  else throw new InputShapeError(`${what}: expected 'datacenters'`);
  const datacenters = list.map(([key, d], i): DatacenterPlan => {
    if (!isObj(d)) throw new InputShapeError(`${what}: datacenters[${i}] must be an object`);
    const name = typeof d.datacenter === 'string' ? d.datacenter : typeof d.name === 'string' ? d.name : key;
    if (!name) throw new InputShapeError(`${what}: datacenters[${i}] has no 'datacenter' name`);
    const s = isObj(d.summary) ? d.summary : d;
    const diff = typeof d.diff === 'string' ? d.diff : Array.isArray(d.diff) ? d.diff.join('\n') : '';
    return {
      datacenter: name,
      create: count(s, ['create', 'creates', 'add']),
      update: count(s, ['update', 'updates', 'change']),
      delete: count(s, ['delete', 'deletes', 'destroy']),
      diff,
      ...(typeof d.error === 'string' ? { error: d.error } : {}),
    };
  });
  const mermaid = typeof json.mermaid === 'string' ? json.mermaid : undefined;
  return {
    environment,
    datacenters,
    diagnostics: diagnosticsOf(json.diagnostics, what),
    ...(mermaid ? { mermaid } : {}),
  };
}

/** Reads a validation document: `{ environment, diagnostics }`, or a bare diagnostics array (environment given). */
export function parseValidationDocument(json: unknown, fallbackEnvironment?: string): ValidationDocument {
  const what = 'validation JSON';
  if (Array.isArray(json)) {
    if (!fallbackEnvironment) throw new InputShapeError(`${what}: a bare array needs --env`);
    return { environment: fallbackEnvironment, diagnostics: diagnosticsOf(json, what) };
  }
  if (!isObj(json)) throw new InputShapeError(`${what}: expected an object or an array`);
  const environment = 'environment' in json ? environmentOf(json, what) : fallbackEnvironment;
  if (!environment) throw new InputShapeError(`${what}: expected 'environment' (name)`);
  return { environment, diagnostics: diagnosticsOf(json.diagnostics, what) };
}

/** Reads a drift document: `{ environment, items: [...] }` (`drift` accepted as the list's name). */
export function parseDriftDocument(json: unknown): DriftDocument {
  const what = 'drift JSON';
  if (!isObj(json)) throw new InputShapeError(`${what}: expected an object`);
  const environment = environmentOf(json, what);
  const raw = json.items ?? json.drift;
  if (!Array.isArray(raw)) throw new InputShapeError(`${what}: expected 'items' array`);
  const items = raw.map((it, i): DriftItem => {
    if (!isObj(it)) throw new InputShapeError(`${what}: items[${i}] must be an object`);
    const cls = str(it, 'class', `${what}: items[${i}]`);
    if (!(driftClasses as readonly string[]).includes(cls))
      throw new InputShapeError(`${what}: items[${i}].class '${cls}' is not one of ${driftClasses.join(', ')}`);
    return {
      datacenter: str(it, 'datacenter', `${what}: items[${i}]`),
      class: cls as DriftClass,
      ...(typeof it.kind === 'string' ? { kind: it.kind } : {}),
      ...(typeof it.name === 'string' ? { name: it.name } : {}),
      ...(typeof it.owner === 'string' ? { owner: it.owner } : {}),
      ...(typeof it.detail === 'string' ? { detail: it.detail } : {}),
    };
  });
  return { environment, items };
}
