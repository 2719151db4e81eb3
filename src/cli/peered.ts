/**
 * `meshcc plan|apply|drift` for a mesh of peered clusters. Each cluster is its own Consul: its entries are planned
 * against, written to and compared with that cluster's primary only, and a guard refuses an address that answers for
 * another cluster (its datacenter and its CA's trust domain must be the cluster's). Peerings are read on both sides;
 * apply establishes the missing or broken ones after writing the entries (exported-services before the peer
 * imports). The peering token never leaves `establishPeering`.
 *
 * Addresses: `--consul-cluster NAME=ADDR` (repeatable), else `CONSUL_HTTP_ADDR_<NAME>` (upper case, `-` as `_`).
 * Tokens: `CONSUL_HTTP_TOKEN_<NAME>`, else the common `--token-file` / `CONSUL_HTTP_TOKEN`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compileClusters, type PeeredCompilation } from '../compiler/compile-clusters.ts';
import {
  CasConflict,
  DriftLeftByPolicy,
  PeeringNotActive,
  WrongConsulForCluster,
} from '../diagnostics/codes/reconcile.ts';
import { type Diagnostic, diag } from '../diagnostics/diagnostic.ts';
import { renderText } from '../diagnostics/render-text.ts';
import { applySuppressions } from '../diagnostics/suppress.ts';
import { stableJson } from '../emit/artifact.ts';
import { changedPeeredEdges } from '../graph/changed-edges.ts';
import { renderMermaid } from '../graph/mermaid.ts';
import { peeredMeshGraph } from '../graph/peered-graph.ts';
import { loadEnvironment } from '../input/load-environment.ts';
import { isPeeredMesh, peeringKey } from '../model/clusters.ts';
import type { MeshEntry } from '../model/entries.ts';
import { gatewaysIn } from '../model/topology.ts';
import type { ClusterDecl, PeeringDecl } from '../model/types.ts';
import { type ApplyReport, applyPlan } from '../reconcile/apply.ts';
import { clientFrom, connectionOptions, consulErrorLine } from '../reconcile/cli-context.ts';
import { type ConsulClient, ConsulHttpError, ConsulTransportError } from '../reconcile/consul-client.ts';
import { classifyPrimary, type DriftItem, isDrifted } from '../reconcile/drift.ts';
import { acquireLock, LockHeldError } from '../reconcile/lock.ts';
import {
  type ClusterPlan,
  movedEntries,
  movedPeerings,
  PEERED_PLAN_FORMAT,
  type PeeredPlan,
  parseSavedPeeredPlan,
  peeredHasChanges,
  peeredPlanDocument,
  type SavedPeeredPlan,
  SavedPlanError,
  savedAcceptorGateways,
  savedClusterPlan,
  savedPeeringDecls,
  toSavedPeeredPlan,
} from '../reconcile/peered-plan.ts';
import { acceptorBlocker, establishPeering, type PeeringAssessment, readPeering } from '../reconcile/peering.ts';
import { checkSafety, computePlan, hasChanges, type Plan } from '../reconcile/plan.ts';
import { type HealPolicy, holdByPolicy } from '../reconcile/policy.ts';
import { preflight } from '../reconcile/preflight.ts';
import { renderPlanText } from '../reconcile/render-plan.ts';
import { type CliIO, Exit, intOption, parseCommandArgs, UsageError } from './command.ts';

export const peeredUsage = `Peered clusters (an environment that declares Cluster constructs):
  --consul-cluster NAME=ADDR   Consul HTTP address of cluster NAME's primary datacenter (repeat per cluster;
                               default: CONSUL_HTTP_ADDR_<NAME>, NAME upper-cased with - as _). Token per cluster:
                               CONSUL_HTTP_TOKEN_<NAME>, else the common token options. Both are also read from
                               MESHCC_CLUSTER_SECRETS (a JSON object of these names: the workflows' one secret).
  Each cluster is planned against, written to and compared with its own Consul; peerings are read on both sides.
  plan --json prints schema version 2 (a plan per cluster, the peerings); plan --out saves meshcc-plan/2, which
  apply --plan FILE applies only if nothing moved in any cluster since (else nothing is written).`;

const options = {
  ...connectionOptions,
  'consul-cluster': { type: 'string', multiple: true },
  json: { type: 'boolean' },
  adopt: { type: 'boolean' },
  'allow-empty': { type: 'boolean' },
  'max-deletions': { type: 'string' },
  concurrency: { type: 'string' },
  wait: { type: 'string' },
  plan: { type: 'string' },
  out: { type: 'string' },
} as const;

function envSuffix(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/**
 * The per-cluster variables of a GitHub workflow: the secret `MESHCC_CLUSTER_SECRETS` holds them as one JSON object
 * (a workflow cannot name secrets whose names depend on the environment); only
 * `CONSUL_HTTP_ADDR_<NAME>` and `CONSUL_HTTP_TOKEN_<NAME>` are ever read from it. Unset or empty: none; set to anything
 * but a JSON object: a usage error that names the variable and never shows its value.
 */
export function clusterSecrets(env: CliIO['env']): Readonly<Record<string, string>> {
  const raw = env.MESHCC_CLUSTER_SECRETS;
  if (!raw) return {};
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch {
    o = undefined;
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw new UsageError(
      'MESHCC_CLUSTER_SECRETS is not a JSON object: expected {"CONSUL_HTTP_ADDR_<CLUSTER>": "…", "CONSUL_HTTP_TOKEN_<CLUSTER>": "…", …} (its value is not shown)',
    );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o))
    if (/^CONSUL_HTTP_(ADDR|TOKEN)_[A-Z0-9_]+$/.test(k) && typeof v === 'string' && v !== '') out[k] = v;
  return out;
}

/** The per-cluster tokens in the environment (also those in MESHCC_CLUSTER_SECRETS): never to be printed. */
export function clusterTokens(env: CliIO['env']): string[] {
  const fromJson = Object.entries(clusterSecrets(env))
    .filter(([k]) => k.startsWith('CONSUL_HTTP_TOKEN_'))
    .map(([, v]) => v);
  const direct = Object.entries(env)
    .filter(([k, v]) => k.startsWith('CONSUL_HTTP_TOKEN_') && typeof v === 'string' && v !== '')
    .map(([, v]) => v as string);
  return [...new Set([...direct, ...fromJson])];
}

/**
 * The environment a cluster's Consul is reached with: its own token (`CONSUL_HTTP_TOKEN_<NAME>`, also from
 * MESHCC_CLUSTER_SECRETS) as CONSUL_HTTP_TOKEN when it has one, else `env` as it is (the common token options).
 */
export function clusterEnv(env: CliIO['env'], cluster: string): { env: CliIO['env']; ownToken: boolean } {
  const tokenVar = `CONSUL_HTTP_TOKEN_${envSuffix(cluster)}`;
  const token = env[tokenVar] ?? clusterSecrets(env)[tokenVar];
  return token
    ? { env: { ...env, CONSUL_HTTP_TOKEN: token, CONSUL_HTTP_TOKEN_FILE: undefined }, ownToken: true }
    : { env, ownToken: false };
}

/**
 * One client per cluster, from `--consul-cluster` or the per-cluster environment variables. `only`: resolve just these
 * clusters (`--consul-cluster` still names any of `clusters`); default all.
 */
export function clusterClients(
  clusters: readonly string[],
  given: readonly string[],
  values: Parameters<typeof clientFrom>[0],
  io: CliIO,
  only: readonly string[] = clusters,
): Map<string, ConsulClient> {
  const addrs = new Map<string, string>();
  for (const g of given) {
    const m = /^([a-z0-9-]+)=(.+)$/.exec(g);
    if (!m) throw new UsageError(`--consul-cluster expects NAME=ADDR, got '${g}'`);
    if (!clusters.includes(m[1]!))
      throw new UsageError(`--consul-cluster: no cluster '${m[1]}' (clusters: ${clusters.join(', ')})`);
    addrs.set(m[1]!, m[2]!);
  }
  const secrets = clusterSecrets(io.env);
  const out = new Map<string, ConsulClient>();
  for (const c of only) {
    const addrVar = `CONSUL_HTTP_ADDR_${envSuffix(c)}`;
    const addr = addrs.get(c) ?? io.env[addrVar] ?? secrets[addrVar];
    if (!addr)
      throw new UsageError(
        `no Consul address for cluster '${c}': pass --consul-cluster ${c}=ADDR or set ${addrVar} (in a workflow: the key ${addrVar} of the secret MESHCC_CLUSTER_SECRETS)`,
      );
    const { env, ownToken } = clusterEnv(io.env, c);
    out.set(
      c,
      clientFrom({ ...values, consul: addr, ...(ownToken ? { 'token-file': undefined } : {}) }, { ...io, env }),
    );
  }
  return out;
}

/** What the guard checks an address against (a cluster of the model, or of a saved plan). */
type GuardedCluster = Pick<ClusterDecl, 'name' | 'datacenters' | 'trustDomain' | 'path' | 'span'>;

/** The guard: the address must answer for this cluster (one of its datacenters, its trust domain). */
export async function guard(cluster: GuardedCluster, client: ConsulClient): Promise<Diagnostic | undefined> {
  const [self, td] = await Promise.all([client.self(), client.trustDomain()]);
  const expected = `datacenters ${cluster.datacenters.join(', ')} with trust domain ${cluster.trustDomain}`;
  if (!cluster.datacenters.includes(self.datacenter) || td !== cluster.trustDomain)
    return diag(
      WrongConsulForCluster,
      { path: cluster.path, ...(cluster.span ? { span: cluster.span } : {}) },
      {
        cluster: cluster.name,
        addr: client.addr,
        found: `datacenter ${self.datacenter} with trust domain ${td}`,
        expected,
      },
    );
  return undefined;
}

export function peeringLine(a: PeeringAssessment, sign?: string, blocker?: string): string {
  const st = (s: { state?: string }) => s.state ?? 'missing';
  const mark = sign ?? (a.active ? ' ' : '+');
  const what = a.active ? '' : blocker ? ` (cannot be established now: ${blocker})` : ' (will be established)';
  return `  ${mark} peering ${a.key}: acceptor ${st(a.acceptor)}, dialer ${st(a.dialer)}${what}`;
}

/** The service names of the mesh gateways in the acceptor's primary (the model's), for apply's pre-check. */
function acceptorGatewayNames(pc: PeeredCompilation, p: PeeringDecl): string[] {
  const primary = pc.clusters.find((c) => c.cluster.name === p.acceptor.cluster)?.cluster.primaryDatacenter;
  return [...new Set(gatewaysIn(pc.model, primary ?? '').map((g) => g.name))].sort();
}

/** What stands in the way of establishing `p` now, with the acceptor's `mesh` entry as apply will write it. */
async function planBlocker(pc: PeeredCompilation, p: PeeringDecl, acceptor: ConsulClient): Promise<string | undefined> {
  const entries = pc.clusters.find((c) => c.cluster.name === p.acceptor.cluster)?.compilation.entries ?? [];
  const mesh = entries.find((e): e is MeshEntry => e.Kind === 'mesh');
  const names = acceptorGatewayNames(pc, p);
  const blocker = await acceptorBlocker(
    acceptor,
    names.length > 0 ? names : ['mesh-gateway'],
    mesh?.Peering?.PeerThroughMeshGateways === true,
  );
  return blocker ? `cluster ${p.acceptor.cluster}: ${blocker}` : undefined;
}

/** What `meshcc reconcile --heal` passes to a peered apply: a per-kind policy and the command name for messages. */
export interface PeeredRunOptions {
  readonly policy?: HealPolicy;
  readonly command?: string;
  /** Told how many planned changes a `warn` policy held back. */
  readonly onHeld?: (n: number) => void;
}

/** A saved plan file read as JSON, or the one line saying why it cannot be. */
function readPlanFile(io: CliIO, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (e) {
    throw new SavedPlanError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SavedPlanError(`${file} is not JSON (${(e as Error).message})`);
  }
}

/**
 * Runs plan, apply or drift for a peered environment, or `apply --plan FILE` with a saved plan of peered clusters;
 * returns undefined when neither applies (the command then runs as for one cluster).
 */
export async function runPeered(
  verb: 'plan' | 'apply' | 'drift',
  args: readonly string[],
  io: CliIO,
  opts: PeeredRunOptions = {},
): Promise<number | undefined> {
  const command = opts.command ?? verb;
  // A lenient first look for the environment; the options are checked strictly once it is known to be peered.
  const first = parseArgs({ args: [...args], options, strict: false, allowPositionals: true });
  if (first.values.help) return undefined;
  const planFile = verb === 'apply' && typeof first.values.plan === 'string' ? first.values.plan : undefined;
  try {
    if (planFile !== undefined) {
      const json = readPlanFile(io, planFile);
      const format = (json as { format?: unknown } | null)?.format;
      if (format === PEERED_PLAN_FORMAT) {
        const { values, positionals } = parseCommandArgs(args, options);
        checkVerbOptions(verb, values);
        if (positionals.length > 1) throw new UsageError('expected at most one environment with --plan FILE');
        return await applySaved(parseSavedPeeredPlan(json), positionals[0], values, io, command);
      }
    }
    if (first.positionals.length !== 1) return undefined;
    const loaded = await loadEnvironment(first.positionals[0] as string, io.cwd);
    if (!isPeeredMesh(loaded.model)) return undefined;
    if (planFile !== undefined)
      throw new SavedPlanError(
        `${planFile} is not a plan of peered clusters (${loaded.model.name} declares clusters): make it with meshcc plan ${first.positionals[0]} --out FILE`,
      );
    const { values } = parseCommandArgs(args, options);
    checkVerbOptions(verb, values);
    const pc: PeeredCompilation = compileClusters(loaded.model);
    const ds = applySuppressions(loaded.model, [...loaded.diagnostics, ...pc.diagnostics]);
    if (ds.some((d) => d.severity === 'error' && !d.suppressed)) {
      io.stderr(renderText(ds, { cwd: io.cwd }));
      return Exit.findings;
    }
    return await runCompiled(verb, pc, values, io, { ...opts, command });
  } catch (e) {
    if (e instanceof SavedPlanError) {
      io.stderr(`meshcc ${command}: error: ${e.message}; nothing written\n`);
      return Exit.error;
    }
    if (e instanceof ConsulHttpError || e instanceof ConsulTransportError) {
      io.stderr(consulErrorLine(command, e));
      return Exit.error;
    }
    if (e instanceof LockHeldError) {
      io.stderr(`meshcc ${command}: error MC5008: ${e.message}\n`);
      return Exit.error;
    }
    throw e;
  }
}

type Values = ReturnType<typeof parseCommandArgs<typeof options>>['values'];

/** The options every verb shares are parsed together; these belong to one verb only. */
function checkVerbOptions(verb: 'plan' | 'apply' | 'drift', values: Values): void {
  if (verb !== 'plan' && values.out) throw new UsageError('--out goes with meshcc plan');
  if (verb !== 'apply' && values.plan) throw new UsageError('--plan goes with meshcc apply');
  if (verb === 'drift' && (values.adopt || values['allow-empty'] || values['max-deletions'] || values.concurrency))
    throw new UsageError('--adopt, --allow-empty, --max-deletions and --concurrency go with plan or apply');
}

/** Plan, apply or drift of a compiled peered environment. */
async function runCompiled(
  verb: 'plan' | 'apply' | 'drift',
  pc: PeeredCompilation,
  values: Values,
  io: CliIO,
  opts: PeeredRunOptions & { command: string },
): Promise<number> {
  const clients = clusterClients(
    pc.clusters.map((c) => c.cluster.name),
    values['consul-cluster'] ?? [],
    values,
    io,
  );
  const env = pc.model.name;
  const refused = (await Promise.all(pc.clusters.map((c) => guard(c.cluster, clients.get(c.cluster.name)!)))).filter(
    (d): d is Diagnostic => d !== undefined,
  );
  if (refused.length > 0) {
    io.stderr(renderText(refused, { cwd: io.cwd }));
    return Exit.error;
  }
  const peerings = pc.model.peerings ?? [];
  const read = () =>
    Promise.all(peerings.map((p) => readPeering(p, clients.get(p.acceptor.cluster)!, clients.get(p.dialer.cluster)!)));
  if (verb === 'drift') return drift(pc, clients, await read(), env, values.json ?? false, io);
  const clusterPlans: ClusterPlan[] = [];
  let held = 0;
  for (const c of pc.clusters) {
    const client = clients.get(c.cluster.name)!;
    const live = await client.listAll(c.cluster.primaryDatacenter);
    let plan = computePlan(env, c.compilation.entries, live, { adopt: values.adopt ?? false });
    if (opts.policy && verb === 'apply') {
      const h = holdByPolicy(plan, opts.policy);
      plan = h.plan;
      held += h.held.length;
      const warnings = h.held.map((x) =>
        diag(
          DriftLeftByPolicy,
          { path: `${c.cluster.name}/${x.key}` },
          { key: `${c.cluster.name}/${x.key}`, drift: x.drift },
        ),
      );
      if (warnings.length > 0) io.stderr(renderText(warnings, { cwd: io.cwd }));
    }
    clusterPlans.push({
      cluster: c.cluster.name,
      datacenter: c.cluster.primaryDatacenter,
      datacenters: c.cluster.datacenters,
      trustDomain: c.cluster.trustDomain,
      consul: client.addr,
      plan,
    });
  }
  opts.onHeld?.(held);
  const pp: PeeredPlan = { environment: env, clusters: clusterPlans, peerings: await read() };
  const safety = { allowEmpty: values['allow-empty'] ?? false, ...maxDeletions(values['max-deletions']) };
  const blocking = clusterPlans.flatMap((c) =>
    [...c.plan.diagnostics, ...checkSafety(c.plan, safety)]
      .filter((d) => d.severity !== 'info')
      .map((d) => ({ ...d, path: `${c.cluster}/${d.path}` })),
  );
  const errors = blocking.filter((d) => d.severity === 'error');
  if (blocking.length > 0) io.stderr(renderText(blocking, { cwd: io.cwd }));
  // What stands in the way of a peering that is not active (the acceptor's gateways, as apply would need them).
  const blockers = await Promise.all(
    peerings.map((p, i) => (pp.peerings[i]?.active ? undefined : planBlocker(pc, p, clients.get(p.acceptor.cluster)!))),
  );
  const gateways = new Map(peerings.map((p, i) => [pp.peerings[i]!.key, acceptorGatewayNames(pc, p)] as const));
  if (verb === 'plan' && values.json) io.stdout(stableJson(peeredPlanDocument(pp, planPicture(pc, pp), blockers)));
  else io.stdout(renderPeeredPlanText(pp, blockers));
  if (verb === 'plan' && values.out)
    writeFileSync(resolve(io.cwd, values.out), stableJson(toSavedPeeredPlan(pp, gateways)));
  if (verb === 'plan') return errors.length > 0 ? Exit.error : peeredHasChanges(pp) ? Exit.changes : Exit.ok;
  if (errors.length > 0) {
    io.stderr(`meshcc ${opts.command}: nothing written\n`);
    return Exit.error;
  }
  return applyPeered(
    env,
    clusterPlans.map((c) => ({ cluster: c.cluster, plan: c.plan })),
    peerings,
    clients,
    { saved: false, json: values.json ?? false, command: opts.command, gateways, ...applyKnobs(values) },
    io,
  );
}

/** The text plan: each cluster's entries, then the peerings. */
export function renderPeeredPlanText(pp: PeeredPlan, blockers: readonly (string | undefined)[] = []): string {
  const out = pp.clusters.map((c) => `cluster ${c.cluster} (${c.consul}):\n${renderPlanText(c.plan)}`);
  out.push(
    `peerings:\n${pp.peerings.map((a, i) => peeringLine(a, undefined, blockers[i])).join('\n') || '  (none)'}\n`,
  );
  return out.join('');
}

/** The mesh picture of the plan: clusters as boxes, the edges a cluster's changed entries touch marked. */
function planPicture(pc: PeeredCompilation, pp: PeeredPlan): string {
  const states = new Map(pp.peerings.map((a) => [a.key, a.active]));
  const graph = peeredMeshGraph(
    pc.model,
    pc.clusters.flatMap((c) => c.compilation.upstreams),
    states,
  );
  const changed = new Map(
    pp.clusters.map((c) => [c.cluster, c.plan.actions.filter((a) => a.type !== 'noop').map((a) => a.key)]),
  );
  return renderMermaid(graph, { changed: changedPeeredEdges(graph, changed) });
}

export function applyKnobs(values: { concurrency?: string; wait?: string }): { concurrency: number; wait: number } {
  return {
    concurrency: intOption('--concurrency', values.concurrency, 1) ?? 8,
    wait: intOption('--wait', values.wait) ?? 60,
  };
}

/** `meshcc apply --plan FILE` with a saved plan of peered clusters: guarded, refused whole when anything moved. */
async function applySaved(
  saved: SavedPeeredPlan,
  envArg: string | undefined,
  values: Values,
  io: CliIO,
  command: string,
): Promise<number> {
  if (values.adopt) throw new UsageError('--adopt is decided when planning; it does not go with --plan');
  if (envArg !== undefined) {
    const loaded = await loadEnvironment(envArg, io.cwd);
    if (loaded.model.name !== saved.environment)
      throw new SavedPlanError(`the plan is of environment ${saved.environment}, not ${loaded.model.name}`);
    const names = (loaded.model.clusters ?? []).map((c) => c.name).sort();
    const planned = saved.clusters.map((c) => c.cluster).sort();
    if (names.join(',') !== planned.join(','))
      throw new SavedPlanError(
        `the plan has clusters ${planned.join(', ')}; ${envArg} declares ${names.join(', ') || 'none'}`,
      );
  }
  const clients = clusterClients(
    saved.clusters.map((c) => c.cluster),
    values['consul-cluster'] ?? [],
    values,
    io,
  );
  const refused = (
    await Promise.all(
      saved.clusters.map((c) =>
        guard(
          { name: c.cluster, datacenters: c.datacenters, trustDomain: c.trustDomain, path: c.cluster },
          clients.get(c.cluster)!,
        ),
      ),
    )
  ).filter((d): d is Diagnostic => d !== undefined);
  if (refused.length > 0) {
    io.stderr(renderText(refused, { cwd: io.cwd }));
    return Exit.error;
  }
  // Stale plan: every cluster's planned indexes and every peering's planned states, before anything is written.
  const moved: Diagnostic[] = [];
  for (const c of saved.clusters) {
    const live = await clients.get(c.cluster)!.listAll(c.datacenter);
    for (const m of movedEntries(c.actions, live))
      moved.push(diag(CasConflict, { path: `${c.cluster}/${m.split(' ')[0]}` }, { key: `cluster ${c.cluster}: ${m}` }));
  }
  const decls = savedPeeringDecls(saved);
  const now = await Promise.all(
    decls.map((p) => readPeering(p, clients.get(p.acceptor.cluster)!, clients.get(p.dialer.cluster)!)),
  );
  for (const m of movedPeerings(saved, now)) moved.push(diag(CasConflict, { path: 'peerings' }, { key: m }));
  if (moved.length > 0) {
    io.stderr(renderText(moved, { cwd: io.cwd }));
    io.stderr(`meshcc ${command}: the saved plan is stale; nothing written (run meshcc plan again)\n`);
    return Exit.error;
  }
  const toEstablish = decls.filter((_p, i) => !now[i]!.active);
  const plans = saved.clusters.map((c) => ({ cluster: c.cluster, plan: savedClusterPlan(saved, c.cluster) }));
  for (const c of plans) io.stdout(`cluster ${c.cluster}:\n${renderPlanText(c.plan)}`);
  io.stdout(`peerings:\n${now.map((a) => peeringLine(a)).join('\n') || '  (none)'}\n`);
  return applyPeered(
    saved.environment,
    plans,
    toEstablish,
    clients,
    { saved: true, json: values.json ?? false, command, gateways: savedAcceptorGateways(saved), ...applyKnobs(values) },
    io,
  );
}

export interface ApplyKnobs {
  readonly saved: boolean;
  readonly json: boolean;
  readonly command: string;
  readonly concurrency: number;
  readonly wait: number;
  /** The acceptor's mesh gateway service names per peering key (the model's), for establishPeering's pre-check. */
  readonly gateways: ReadonlyMap<string, readonly string[]>;
}

/**
 * Writes each cluster's plan to its own Consul (every cluster's token checked first: a missing permission anywhere
 * writes nothing anywhere), one cluster at a time under its own lock, then establishes the given peerings.
 */
export async function applyPeered(
  env: string,
  plans: readonly { cluster: string; plan: Plan }[],
  peerings: readonly PeeringDecl[],
  clients: Map<string, ConsulClient>,
  k: ApplyKnobs,
  io: CliIO,
): Promise<number> {
  const changing = plans.filter((c) => hasChanges(c.plan));
  const missing: Diagnostic[] = [];
  for (const c of changing) {
    const pre = await preflight(clients.get(c.cluster)!, c.plan);
    missing.push(...pre.diagnostics.map((d) => ({ ...d, path: `${c.cluster}/${d.path}` })));
  }
  if (missing.length > 0) {
    io.stderr(renderText(missing, { cwd: io.cwd }));
    io.stderr(`meshcc ${k.command}: a cluster's token lacks permissions; nothing written\n`);
    return Exit.error;
  }
  let ok = true;
  const reports: { cluster: string; report: ApplyReport }[] = [];
  for (const c of changing) {
    if (!ok) {
      io.stdout(`cluster ${c.cluster}: not attempted (an earlier cluster failed)\n`);
      continue;
    }
    const client = clients.get(c.cluster)!;
    const lock = await acquireLock(client, env);
    try {
      const report = await applyPlan(client, c.plan, { concurrency: k.concurrency, saved: k.saved });
      reports.push({ cluster: c.cluster, report });
      const failed = report.results.filter((r) => r.status !== 'applied');
      if (!k.json)
        io.stdout(
          `cluster ${c.cluster}: ${report.results.length - failed.length} applied${failed.length ? `, ${failed.length} not applied: ${failed.map((f) => `${f.key}${f.cause ? ` (${f.cause})` : ''}`).join('; ')}` : ''}\n`,
        );
      ok &&= report.ok;
    } finally {
      await lock.release();
    }
  }
  const established: { key: string; status: string; detail?: string }[] = [];
  if (ok)
    for (const p of peerings) {
      const names = k.gateways.get(peeringKey(p)) ?? [];
      const r = await establishPeering(p, clients.get(p.acceptor.cluster)!, clients.get(p.dialer.cluster)!, {
        timeoutMs: k.wait * 1000,
        ...(names.length > 0 ? { acceptorGateways: names } : {}),
      });
      established.push({ key: r.key, status: r.status, ...(r.detail ? { detail: r.detail } : {}) });
      if (!k.json) io.stdout(`peering ${r.key}: ${r.status}${r.detail ? ` (${r.detail})` : ''}\n`);
      if (r.status === 'failed') ok = false;
    }
  if (k.json) io.stdout(stableJson({ environment: env, ok, clusters: reports, peerings: established }));
  else io.stdout(`Apply ${ok ? 'complete' : 'FAILED'}.\n`);
  return ok ? Exit.ok : Exit.error;
}

export function maxDeletions(raw: string | undefined): { maxDeletions?: number } {
  const n = intOption('--max-deletions', raw);
  return n === undefined ? {} : { maxDeletions: n };
}

/** The version of the `--json` drift document of a peered environment (items name their cluster; peerings). */
export const DRIFT_JSON_SCHEMA_VERSION = 2;

export async function drift(
  pc: PeeredCompilation,
  clients: Map<string, ConsulClient>,
  peerings: readonly PeeringAssessment[],
  env: string,
  json: boolean,
  io: CliIO,
): Promise<number> {
  const items: (DriftItem & { cluster: string })[] = [];
  for (const c of pc.clusters) {
    const live = await clients.get(c.cluster.name)!.listAll(c.cluster.primaryDatacenter);
    for (const i of classifyPrimary(env, c.compilation.entries, live, c.cluster.primaryDatacenter))
      items.push({ ...i, cluster: c.cluster.name });
  }
  const broken = peerings.filter((a) => !a.active);
  const drifted = broken.length > 0 || isDrifted(items);
  if (json) {
    io.stdout(
      stableJson({
        schemaVersion: DRIFT_JSON_SCHEMA_VERSION,
        environment: env,
        drifted,
        clusters: pc.clusters.map((c) => ({ cluster: c.cluster.name, datacenter: c.cluster.primaryDatacenter })),
        items,
        peerings,
      }),
    );
  } else {
    const lines = items.map((i) => {
      const kind = i.kind === 'unmanaged' && !i.affects ? 'unmanaged (other)' : i.kind;
      return `  ${kind.padEnd(12)} ${i.cluster}/${i.dc} ${i.key}${i.detail ? `  (${i.detail})` : ''}`;
    });
    for (const a of peerings) lines.push(peeringLine(a, a.active ? ' ' : '!'));
    lines.push(drifted ? `Drift found in environment ${env}.` : `No drift in environment ${env}.`);
    io.stdout(`${lines.join('\n')}\n`);
  }
  if (broken.length > 0)
    io.stderr(
      renderText(
        broken.map((a) =>
          diag(PeeringNotActive, { path: a.key }, { peering: a.key, problem: a.problem!, fix: a.fix! }),
        ),
        { cwd: io.cwd },
      ),
    );
  return drifted ? Exit.changes : Exit.ok;
}
