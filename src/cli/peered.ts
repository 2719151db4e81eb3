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
import { parseArgs } from 'node:util';
import { compileClusters, type PeeredCompilation } from '../compiler/compile-clusters.ts';
import { PeeringNotActive, WrongConsulForCluster } from '../diagnostics/codes/reconcile.ts';
import { type Diagnostic, diag } from '../diagnostics/diagnostic.ts';
import { renderText } from '../diagnostics/render-text.ts';
import { applySuppressions } from '../diagnostics/suppress.ts';
import { stableJson } from '../emit/artifact.ts';
import { loadEnvironment } from '../input/load-environment.ts';
import { isPeeredMesh } from '../model/clusters.ts';
import type { MeshEntry } from '../model/entries.ts';
import { gatewaysIn } from '../model/topology.ts';
import type { ClusterDecl, PeeringDecl } from '../model/types.ts';
import { applyPlan } from '../reconcile/apply.ts';
import { clientFrom, connectionOptions, consulErrorLine } from '../reconcile/cli-context.ts';
import { type ConsulClient, ConsulHttpError, ConsulTransportError } from '../reconcile/consul-client.ts';
import { classifyPrimary, type DriftItem } from '../reconcile/drift.ts';
import { acquireLock, LockHeldError } from '../reconcile/lock.ts';
import { acceptorBlocker, establishPeering, type PeeringAssessment, readPeering } from '../reconcile/peering.ts';
import { checkSafety, computePlan, hasChanges, type Plan } from '../reconcile/plan.ts';
import { preflight } from '../reconcile/preflight.ts';
import { renderPlanText } from '../reconcile/render-plan.ts';
import { type CliIO, Exit, intOption, parseCommandArgs, UsageError } from './command.ts';

export const peeredUsage = `Peered clusters (an environment that declares Cluster constructs):
  --consul-cluster NAME=ADDR   Consul HTTP address of cluster NAME's primary datacenter (repeat per cluster;
                               default: CONSUL_HTTP_ADDR_<NAME>, NAME upper-cased with - as _). Token per cluster:
                               CONSUL_HTTP_TOKEN_<NAME>, else the common token options.`;

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

/** One client per cluster, from `--consul-cluster` or the per-cluster environment variables. */
function clusterClients(
  clusters: readonly ClusterDecl[],
  given: readonly string[],
  values: Parameters<typeof clientFrom>[0],
  io: CliIO,
): Map<string, ConsulClient> {
  const addrs = new Map<string, string>();
  for (const g of given) {
    const m = /^([a-z0-9-]+)=(.+)$/.exec(g);
    if (!m) throw new UsageError(`--consul-cluster expects NAME=ADDR, got '${g}'`);
    if (!clusters.some((c) => c.name === m[1]))
      throw new UsageError(
        `--consul-cluster: no cluster '${m[1]}' (clusters: ${clusters.map((c) => c.name).join(', ')})`,
      );
    addrs.set(m[1]!, m[2]!);
  }
  const out = new Map<string, ConsulClient>();
  for (const c of clusters) {
    const addr = addrs.get(c.name) ?? io.env[`CONSUL_HTTP_ADDR_${envSuffix(c.name)}`];
    if (!addr)
      throw new UsageError(
        `no Consul address for cluster '${c.name}': pass --consul-cluster ${c.name}=ADDR or set CONSUL_HTTP_ADDR_${envSuffix(c.name)}`,
      );
    const token = io.env[`CONSUL_HTTP_TOKEN_${envSuffix(c.name)}`];
    const env = token ? { ...io.env, CONSUL_HTTP_TOKEN: token, CONSUL_HTTP_TOKEN_FILE: undefined } : io.env;
    out.set(
      c.name,
      clientFrom({ ...values, consul: addr, ...(token ? { 'token-file': undefined } : {}) }, { ...io, env }),
    );
  }
  return out;
}

/** The guard: the address must answer for this cluster (one of its datacenters, its trust domain). */
async function guard(cluster: ClusterDecl, client: ConsulClient): Promise<Diagnostic | undefined> {
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

function peeringLine(a: PeeringAssessment, sign?: string, blocker?: string): string {
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

/**
 * Runs plan, apply or drift for a peered environment; returns undefined when the environment is not peered (the
 * command then runs as for one cluster).
 */
export async function runPeered(
  verb: 'plan' | 'apply' | 'drift',
  args: readonly string[],
  io: CliIO,
): Promise<number | undefined> {
  // A lenient first look for the environment; the options are checked strictly once it is known to be peered.
  const first = parseArgs({ args: [...args], options, strict: false, allowPositionals: true });
  if (first.positionals.length !== 1 || first.values.help) return undefined;
  const loaded = await loadEnvironment(first.positionals[0] as string, io.cwd);
  if (!isPeeredMesh(loaded.model)) return undefined;
  const { values } = parseCommandArgs(args, options);
  if (values.plan || values.out) throw new UsageError('--plan/--out are not supported for peered clusters yet');
  const pc: PeeredCompilation = compileClusters(loaded.model);
  const ds = applySuppressions(loaded.model, [...loaded.diagnostics, ...pc.diagnostics]);
  if (ds.some((d) => d.severity === 'error' && !d.suppressed)) {
    io.stderr(renderText(ds, { cwd: io.cwd }));
    return Exit.findings;
  }
  const clients = clusterClients(
    pc.clusters.map((c) => c.cluster),
    values['consul-cluster'] ?? [],
    values,
    io,
  );
  const env = loaded.model.name;
  try {
    const refused = (await Promise.all(pc.clusters.map((c) => guard(c.cluster, clients.get(c.cluster.name)!)))).filter(
      (d): d is Diagnostic => d !== undefined,
    );
    if (refused.length > 0) {
      io.stderr(renderText(refused, { cwd: io.cwd }));
      return Exit.error;
    }
    const peerings = loaded.model.peerings ?? [];
    const read = () =>
      Promise.all(
        peerings.map((p) => readPeering(p, clients.get(p.acceptor.cluster)!, clients.get(p.dialer.cluster)!)),
      );
    if (verb === 'drift') return await drift(pc, clients, await read(), env, values.json ?? false, io);
    const plans = new Map<string, Plan>();
    for (const c of pc.clusters) {
      const client = clients.get(c.cluster.name)!;
      const live = await client.listAll(c.cluster.primaryDatacenter);
      plans.set(c.cluster.name, computePlan(env, c.compilation.entries, live, { adopt: values.adopt ?? false }));
    }
    const before = await read();
    const safety = { allowEmpty: values['allow-empty'] ?? false, ...maxDeletions(values['max-deletions']) };
    const blocking = [...plans.values()].flatMap((p) => [...p.diagnostics, ...checkSafety(p, safety)]);
    const errors = blocking.filter((d) => d.severity === 'error');
    if (blocking.length > 0) io.stderr(renderText(blocking, { cwd: io.cwd }));
    for (const c of pc.clusters)
      io.stdout(
        `cluster ${c.cluster.name} (${clients.get(c.cluster.name)!.addr}):\n${renderPlanText(plans.get(c.cluster.name)!)}`,
      );
    const blockers = await Promise.all(
      peerings.map((p, i) => (before[i]?.active ? undefined : planBlocker(pc, p, clients.get(p.acceptor.cluster)!))),
    );
    io.stdout(`peerings:\n${before.map((a, i) => peeringLine(a, undefined, blockers[i])).join('\n') || '  (none)'}\n`);
    const changes = [...plans.values()].some(hasChanges) || before.some((a) => !a.active);
    if (verb === 'plan') return errors.length > 0 ? Exit.error : changes ? Exit.changes : Exit.ok;
    if (errors.length > 0) {
      io.stderr('meshcc apply: nothing written\n');
      return Exit.error;
    }
    return await apply(pc, clients, plans, env, values, io);
  } catch (e) {
    if (e instanceof ConsulHttpError || e instanceof ConsulTransportError) {
      io.stderr(consulErrorLine(verb, e));
      return Exit.error;
    }
    if (e instanceof LockHeldError) {
      io.stderr(`meshcc ${verb}: error MC5008: ${e.message}\n`);
      return Exit.error;
    }
    throw e;
  }
}

function maxDeletions(raw: string | undefined): { maxDeletions?: number } {
  const n = intOption('--max-deletions', raw);
  return n === undefined ? {} : { maxDeletions: n };
}

async function apply(
  pc: PeeredCompilation,
  clients: Map<string, ConsulClient>,
  plans: Map<string, Plan>,
  env: string,
  values: { concurrency?: string; wait?: string },
  io: CliIO,
): Promise<number> {
  const concurrency = intOption('--concurrency', values.concurrency, 1) ?? 8;
  const wait = intOption('--wait', values.wait) ?? 60;
  let ok = true;
  // Each cluster's entries to its own Consul, one cluster at a time, each under its own lock.
  for (const c of pc.clusters) {
    const plan = plans.get(c.cluster.name)!;
    if (!hasChanges(plan)) continue;
    const client = clients.get(c.cluster.name)!;
    const pre = await preflight(client, plan);
    if (pre.diagnostics.length > 0) {
      io.stderr(renderText(pre.diagnostics, { cwd: io.cwd }));
      io.stderr(`meshcc apply: the token of cluster ${c.cluster.name} lacks permissions; nothing written there\n`);
      ok = false;
      continue;
    }
    const lock = await acquireLock(client, env);
    try {
      const report = await applyPlan(client, plan, { concurrency });
      const failed = report.results.filter((r) => r.status !== 'applied');
      io.stdout(
        `cluster ${c.cluster.name}: ${report.results.length - failed.length} applied${failed.length ? `, ${failed.length} not applied: ${failed.map((f) => `${f.key}${f.cause ? ` (${f.cause})` : ''}`).join('; ')}` : ''}\n`,
      );
      ok &&= report.ok;
    } finally {
      await lock.release();
    }
  }
  for (const p of pc.model.peerings ?? []) {
    const names = acceptorGatewayNames(pc, p);
    const r = await establishPeering(p, clients.get(p.acceptor.cluster)!, clients.get(p.dialer.cluster)!, {
      timeoutMs: wait * 1000,
      ...(names.length > 0 ? { acceptorGateways: names } : {}),
    });
    io.stdout(`peering ${r.key}: ${r.status}${r.detail ? ` (${r.detail})` : ''}\n`);
    if (r.status === 'failed') ok = false;
  }
  io.stdout(`Apply ${ok ? 'complete' : 'FAILED'}.\n`);
  return ok ? Exit.ok : Exit.error;
}

async function drift(
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
  const drifted = broken.length > 0 || items.some((i) => i.kind !== 'unmanaged' || i.affects);
  if (json) {
    io.stdout(stableJson({ environment: env, drifted, items, peerings }));
  } else {
    const lines = items.map(
      (i) => `  ${i.kind.padEnd(12)} ${i.cluster}/${i.dc} ${i.key}${i.detail ? `  (${i.detail})` : ''}`,
    );
    for (const a of peerings) lines.push(peeringLine(a, a.active ? ' ' : '!'));
    lines.push(drifted ? `Drift found in environment ${env}.` : `No drift in environment ${env}.`);
    io.stdout(`${lines.join('\n')}\n`);
    if (broken.length > 0)
      io.stderr(
        renderText(
          broken.map((a) =>
            diag(PeeringNotActive, { path: a.key }, { peering: a.key, problem: a.problem!, fix: a.fix! }),
          ),
          { cwd: io.cwd },
        ),
      );
  }
  return drifted ? Exit.changes : Exit.ok;
}
