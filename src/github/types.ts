/**
 * The narrow inputs the GitHub layer reads: a plan document (`meshcc plan --json`), a validation document
 * (`meshcc validate --format json`) and a drift document (`meshcc drift --json`). They mirror what the plan, validate
 * and reconcile commands produce; `parse*` adapt the few shapes those commands may write and reject anything else
 * with a message that names the file's problem.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { ACTION_SIGN, fieldChangeLine } from '../reconcile/render-plan.ts';

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
  /** Datacenters that receive the planned datacenter's entries by replication (the secondaries of the primary). */
  readonly replicas?: readonly string[];
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

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new InputShapeError(`${what}: expected string field '${key}'`);
  return v;
}

function count(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw new InputShapeError(`plan JSON: 'summary.${key}' must be a count`);
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
 * Reads what `meshcc plan <env> --json` prints (`renderPlanJson`): `{ environment, datacenter?, replicas?, mermaid?,
 * summary: {create, update, delete}, actions: [{ type, key, modifyIndex?, changes: [{ path, before?, after? }] }],
 * unmanaged, diagnostics }`. The plan is computed against one datacenter (the primary, or `--dc`) and writes replicate
 * from there, so it becomes one `DatacenterPlan` (named `primary` when the token could not tell which datacenter that
 * is) with a `+ ~ -` diff rendered from the actions; `replicas` are listed beside it.
 */
export function parsePlanDocument(json: unknown): PlanDocument {
  const what = 'plan JSON';
  if (!isObj(json)) throw new InputShapeError(`${what}: expected an object`);
  const environment = str(json, 'environment', what);
  if (!isObj(json.summary)) throw new InputShapeError(`${what}: expected 'summary' {create, update, delete}`);
  if (!Array.isArray(json.actions)) throw new InputShapeError(`${what}: expected 'actions' array`);
  const lines: string[] = [];
  json.actions.forEach((a, i) => {
    if (!isObj(a)) throw new InputShapeError(`${what}: actions[${i}] must be an object`);
    const type = str(a, 'type', `${what}: actions[${i}]`);
    const key = str(a, 'key', `${what}: actions[${i}]`);
    if (type !== 'create' && type !== 'update' && type !== 'adopt' && type !== 'delete')
      throw new InputShapeError(`${what}: actions[${i}].type '${type}' is not create, update, adopt or delete`);
    lines.push(`${ACTION_SIGN[type]} ${key}${type === 'adopt' ? ' (adopt)' : ''}`);
    if (type === 'delete' || !Array.isArray(a.changes)) return;
    for (const c of a.changes) {
      if (!isObj(c) || typeof c.path !== 'string') continue;
      const { sign, text } = fieldChangeLine({ path: c.path, before: c.before, after: c.after });
      lines.push(`${sign}     ${text}`);
    }
  });
  const s = json.summary;
  return {
    environment,
    datacenters: [
      {
        datacenter: typeof json.datacenter === 'string' ? json.datacenter : 'primary',
        create: count(s, 'create'),
        update: count(s, 'update'),
        delete: count(s, 'delete'),
        diff: lines.join('\n'),
      },
    ],
    diagnostics: diagnosticsOf(json.diagnostics, what),
    ...(typeof json.mermaid === 'string' ? { mermaid: json.mermaid } : {}),
    ...(Array.isArray(json.replicas) ? { replicas: json.replicas.filter((d) => typeof d === 'string') } : {}),
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

const driftClassOf: Readonly<Record<string, DriftClass>> = {
  changed: 'changed-out-of-band',
  deleted: 'deleted',
  unmanaged: 'unmanaged-new',
  'replication-pending': 'replication-pending',
  'dc-unreachable': 'dc-unreachable',
};

/**
 * Reads what `meshcc drift <env> --json` prints (`DriftReport`): `{ environment, drifted, items: [{ kind, key, dc,
 * detail?, affects? }] }`, `kind` one of changed, deleted, unmanaged, replication-pending, dc-unreachable and `key`
 * `kind/name` (the datacenter for dc-unreachable). Unmanaged entries that do not affect the environment
 * (`affects: false`, listed by drift as 'unmanaged (other)') are not drift and are left out.
 */
export function parseDriftDocument(json: unknown): DriftDocument {
  const what = 'drift JSON';
  if (!isObj(json)) throw new InputShapeError(`${what}: expected an object`);
  const environment = str(json, 'environment', what);
  if (!Array.isArray(json.items)) throw new InputShapeError(`${what}: expected 'items' array`);
  const items: DriftItem[] = [];
  json.items.forEach((it, i) => {
    if (!isObj(it)) throw new InputShapeError(`${what}: items[${i}] must be an object`);
    const kind = str(it, 'kind', `${what}: items[${i}]`);
    const cls = driftClassOf[kind];
    if (!cls)
      throw new InputShapeError(
        `${what}: items[${i}].kind '${kind}' is not one of ${Object.keys(driftClassOf).join(', ')}`,
      );
    if (kind === 'unmanaged' && it.affects !== true) return;
    const key = str(it, 'key', `${what}: items[${i}]`);
    const dc = str(it, 'dc', `${what}: items[${i}]`);
    const slash = key.indexOf('/');
    const entry =
      cls !== 'dc-unreachable' && slash > 0 ? { kind: key.slice(0, slash), name: key.slice(slash + 1) } : {};
    items.push({
      datacenter: dc,
      class: cls,
      ...entry,
      ...(typeof it.detail === 'string' ? { detail: it.detail } : {}),
    });
  });
  return { environment, items };
}
