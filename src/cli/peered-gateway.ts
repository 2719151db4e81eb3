/**
 * `meshcc reconcile <env> --run-gateway --dc DC` for an environment of peered clusters: what the gateway round of
 * `reconcile/run-gateway.ts` runs from, for the ONE cluster that holds datacenter DC.
 *
 * - The cluster: the one whose datacenters include DC. Datacenter names are unique across clusters (MC3001), so DC
 *   names one; `--cluster NAME` only asserts it (and would be the required choice were a name ever in several).
 * - Its Consul: the per-cluster address exactly as `peered.ts` resolves it (`--consul-cluster NAME=ADDR`,
 *   `CONSUL_HTTP_ADDR_<NAME>`, `MESHCC_CLUSTER_SECRETS`) and its token (`CONSUL_HTTP_TOKEN_<NAME>`, else the common
 *   one); only this cluster's address is needed. The guard refuses an address that answers for another cluster
 *   before anything is written or started.
 * - The entries: THIS cluster's drift against its own primary, then (unless --verify) an apply of this cluster's plan
 *   under its lock, as `meshcc reconcile --heal` does per cluster.
 * - Peerings: reported (this cluster's side of each of its peerings), never established here. Establishing needs
 *   both clusters (token generated on the acceptor, used on the dialer) and, with `PeerThroughMeshGateways`, this
 *   very gateway running first; `meshcc apply` / `reconcile --heal`, which reach both clusters, establish them. A
 *   peering that is not ACTIVE therefore does not stop the gateway from starting.
 * - The gateway: the runtime config `meshcc synth` writes under `clusters/<c>/<dc>/gateway/` (peering routes
 *   included), started or reloaded as for one cluster, with the cluster's token as its `CONSUL_HTTP_TOKEN`.
 */
import { compileClusters, type PeeredCompilation } from '../compiler/compile-clusters.ts';
import { DriftLeftByPolicy } from '../diagnostics/codes/reconcile.ts';
import { diag } from '../diagnostics/diagnostic.ts';
import { renderText } from '../diagnostics/render-text.ts';
import { applySuppressions } from '../diagnostics/suppress.ts';
import { type ClusterPeeringRoutes, clusterPeeringRoutes } from '../emit/gateway-peering.ts';
import { loadEnvironment } from '../input/load-environment.ts';
import { isPeeredMesh, peeringKey } from '../model/clusters.ts';
import type { MeshGatewayDecl } from '../model/types.ts';
import { type ConnectionValues, consulErrorLine } from '../reconcile/cli-context.ts';
import { type ConsulClient, ConsulHttpError, ConsulTransportError } from '../reconcile/consul-client.ts';
import { LockHeldError } from '../reconcile/lock.ts';
import { checkSafety, computePlan } from '../reconcile/plan.ts';
import { type HealPolicy, holdByPolicy } from '../reconcile/policy.ts';
import { chooseGateway, type EntriesResult, type RoundInputs } from '../reconcile/run-gateway.ts';
import { type CliIO, Exit, UsageError } from './command.ts';
import {
  applyKnobs,
  applyPeered,
  clusterClients,
  clusterEnv,
  clusterTokens,
  drift,
  guard,
  maxDeletions,
} from './peered.ts';

/** The options of `meshcc reconcile` this reads. */
export interface PeeredGatewayValues extends ConnectionValues {
  readonly 'consul-cluster'?: string[];
  readonly cluster?: string;
  readonly gateway?: string;
  readonly verify?: boolean;
  readonly adopt?: boolean;
  readonly 'allow-empty'?: boolean;
  readonly 'max-deletions'?: string;
  readonly concurrency?: string;
  readonly wait?: string;
}

/** What the gateway round of a peered cluster runs from. */
export interface PeeredGatewayInputs extends RoundInputs {
  readonly environment: string;
  readonly cluster: string;
  readonly gateway: MeshGatewayDecl;
  readonly peering: ClusterPeeringRoutes;
  /** The environment the gateway process gets (the cluster's token as `CONSUL_HTTP_TOKEN`). */
  readonly gatewayEnv: Readonly<Record<string, string | undefined>>;
  /** Every token in play (redacted from the gateway's log tail). */
  readonly secrets: readonly string[];
  /** Reads the environment again (foreground rounds): same cluster, same Consul. */
  readonly refresh: () => Promise<RoundInputs>;
}

/** The cluster that holds `dc` (`--cluster` when the name is in several); a UsageError or a message otherwise. */
function clusterOf(
  pc: PeeredCompilation,
  dc: string,
  given: string | undefined,
): PeeredCompilation['clusters'][number] {
  const names = pc.clusters.map((c) => `${c.cluster.name} (${c.cluster.datacenters.join(', ')})`).join(', ');
  if (given !== undefined) {
    const c = pc.clusters.find((x) => x.cluster.name === given);
    if (!c) throw new UsageError(`--cluster: no cluster '${given}' in ${pc.model.name} (clusters: ${names})`);
    if (!c.cluster.datacenters.includes(dc))
      throw new UsageError(`--cluster ${given}: datacenter ${dc} is not in cluster ${given} (clusters: ${names})`);
    return c;
  }
  const holding = pc.clusters.filter((c) => c.cluster.datacenters.includes(dc));
  if (holding.length === 0)
    throw new UsageError(`--dc: datacenter ${dc} is in no cluster of ${pc.model.name} (clusters: ${names})`);
  if (holding.length > 1)
    throw new UsageError(
      `--dc: datacenter ${dc} is in clusters ${holding.map((c) => c.cluster.name).join(' and ')}: choose one with --cluster NAME`,
    );
  return holding[0]!;
}

/**
 * The inputs of a peered cluster's gateway round, or undefined when the environment does not declare clusters (the
 * caller then runs as for one cluster), or an exit code when it cannot run (reported on stderr; nothing written).
 */
export async function peeredGatewayInputs(
  envArg: string,
  dc: string,
  values: PeeredGatewayValues,
  policy: HealPolicy,
  io: CliIO,
): Promise<PeeredGatewayInputs | number | undefined> {
  const first = await loadEnvironment(envArg, io.cwd);
  if (!isPeeredMesh(first.model)) {
    if ((values['consul-cluster'] ?? []).length > 0 || values.cluster !== undefined)
      throw new UsageError(
        `${values.cluster !== undefined ? '--cluster' : '--consul-cluster'} goes with an environment of peered clusters; ${first.model.name} declares none`,
      );
    return undefined;
  }
  const compileChecked = async (again: boolean): Promise<PeeredCompilation | number> => {
    const loaded = again ? await loadEnvironment(envArg, io.cwd) : first;
    const pc = compileClusters(loaded.model);
    const ds = applySuppressions(loaded.model, [...loaded.diagnostics, ...pc.diagnostics]);
    if (ds.some((d) => d.severity === 'error' && !d.suppressed)) {
      io.stderr(renderText(ds, { cwd: io.cwd }));
      io.stderr(`meshcc reconcile: ${loaded.model.name} has errors; nothing applied, gateway not touched\n`);
      return Exit.findings;
    }
    return pc;
  };
  const pc = await compileChecked(false);
  if (typeof pc === 'number') return pc;
  const cc = clusterOf(pc, dc, values.cluster);
  const name = cc.cluster.name;
  const choice = chooseGateway(cc.compilation.model, dc, values.gateway);
  if (!choice.ok) {
    io.stderr(`meshcc reconcile: error: cluster ${name}: ${choice.message}\n`);
    return Exit.error;
  }
  const allNames = pc.clusters.map((c) => c.cluster.name);
  const client = clusterClients(allNames, values['consul-cluster'] ?? [], values, io, [name]).get(name)!;
  try {
    const refused = await guard(cc.cluster, client);
    if (refused) {
      io.stderr(renderText([refused], { cwd: io.cwd }));
      io.stderr('meshcc reconcile: nothing applied, gateway not touched\n');
      return Exit.error;
    }
  } catch (e) {
    if (e instanceof ConsulHttpError || e instanceof ConsulTransportError) {
      io.stderr(consulErrorLine('reconcile', e));
      return Exit.error;
    }
    throw e;
  }

  const entriesOf = (compiled: PeeredCompilation) => (): Promise<EntriesResult> =>
    clusterEntries(compiled, name, client, values, policy, io);
  const roundOf = (compiled: PeeredCompilation): RoundInputs & { peering: ClusterPeeringRoutes } => {
    const c = compiled.clusters.find((x) => x.cluster.name === name);
    if (!c?.cluster.datacenters.includes(dc)) throw new Error(`datacenter ${dc} is no longer in cluster ${name}`);
    const chosen = chooseGateway(c.compilation.model, dc, values.gateway);
    if (!chosen.ok) throw new Error(`cluster ${name}: ${chosen.message}`);
    return {
      compilation: c.compilation,
      gateway: chosen.gateway,
      peering: clusterPeeringRoutes(compiled, name),
      reconcileEntries: entriesOf(compiled),
    };
  };
  const secrets = [...clusterTokens(io.env), ...(io.env.CONSUL_HTTP_TOKEN ? [io.env.CONSUL_HTTP_TOKEN] : [])];
  const gatewayEnv = clusterEnv(io.env, name).env;
  return {
    environment: pc.model.name,
    cluster: name,
    ...roundOf(pc),
    gatewayEnv,
    secrets,
    refresh: async () => {
      const again = await compileChecked(true);
      if (typeof again === 'number') throw new Error(`${pc.model.name} has errors; nothing applied`);
      return roundOf(again);
    },
  };
}

/** This cluster's side of each of its peerings, reported; establishing them is apply's (both clusters). */
async function reportPeerings(pc: PeeredCompilation, name: string, client: ConsulClient, io: CliIO): Promise<void> {
  const mine = (pc.model.peerings ?? []).filter((p) => p.acceptor.cluster === name || p.dialer.cluster === name);
  if (mine.length === 0) return;
  const live = await client.peerings();
  const lines = mine.map((p) => {
    const side = p.acceptor.cluster === name ? p.acceptor : p.dialer;
    const role = p.acceptor.cluster === name ? 'acceptor' : 'dialer';
    const state = live.find((l) => l.Name === side.peerName)?.State ?? 'missing';
    const note =
      state === 'ACTIVE'
        ? ''
        : ' (not established here: meshcc apply or meshcc reconcile --heal, which reach both clusters, establish it)';
    return `  peering ${peeringKey(p)}: cluster ${name} (${role}) ${state}${note}`;
  });
  io.stdout(`peerings of cluster ${name}:\n${lines.join('\n')}\n`);
}

/** Drift of one cluster's entries against its own Consul, then (unless --verify) an apply of them; peerings reported. */
async function clusterEntries(
  pc: PeeredCompilation,
  name: string,
  client: ConsulClient,
  values: PeeredGatewayValues,
  policy: HealPolicy,
  io: CliIO,
): Promise<EntriesResult> {
  const cc = pc.clusters.find((c) => c.cluster.name === name)!;
  const clients = new Map([[name, client]]);
  const env = pc.model.name;
  try {
    const code = await drift({ ...pc, clusters: [cc] }, clients, [], env, false, io);
    await reportPeerings(pc, name, client, io);
    if (code !== Exit.changes || values.verify) return { code, held: 0 };
    io.stdout(`Healing: applying cluster ${name}'s entries.\n`);
    const live = await client.listAll(cc.cluster.primaryDatacenter);
    const h = holdByPolicy(computePlan(env, cc.compilation.entries, live, { adopt: values.adopt ?? false }), policy);
    const warnings = h.held.map((x) =>
      diag(DriftLeftByPolicy, { path: `${name}/${x.key}` }, { key: `${name}/${x.key}`, drift: x.drift }),
    );
    if (warnings.length > 0) io.stderr(renderText(warnings, { cwd: io.cwd }));
    const safety = { allowEmpty: values['allow-empty'] ?? false, ...maxDeletions(values['max-deletions']) };
    const blocking = [...h.plan.diagnostics, ...checkSafety(h.plan, safety)]
      .filter((d) => d.severity !== 'info')
      .map((d) => ({ ...d, path: `${name}/${d.path}` }));
    if (blocking.length > 0) io.stderr(renderText(blocking, { cwd: io.cwd }));
    if (blocking.some((d) => d.severity === 'error')) {
      io.stderr('meshcc reconcile: nothing written\n');
      return { code: Exit.error, held: h.held.length };
    }
    const applied = await applyPeered(
      env,
      [{ cluster: name, plan: h.plan }],
      [],
      clients,
      { saved: false, json: false, command: 'reconcile', gateways: new Map(), ...applyKnobs(values) },
      io,
    );
    return { code: applied, held: h.held.length };
  } catch (e) {
    if (e instanceof ConsulHttpError || e instanceof ConsulTransportError) {
      io.stderr(consulErrorLine('reconcile', e));
      return { code: Exit.error, held: 0 };
    }
    if (e instanceof LockHeldError) {
      io.stderr(`meshcc reconcile: error MC5008: ${e.message}\n`);
      return { code: Exit.error, held: 0 };
    }
    throw e;
  }
}
