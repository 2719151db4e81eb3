/**
 * `meshcc reconcile <env> [--heal] [--policy KIND=heal|warn]`: drift check, and with --heal an apply that reverts it.
 * `--run-gateway --dc D`: then write datacenter D's gateway runtime config and start or reload the bundled SNI gateway
 * (`reconcile/run-gateway.ts`).
 */
import { resolve } from 'node:path';
import { parseGoDuration } from '../../compiler/duration.ts';
import {
  connectionOptions,
  connectionUsage,
  type DesiredEntries,
  desiredEntries,
} from '../../reconcile/cli-context.ts';
import { readToken } from '../../reconcile/consul-client.ts';
import { DEFAULT_POLICY, type HealPolicy, parsePolicy } from '../../reconcile/policy.ts';
import {
  type AddressOverride,
  chooseGateway,
  type EntriesResult,
  type GatewayOverrides,
  gatewayCommand,
  gatewayPaths,
  type ListenerName,
  parseAddress,
  parseListen,
  type RoundInputs,
  type RunGatewayOptions,
  runGateway,
  runGatewayForeground,
} from '../../reconcile/run-gateway.ts';
import { type CliIO, type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';
import { peeredUsage, runPeered } from '../peered.ts';
import { type PeeredGatewayValues, peeredGatewayInputs } from '../peered-gateway.ts';
import { runApply } from './apply.ts';
import { runDrift } from './drift.ts';

const usage = `Usage: meshcc reconcile <env> [--heal] [--policy KIND=heal|warn] [apply options] [connection options]
       meshcc reconcile <env> --run-gateway --dc DC [--verify] [gateway options] [apply options] [connection options]

Runs 'meshcc drift <env>'. Without --heal it only reports (exit 2 on drift). With --heal it then runs
'meshcc apply <env>' to bring owned entries back to the environment (unmanaged entries are never touched).

Options:
  --heal                     revert drift of owned entries (an apply under the environment lock)
  --policy KIND=heal|warn    per-kind policy for --heal (repeatable or comma-separated; '*' sets the default,
                             which is heal). warn: the kind's drift is reported (MC5013) and left as it is.
                             Kinds: proxy-defaults, service-defaults, service-resolver, service-splitter,
                             service-router, service-intentions. E.g. --policy service-intentions=warn

Running the gateway (what a gateway host runs on a timer, or a Kubernetes container):
  --run-gateway              heal as with --heal (or check only, with --verify), then write datacenter DC's gateway
                             runtime config and start the bundled SNI gateway, or reload the running one (SIGHUP:
                             no connection is dropped); wait until its admin /ready answers and /config reports the
                             new config. A failed apply, drift under --verify or an invalid config: the gateway
                             is not touched.
  --dc DC                    with --run-gateway: the datacenter whose gateway runs here (required). Entries are
                             still read and written in the primary datacenter (found through the agent), as always.
  --cluster NAME             peered clusters: assert that DC is in cluster NAME (optional: datacenter names are
                             unique across clusters, so DC names its cluster)
  --gateway-consul ADDR      the Consul agent the gateway registers with and discovers through, as
                             http(s)://HOST:PORT (default: the model's, the local agent)
  --verify                   do not apply: exit 2 if owned entries drifted (gateway untouched), else go on
  --gateway NAME             the gateway to run when DC has several with implementation 'meshcc'
  --gateway-config FILE      where to write its runtime config
                             (default .meshcc/gateway-<env>-<dc>-<gateway>.json; the log goes next to it, .log)
  --pid-file FILE            the gateway's pid (default: the config path with .pid)
  --ready-timeout DURATION   how long to wait for /ready (default 30s; Go syntax: 500ms, 1m30s)
  --listen NAME=ADDR[:PORT]  bind listener lan or wan elsewhere than the model says (repeatable), e.g. wan=0.0.0.0
  --admin ADDR[:PORT]        admin address (default 127.0.0.1 and the gateway's adminPort, 19100)
  --workers N                gateway processes sharing the listeners (meshcc-gateway --workers)
  --no-restart               when the listener or admin addresses change (a reload cannot rebind), exit 1 and
                             touch nothing instead of restarting the gateway (for systemd's ExecReload)
  --foreground               run the gateway attached to this process (output inherited) instead of detached:
                             SIGHUP re-runs the reconcile, SIGTERM/SIGINT drain the gateway and exit
  --interval DURATION        with --foreground: also re-run the reconcile this often (e.g. 5m)
  MESHCC_GATEWAY_BIN=FILE    run this gateway executable (the single-executable build) instead of
                             bin/meshcc-gateway.js

${connectionUsage}

${peeredUsage}
  In a peered environment, drift covers every cluster's entries and every peering (one deleted or failing is drift,
  MC5015), and --heal applies each cluster's entries to its own Consul and re-establishes broken peerings.
  With --run-gateway --dc DC: only the cluster that holds DC and only its address is needed; its entries are healed (or with --verify checked) in its own Consul, after the guard
  (MC5014) refuses an address answering for another cluster. Its peerings are reported, not established (that
  needs both clusters and, with PeerThroughMeshGateways, this gateway running: meshcc apply or reconcile --heal).
  The gateway runs the config synth writes under clusters/<cluster>/<dc>/gateway/, with the cluster's token
  (CONSUL_HTTP_TOKEN_<NAME>) as its CONSUL_HTTP_TOKEN.

Exit codes: 0 clean or healed (and with --run-gateway: the gateway is ready with the new config), 1 error (with
--run-gateway also: the gateway did not start, exited or was not ready in time; the reason and the last lines of
its log are printed), 2 drift (without --heal, under --verify, or left unhealed by a warn policy), 3 the environment
has errors.
`;

const GATEWAY_FLAGS_VALUED = [
  '--cluster',
  '--gateway-consul',
  '--gateway',
  '--gateway-config',
  '--pid-file',
  '--ready-timeout',
  '--listen',
  '--admin',
  '--workers',
  '--interval',
];
const GATEWAY_FLAGS_BOOLEAN = ['--run-gateway', '--verify', '--foreground', '--no-restart'];

const reconcile: Command = {
  name: 'reconcile',
  summary: 'detect drift and optionally heal it (apply), per-kind policy',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      ...connectionOptions,
      'consul-cluster': { type: 'string', multiple: true },
      adopt: { type: 'boolean' },
      'allow-empty': { type: 'boolean' },
      'max-deletions': { type: 'string' },
      concurrency: { type: 'string' },
      wait: { type: 'string' },
      heal: { type: 'boolean' },
      policy: { type: 'string', multiple: true },
      'run-gateway': { type: 'boolean' },
      cluster: { type: 'string' },
      'gateway-consul': { type: 'string' },
      verify: { type: 'boolean' },
      gateway: { type: 'string' },
      'gateway-config': { type: 'string' },
      'pid-file': { type: 'string' },
      'ready-timeout': { type: 'string' },
      listen: { type: 'string', multiple: true },
      admin: { type: 'string' },
      workers: { type: 'string' },
      foreground: { type: 'boolean' },
      interval: { type: 'string' },
      'no-restart': { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one environment');
    let policy: HealPolicy = DEFAULT_POLICY;
    try {
      policy = parsePolicy(values.policy ?? []);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (values['run-gateway']) {
      return runWithGateway(args, values, positionals[0] as string, policy, io);
    }
    const stray = GATEWAY_FLAGS_BOOLEAN.concat(GATEWAY_FLAGS_VALUED).filter((f) =>
      args.some((a) => a === f || a.startsWith(`${f}=`)),
    );
    if (stray.length > 0) throw new UsageError(`${stray.join(', ')} only go with --run-gateway`);
    const rest = withoutFlags(args, ['--heal'], ['--policy']);
    const driftArgs = rest.filter((_a, i) => !isApplyOnly(rest, i));
    // Peered clusters: drift (entries per cluster and peerings) and the heal, each cluster against its own Consul.
    const peeredDrift = await runPeered('drift', driftArgs, io, { command: 'reconcile' });
    if (peeredDrift !== undefined) {
      if (peeredDrift !== Exit.changes || !values.heal) return peeredDrift;
      io.stdout('Healing: applying the environment.\n');
      let held = 0;
      const code = await runPeered('apply', rest, io, {
        policy,
        command: 'reconcile',
        onHeld: (n) => {
          held = n;
        },
      });
      if (code !== Exit.ok) return code ?? Exit.error;
      if (held > 0) {
        io.stdout(`Drift left by policy: ${held} change(s) of warn kinds not healed.\n`);
        return Exit.changes;
      }
      return Exit.ok;
    }
    const desired = await desiredEntries(positionals[0] as string, io);
    if ('errors' in desired) return Exit.findings;
    const code = await runDrift(driftArgs, io, desired);
    if (code !== Exit.changes || !values.heal) return code;
    io.stdout('Healing: applying the environment.\n');
    const r = await runApply(rest, io, { policy, command: 'reconcile', desired });
    if (r.code !== Exit.ok) return r.code;
    if (r.held > 0) {
      io.stdout(`Drift left by policy: ${r.held} change(s) of warn kinds not healed.\n`);
      return Exit.changes;
    }
    return Exit.ok;
  },
};

interface GatewayValues extends PeeredGatewayValues {
  readonly heal?: boolean;
  readonly policy?: string[];
  readonly dc?: string;
  readonly verify?: boolean;
  readonly gateway?: string;
  readonly 'gateway-config'?: string;
  readonly 'pid-file'?: string;
  readonly 'ready-timeout'?: string;
  readonly listen?: string[];
  readonly admin?: string;
  readonly workers?: string;
  readonly foreground?: boolean;
  readonly interval?: string;
  readonly 'no-restart'?: boolean;
  readonly 'gateway-consul'?: string;
}

function durationMs(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const ns = parseGoDuration(text);
  if (ns === undefined || ns / 1e6 < min) {
    throw new UsageError(`${flag}: expected a duration of at least ${min}ms such as 30s or 1m30s, got '${text}'`);
  }
  return ns / 1e6;
}

/** `--run-gateway`: the entries (heal, or verify), then the datacenter's bundled gateway. */
async function runWithGateway(
  args: readonly string[],
  values: GatewayValues,
  envArg: string,
  policy: HealPolicy,
  io: CliIO,
): Promise<number> {
  const dc = values.dc;
  if (!dc) throw new UsageError('--run-gateway needs --dc DC: the datacenter whose gateway runs here');
  if (values.verify && (values.heal || (values.policy ?? []).length > 0)) {
    throw new UsageError('--verify checks only; it does not go with --heal or --policy');
  }
  if (values.interval !== undefined && !values.foreground) throw new UsageError('--interval needs --foreground');
  const readyTimeoutMs = durationMs('--ready-timeout', values['ready-timeout'], 30_000, 1);
  const intervalMs = durationMs('--interval', values.interval, 0, 1000);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 256)) {
    throw new UsageError(`--workers must be an integer from 1 to 256, got ${values.workers}`);
  }
  let listen: Map<ListenerName, AddressOverride>;
  let admin: AddressOverride | undefined;
  try {
    listen = parseListen(values.listen ?? []);
    admin = values.admin === undefined ? undefined : parseAddress(values.admin, '--admin');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  const gatewayConsul = values['gateway-consul'];
  if (gatewayConsul !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(gatewayConsul))
    throw new UsageError(`--gateway-consul: expected http://HOST:PORT or https://HOST:PORT, got '${gatewayConsul}'`);
  const tokenFile = values['token-file'] ?? io.env.CONSUL_HTTP_TOKEN_FILE;

  // Peered clusters: the cluster that holds DC, against its own Consul (cli/peered-gateway.ts).
  const peered = await peeredGatewayInputs(envArg, dc, values, policy, io);
  if (typeof peered === 'number') return peered;
  if (peered !== undefined) {
    const ownToken = peered.gatewayEnv !== io.env;
    const options: RunGatewayOptions = {
      compilation: peered.compilation,
      gateway: peered.gateway,
      peering: peered.peering,
      paths: gatewayPaths(io.cwd, peered.environment, dc, peered.gateway.name, {
        ...(values['gateway-config'] ? { config: values['gateway-config'] } : {}),
        ...(values['pid-file'] ? { pid: values['pid-file'] } : {}),
      }),
      overrides: {
        listen,
        ...(admin ? { admin } : {}),
        ...(tokenFile && !ownToken ? { tokenFile: resolve(io.cwd, tokenFile) } : {}),
        ...(gatewayConsul ? { consul: gatewayConsul } : {}),
      },
      reconcileEntries: peered.reconcileEntries,
      readyTimeoutMs,
      ...(values['no-restart'] ? { noRestart: true } : {}),
      command: gatewayCommand(io.env),
      ...(workers !== undefined ? { gatewayArgs: ['--workers', String(workers)] } : {}),
      env: peered.gatewayEnv,
      cwd: io.cwd,
      stdout: io.stdout,
      stderr: io.stderr,
      secrets: peered.secrets,
    };
    return values.foreground
      ? runGatewayForeground({ ...options, refresh: peered.refresh, ...(intervalMs > 0 ? { intervalMs } : {}) })
      : runGateway(options);
  }

  // (1) the environment and its gateway in DC, before anything touches Consul
  const desired = await desiredEntries(envArg, io);
  if ('errors' in desired) {
    io.stderr(`meshcc reconcile: ${desired.name} has errors; nothing applied, gateway not touched\n`);
    return Exit.findings;
  }
  const { compilation } = desired;
  const choice = chooseGateway(compilation.model, dc, values.gateway);
  if (!choice.ok) {
    io.stderr(`meshcc reconcile: error: ${choice.message}\n`);
    return Exit.error;
  }
  const overrides: GatewayOverrides = {
    listen,
    ...(admin ? { admin } : {}),
    ...(gatewayConsul ? { consul: gatewayConsul } : {}),
    ...(tokenFile ? { tokenFile: resolve(io.cwd, tokenFile) } : {}),
  };
  const paths = gatewayPaths(io.cwd, desired.name, dc, choice.gateway.name, {
    ...(values['gateway-config'] ? { config: values['gateway-config'] } : {}),
    ...(values['pid-file'] ? { pid: values['pid-file'] } : {}),
  });

  // (2) the entries: --dc names the gateway's datacenter here, so drift and apply plan against the primary
  const rest = withoutFlags(args, ['--heal', ...GATEWAY_FLAGS_BOOLEAN], ['--policy', '--dc', ...GATEWAY_FLAGS_VALUED]);
  const driftArgs = rest.filter((_a, i) => !isApplyOnly(rest, i));
  // drift, apply and the gateway config of a round all use the environment compiled for that round
  const entriesOf = (compiled: DesiredEntries) => async (): Promise<EntriesResult> => {
    const code = await runDrift(driftArgs, io, compiled);
    if (code !== Exit.changes) return { code, held: 0 };
    if (values.verify) return { code, held: 0 };
    io.stdout('Healing: applying the environment.\n');
    return runApply(rest, io, { policy, command: 'reconcile', desired: compiled });
  };
  // foreground: every later round reads the environment again (an edit plus SIGHUP updates entries and gateway)
  const refresh = async (): Promise<RoundInputs> => {
    const again = await desiredEntries(envArg, io);
    if ('errors' in again) throw new Error(`${again.name} has errors; nothing applied`);
    const chosen = chooseGateway(again.compilation.model, dc, values.gateway);
    if (!chosen.ok) throw new Error(chosen.message);
    return { compilation: again.compilation, gateway: chosen.gateway, reconcileEntries: entriesOf(again) };
  };
  let token: string | undefined;
  try {
    token = readToken(io.env, values['token-file']);
  } catch {
    token = undefined; // unreadable: the entries step reports it
  }
  const options: RunGatewayOptions = {
    compilation,
    gateway: choice.gateway,
    paths,
    overrides,
    reconcileEntries: entriesOf(desired),
    readyTimeoutMs,
    ...(values['no-restart'] ? { noRestart: true } : {}),
    command: gatewayCommand(io.env),
    ...(workers !== undefined ? { gatewayArgs: ['--workers', String(workers)] } : {}),
    env: io.env,
    cwd: io.cwd,
    stdout: io.stdout,
    stderr: io.stderr,
    secrets: token ? [token] : [],
  };
  return values.foreground
    ? runGatewayForeground({ ...options, refresh, ...(intervalMs > 0 ? { intervalMs } : {}) })
    : runGateway(options);
}

/** Removes boolean flags and flags with a value (`--f v` or `--f=v`). */
function withoutFlags(args: readonly string[], booleans: readonly string[], valued: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const flag = a.split('=')[0] as string;
    if (booleans.includes(a)) continue;
    if (valued.includes(flag)) {
      if (!a.includes('=')) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

const APPLY_ONLY = new Set(['--adopt', '--allow-empty', '--max-deletions', '--concurrency', '--wait']);

function isApplyOnly(args: readonly string[], i: number): boolean {
  const a = args[i] as string;
  const flag = a.split('=')[0] as string;
  if (APPLY_ONLY.has(flag)) return true;
  const prev = args[i - 1];
  return prev !== undefined && !a.startsWith('-') && ['--max-deletions', '--concurrency', '--wait'].includes(prev);
}

export default reconcile;
