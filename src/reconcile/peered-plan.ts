/**
 * The plan of a peered environment: one entry plan per cluster (each against its own Consul) and the state of every
 * peering. Pure: the JSON document `meshcc plan --json` prints (schema version 2, a superset of the one-cluster
 * document), the saved plan `meshcc plan --out` writes (`meshcc-plan/2`) and reads back for `meshcc apply --plan`, and
 * the staleness check that refuses a saved plan whose live state moved (in any cluster, before anything is written).
 */
import type { PeeringDecl } from '../model/types.ts';
import type { LiveEntry } from './consul-client.ts';
import type { PeeringAssessment } from './peering.ts';
import { type Plan, type PlanAction, planCounts } from './plan.ts';

/** One cluster's entry plan and where it was computed. */
export interface ClusterPlan {
  readonly cluster: string;
  /** The cluster's primary datacenter (where its entries are written). */
  readonly datacenter: string;
  /** Every datacenter of the cluster (the guard accepts an address answering for any of them). */
  readonly datacenters: readonly string[];
  readonly trustDomain: string;
  /** The Consul address the plan was computed against (saved plans only; not put into `--json`). */
  readonly consul: string;
  readonly plan: Plan;
}

export interface PeeredPlan {
  readonly environment: string;
  readonly clusters: readonly ClusterPlan[];
  /** Each declared peering as both sides showed it when planned. */
  readonly peerings: readonly PeeringAssessment[];
}

/** The version of the `--json` plan document with clusters and peerings (absent = 1, the one-cluster document). */
export const PLAN_JSON_SCHEMA_VERSION = 2;
/** The saved plan format of a peered environment (a one-cluster saved plan is `meshcc-plan/1`). */
export const PEERED_PLAN_FORMAT = 'meshcc-plan/2';

/** True when the plan changes entries in some cluster or has a peering to (re-)establish. */
export function peeredHasChanges(p: PeeredPlan): boolean {
  return p.clusters.some((c) => c.plan.actions.some((a) => a.type !== 'noop')) || p.peerings.some((a) => !a.active);
}

function peeringJson(a: PeeringAssessment, blocker: string | undefined): object {
  return {
    key: a.key,
    acceptor: a.acceptor,
    dialer: a.dialer,
    active: a.active,
    plan: a.active ? 'unchanged' : 'establish',
    ...(!a.active && blocker ? { blocker } : {}),
    ...(a.problem ? { problem: a.problem } : {}),
    ...(a.fix ? { fix: a.fix } : {}),
  };
}

function actionJson(a: PlanAction, cluster?: string): object {
  return {
    ...(cluster ? { cluster } : {}),
    type: a.type,
    key: a.key,
    modifyIndex: a.modifyIndex,
    changes: a.changes,
  };
}

function diagnosticJson(d: Plan['diagnostics'][number], cluster: string): object {
  return { cluster, code: d.code, severity: d.severity, message: d.message };
}

/**
 * The `--json` document of a peered plan (schema version 2). The top level keeps every field of version 1
 * (`environment`, `summary` as totals, `actions`, `unmanaged`, `diagnostics`, `mermaid`) so a reader of version 1
 * still reads totals; each action, unmanaged entry and diagnostic names its cluster. `clusters` has one plan per
 * cluster (its primary `datacenter`, the other datacenters as `replicas`, its own summary) and `peerings` each
 * peering's live sides and whether apply establishes it (with `blocker`, what stands in the way now, when plan found
 * something: the acceptor's gateways). No address and no token is part of it.
 */
export function peeredPlanDocument(
  p: PeeredPlan,
  mermaid?: string,
  blockers: readonly (string | undefined)[] = [],
): object {
  const clusters = p.clusters.map((c) => ({
    cluster: c.cluster,
    datacenter: c.datacenter,
    replicas: c.datacenters.filter((d) => d !== c.datacenter),
    trustDomain: c.trustDomain,
    summary: planCounts(c.plan),
    actions: c.plan.actions.filter((a) => a.type !== 'noop').map((a) => actionJson(a)),
    unmanaged: c.plan.unmanaged,
    diagnostics: c.plan.diagnostics.map((d) => diagnosticJson(d, c.cluster)),
  }));
  const total = { create: 0, update: 0, delete: 0 };
  for (const c of p.clusters) {
    const n = planCounts(c.plan);
    total.create += n.create;
    total.update += n.update;
    total.delete += n.delete;
  }
  return {
    schemaVersion: PLAN_JSON_SCHEMA_VERSION,
    environment: p.environment,
    ...(mermaid ? { mermaid } : {}),
    summary: total,
    actions: p.clusters.flatMap((c) =>
      c.plan.actions.filter((a) => a.type !== 'noop').map((a) => actionJson(a, c.cluster)),
    ),
    unmanaged: p.clusters.flatMap((c) => c.plan.unmanaged.map((k) => `${c.cluster}:${k}`)),
    diagnostics: p.clusters.flatMap((c) => c.plan.diagnostics.map((d) => diagnosticJson(d, c.cluster))),
    clusters,
    peerings: p.peerings.map((a, i) => peeringJson(a, blockers[i])),
  };
}

/** One side of a peering as saved: its declaration and the state planned against. */
interface SavedSide {
  readonly cluster: string;
  readonly peerName: string;
  readonly state?: string;
}

/** A saved peered plan (`meshcc plan --out` for a peered environment). Deterministic with `stableJson`. */
export interface SavedPeeredPlan {
  readonly format: typeof PEERED_PLAN_FORMAT;
  readonly environment: string;
  readonly clusters: readonly {
    readonly cluster: string;
    readonly consul: string;
    readonly datacenter: string;
    readonly datacenters: readonly string[];
    readonly trustDomain: string;
    readonly actions: readonly PlanAction[];
  }[];
  readonly peerings: readonly {
    readonly key: string;
    readonly acceptor: SavedSide;
    readonly dialer: SavedSide;
    /** The acceptor's mesh gateway service names in the model (apply checks one is registered before peering). */
    readonly acceptorGateways?: readonly string[];
  }[];
}

function savedSide(s: PeeringAssessment['acceptor']): SavedSide {
  return { cluster: s.cluster, peerName: s.peerName, ...(s.state !== undefined ? { state: s.state } : {}) };
}

export function toSavedPeeredPlan(
  p: PeeredPlan,
  gateways: ReadonlyMap<string, readonly string[]> = new Map(),
): SavedPeeredPlan {
  return {
    format: PEERED_PLAN_FORMAT,
    environment: p.environment,
    clusters: p.clusters.map((c) => ({
      cluster: c.cluster,
      consul: c.consul,
      datacenter: c.datacenter,
      datacenters: c.datacenters,
      trustDomain: c.trustDomain,
      actions: c.plan.actions.filter((a) => a.type !== 'noop'),
    })),
    peerings: p.peerings.map((a) => {
      const names = gateways.get(a.key) ?? [];
      return {
        key: a.key,
        acceptor: savedSide(a.acceptor),
        dialer: savedSide(a.dialer),
        ...(names.length > 0 ? { acceptorGateways: names } : {}),
      };
    }),
  };
}

/** The acceptor gateway names a saved plan recorded, per peering key. */
export function savedAcceptorGateways(saved: SavedPeeredPlan): Map<string, readonly string[]> {
  return new Map(saved.peerings.flatMap((p) => (p.acceptorGateways ? [[p.key, p.acceptorGateways] as const] : [])));
}

/** A saved plan file that cannot be used: the message names what is wrong. */
export class SavedPlanError extends Error {
  override readonly name = 'SavedPlanError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v !== '';

function side(v: unknown, where: string): SavedSide {
  if (!isObj(v) || !isStr(v.cluster) || !isStr(v.peerName))
    throw new SavedPlanError(`${where}: expected {cluster, peerName, state?}`);
  return { cluster: v.cluster, peerName: v.peerName, ...(isStr(v.state) ? { state: v.state } : {}) };
}

const ACTION_TYPES = new Set(['create', 'update', 'adopt', 'delete']);

/** Reads a saved peered plan back, checking its shape (a hand-edited or truncated file is refused, naming the field). */
export function parseSavedPeeredPlan(json: unknown): SavedPeeredPlan {
  if (!isObj(json) || json.format !== PEERED_PLAN_FORMAT)
    throw new SavedPlanError(`not a saved plan of peered clusters (format ${PEERED_PLAN_FORMAT})`);
  if (!isStr(json.environment)) throw new SavedPlanError("expected 'environment'");
  if (!Array.isArray(json.clusters) || json.clusters.length === 0) throw new SavedPlanError("expected 'clusters'");
  const clusters = json.clusters.map((c, i) => {
    const where = `clusters[${i}]`;
    if (!isObj(c) || !isStr(c.cluster) || !isStr(c.consul) || !isStr(c.datacenter) || !isStr(c.trustDomain))
      throw new SavedPlanError(`${where}: expected cluster, consul, datacenter and trustDomain`);
    if (!Array.isArray(c.datacenters) || !c.datacenters.every(isStr))
      throw new SavedPlanError(`${where}.datacenters: expected the cluster's datacenters`);
    if (!Array.isArray(c.actions)) throw new SavedPlanError(`${where}.actions: expected an array`);
    c.actions.forEach((a, j) => {
      if (!isObj(a) || !ACTION_TYPES.has(a.type as string) || !isStr(a.kind) || !isStr(a.name) || !isStr(a.key))
        throw new SavedPlanError(`${where}.actions[${j}]: expected type, key, kind and name`);
      if (a.type !== 'delete' && !isObj(a.desired))
        throw new SavedPlanError(`${where}.actions[${j}]: ${String(a.type)} needs 'desired' (the entry to write)`);
    });
    return {
      cluster: c.cluster,
      consul: c.consul,
      datacenter: c.datacenter,
      datacenters: c.datacenters as string[],
      trustDomain: c.trustDomain,
      actions: c.actions as PlanAction[],
    };
  });
  if (!Array.isArray(json.peerings)) throw new SavedPlanError("expected 'peerings'");
  const peerings = json.peerings.map((p, i) => {
    if (!isObj(p) || !isStr(p.key)) throw new SavedPlanError(`peerings[${i}]: expected key, acceptor and dialer`);
    const gws = p.acceptorGateways;
    if (gws !== undefined && !(Array.isArray(gws) && gws.every(isStr)))
      throw new SavedPlanError(`peerings[${i}].acceptorGateways: expected a list of service names`);
    return {
      key: p.key,
      acceptor: side(p.acceptor, `peerings[${i}].acceptor`),
      dialer: side(p.dialer, `peerings[${i}].dialer`),
      ...(gws !== undefined ? { acceptorGateways: gws as string[] } : {}),
    };
  });
  return { format: PEERED_PLAN_FORMAT, environment: json.environment, clusters, peerings };
}

/** The peering declarations of a saved plan (what apply establishes). */
export function savedPeeringDecls(saved: SavedPeeredPlan): PeeringDecl[] {
  return saved.peerings.map((p) => ({
    path: p.key,
    acceptor: { cluster: p.acceptor.cluster, peerName: p.acceptor.peerName },
    dialer: { cluster: p.dialer.cluster, peerName: p.dialer.peerName },
  }));
}

/** One cluster's saved actions as a `Plan` for `applyPlan` (with `saved: true`: a CAS conflict refuses). */
export function savedClusterPlan(saved: SavedPeeredPlan, cluster: string): Plan {
  const c = saved.clusters.find((x) => x.cluster === cluster);
  return { environment: saved.environment, actions: c?.actions ?? [], unmanaged: [], diagnostics: [] };
}

/**
 * What moved since a saved plan was made, for one cluster: each action whose entry no longer has the planned
 * ModifyIndex (a create whose entry now exists, an update or delete of an entry changed or gone). Pure.
 */
export function movedEntries(actions: readonly PlanAction[], live: readonly LiveEntry[]): string[] {
  const byKey = new Map(live.map((e) => [`${e.Kind}/${e.Name}`, e]));
  const out: string[] = [];
  for (const a of actions) {
    if (a.type === 'noop') continue;
    const l = byKey.get(a.key);
    if (a.type === 'create') {
      if (l) out.push(`${a.key} (planned as new; it now exists)`);
    } else if (!l) out.push(`${a.key} (planned at index ${a.modifyIndex ?? '?'}; it is gone)`);
    else if (l.ModifyIndex !== a.modifyIndex)
      out.push(`${a.key} (planned at index ${a.modifyIndex ?? '?'}; now ${l.ModifyIndex ?? '?'})`);
  }
  return out;
}

/**
 * The peerings whose live state differs from the saved plan's (a peering planned as active that broke, or one
 * planned to be established that someone else established or changed). Pure.
 */
export function movedPeerings(saved: SavedPeeredPlan, now: readonly PeeringAssessment[]): string[] {
  const out: string[] = [];
  for (const p of saved.peerings) {
    const n = now.find((a) => a.key === p.key);
    const st = (s: string | undefined) => s ?? 'missing';
    if (!n) {
      out.push(`peering ${p.key} is no longer declared`);
      continue;
    }
    if (st(n.acceptor.state) !== st(p.acceptor.state) || st(n.dialer.state) !== st(p.dialer.state))
      out.push(
        `peering ${p.key} (planned: acceptor ${st(p.acceptor.state)}, dialer ${st(p.dialer.state)}; now: acceptor ${st(n.acceptor.state)}, dialer ${st(n.dialer.state)})`,
      );
  }
  return out;
}
