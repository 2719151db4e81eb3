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
  /** Peered environments: the cluster whose primary this datacenter is (each cluster is planned on its own). */
  readonly cluster?: string;
  /** Peered environments: the cluster's other datacenters, which receive its entries by replication. */
  readonly replicas?: readonly string[];
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  /** Human diff, one change per line prefixed `+ `, `~ ` or `- `; empty when there are no changes. */
  readonly diff: string;
  /** Set when planning this datacenter failed (e.g. unreachable); the counts are then meaningless. */
  readonly error?: string;
}

/** One side of a peering as live Consul showed it. */
export interface PeeringSideStatus {
  readonly cluster: string;
  /** The name this cluster gives the other side. */
  readonly peerName: string;
  /** `ACTIVE`, `PENDING`, `FAILING`, ...; absent when the side has no such peering. */
  readonly state?: string;
}

/** A peering of a peered environment: both sides' live state, and (drift) what is wrong and how to fix it. */
export interface PeeringStatus {
  /** `acceptor/its-name <- dialer/its-name`. */
  readonly key: string;
  readonly acceptor: PeeringSideStatus;
  readonly dialer: PeeringSideStatus;
  /** Both sides ACTIVE. */
  readonly active: boolean;
  readonly problem?: string;
  readonly fix?: string;
  /** Plan: what stands in the way of establishing it now (e.g. no mesh gateway registered in the acceptor). */
  readonly blocker?: string;
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
  /** Peered environments (plan JSON schema version 2): every peering and whether apply establishes it. */
  readonly peerings?: readonly PeeringStatus[];
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
  /** Peered environments: the cluster of the datacenter. */
  readonly cluster?: string;
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
  /** Peered environments (drift JSON schema version 2): every peering; one not active on both sides is drift. */
  readonly peerings?: readonly PeeringStatus[];
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
    const path = typeof d.path === 'string' ? d.path : typeof d.cluster === 'string' ? `cluster ${d.cluster}` : '';
    return { ...(d as object), severity, path } as Diagnostic;
  });
}

/** Environment name from `environment` (string) or `environment.name`. */
function environmentOf(o: Obj, what: string): string {
  const e = o.environment;
  if (typeof e === 'string') return e;
  if (isObj(e) && typeof e.name === 'string') return e.name;
  throw new InputShapeError(`${what}: expected 'environment' (name)`);
}

/** The newest plan and drift JSON schema version this reader knows (absent in a document = 1). */
export const KNOWN_SCHEMA_VERSION = 2;

function schemaVersion(json: Obj, what: string): number {
  const v = json.schemaVersion;
  if (v === undefined) return 1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new InputShapeError(`${what}: 'schemaVersion' must be a whole number`);
  if (v > KNOWN_SCHEMA_VERSION)
    throw new InputShapeError(
      `${what}: schema version ${v} is newer than this meshcc reads (${KNOWN_SCHEMA_VERSION}); update meshcc`,
    );
  return v;
}

/** The `+ ~ -` diff of a plan's actions (`[{ type, key, changes }]`). */
function diffOf(actions: unknown, what: string): string {
  if (!Array.isArray(actions)) throw new InputShapeError(`${what}: expected 'actions' array`);
  const lines: string[] = [];
  actions.forEach((a, i) => {
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
  return lines.join('\n');
}

function stringsOf(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((d): d is string => typeof d === 'string') : [];
}

function sideOf(v: unknown, what: string): PeeringSideStatus {
  if (!isObj(v)) throw new InputShapeError(`${what}: expected {cluster, peerName, state?}`);
  return {
    cluster: str(v, 'cluster', what),
    peerName: str(v, 'peerName', what),
    ...(typeof v.state === 'string' ? { state: v.state } : {}),
  };
}

/** The `peerings` of a version-2 plan or drift document. */
function peeringsOf(v: unknown, what: string): PeeringStatus[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new InputShapeError(`${what}: 'peerings' must be an array`);
  return v.map((p, i) => {
    const at = `${what}: peerings[${i}]`;
    if (!isObj(p)) throw new InputShapeError(`${at} must be an object`);
    if (typeof p.active !== 'boolean') throw new InputShapeError(`${at}: expected boolean 'active'`);
    return {
      key: str(p, 'key', at),
      acceptor: sideOf(p.acceptor, `${at}.acceptor`),
      dialer: sideOf(p.dialer, `${at}.dialer`),
      active: p.active,
      ...(typeof p.problem === 'string' ? { problem: p.problem } : {}),
      ...(typeof p.fix === 'string' ? { fix: p.fix } : {}),
      ...(typeof p.blocker === 'string' ? { blocker: p.blocker } : {}),
    };
  });
}

/**
 * Reads what `meshcc plan <env> --json` prints (`renderPlanJson`): `{ environment, datacenter?, replicas?, mermaid?,
 * summary: {create, update, delete}, actions: [{ type, key, modifyIndex?, changes: [{ path, before?, after? }] }],
 * unmanaged, diagnostics }`. The plan is computed against one datacenter (the primary, or `--dc`) and writes replicate
 * from there, so it becomes one `DatacenterPlan` (named `primary` when the token could not tell which datacenter that
 * is) with a `+ ~ -` diff rendered from the actions; `replicas` are listed beside it.
 *
 * Schema version 2 (`schemaVersion: 2`, a peered environment, `peeredPlanDocument`) adds `clusters: [{ cluster,
 * datacenter, replicas, summary, actions, ... }]` and `peerings`: one `DatacenterPlan` per cluster (its primary),
 * and the peerings beside them.
 */
export function parsePlanDocument(json: unknown): PlanDocument {
  const what = 'plan JSON';
  if (!isObj(json)) throw new InputShapeError(`${what}: expected an object`);
  const version = schemaVersion(json, what);
  const environment = str(json, 'environment', what);
  if (!isObj(json.summary)) throw new InputShapeError(`${what}: expected 'summary' {create, update, delete}`);
  const diff = diffOf(json.actions, what);
  const common = {
    environment,
    diagnostics: diagnosticsOf(json.diagnostics, what),
    ...(typeof json.mermaid === 'string' ? { mermaid: json.mermaid } : {}),
  };
  if (version >= 2 && Array.isArray(json.clusters)) {
    const datacenters = json.clusters.map((c, i): DatacenterPlan => {
      const at = `${what}: clusters[${i}]`;
      if (!isObj(c) || !isObj(c.summary)) throw new InputShapeError(`${at}: expected cluster, datacenter and summary`);
      const replicas = stringsOf(c.replicas);
      return {
        cluster: str(c, 'cluster', at),
        datacenter: str(c, 'datacenter', at),
        create: count(c.summary, 'create'),
        update: count(c.summary, 'update'),
        delete: count(c.summary, 'delete'),
        diff: diffOf(c.actions, at),
        ...(replicas.length > 0 ? { replicas } : {}),
      };
    });
    return { ...common, datacenters, peerings: peeringsOf(json.peerings, what) };
  }
  const s = json.summary;
  return {
    ...common,
    datacenters: [
      {
        datacenter: typeof json.datacenter === 'string' ? json.datacenter : 'primary',
        create: count(s, 'create'),
        update: count(s, 'update'),
        delete: count(s, 'delete'),
        diff,
      },
    ],
    ...(Array.isArray(json.replicas) ? { replicas: stringsOf(json.replicas) } : {}),
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
 *
 * Schema version 2 (a peered environment): each item also names its `cluster`, and `peerings` lists every peering
 * with both sides' live state (one not active on both sides is drift, with `problem` and `fix`).
 */
export function parseDriftDocument(json: unknown): DriftDocument {
  const what = 'drift JSON';
  if (!isObj(json)) throw new InputShapeError(`${what}: expected an object`);
  const version = schemaVersion(json, what);
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
      ...(typeof it.cluster === 'string' ? { cluster: it.cluster } : {}),
      class: cls,
      ...entry,
      ...(typeof it.detail === 'string' ? { detail: it.detail } : {}),
    });
  });
  const peerings = version >= 2 ? peeringsOf(json.peerings, what) : [];
  return { environment, items, ...(peerings.length > 0 ? { peerings } : {}) };
}
