/**
 * `meshcc reconcile <env> --dc D --run-gateway`: after the entries are in place (applied, or verified), write the
 * datacenter's gateway runtime config and make the bundled SNI gateway run it:
 *
 * 1. pick the datacenter's gateway whose implementation is `meshcc` (`--gateway NAME` when there are several);
 * 2. the caller's `reconcileEntries` (drift, then apply or verify) must succeed, else the gateway is not touched;
 * 3. the config is validated with the gateway's own loader and swapped in atomically (temp file + rename), only when
 *    its content changed;
 * 4. a live gateway named by the pid file gets SIGHUP (reload: open connections are untouched); none (or a stale pid
 *    file) → a new one is spawned detached, its output appended to the log file; a change of listener or admin
 *    addresses (which a reload cannot apply) → SIGTERM (drain), wait for the exit, spawn;
 * 5. the admin `/ready` must answer 200 and `/config` must report the digest of the new config within the timeout,
 *    else the reason (exit code, the log's last lines) and exit 1.
 *
 * Process, clock and HTTP access go through `GatewayDeps`, so all of this runs in unit tests without a process.
 * `runGatewayForeground` is the same round with the gateway attached to this process (Kubernetes, systemd simple).
 */
import { spawn as nodeSpawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { isIP, isIPv6 } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Compilation } from '../compiler/types.ts';
import { stableJson } from '../emit/artifact.ts';
import { type GatewayRuntimeConfig, gatewayRuntimeConfig } from '../emit/gateway-config.ts';
import type { ClusterPeeringRoutes } from '../emit/gateway-peering.ts';
import { configDigest } from '../gateway/admin.ts';
import { type GatewayConfig, loadGatewayConfig, validateGatewayConfig } from '../gateway/config.ts';
import { formatDiagnostic } from '../gateway/format.ts';
import type { MeshGatewayDecl, MeshModel } from '../model/types.ts';

export type ListenerName = 'lan' | 'wan';

/** `ADDR[:PORT]` from the command line; a missing port keeps the model's. */
export interface AddressOverride {
  readonly address: string;
  readonly port?: number;
}

export interface GatewayOverrides {
  /** `--listen lan=ADDR[:PORT]` / `wan=…`: bind addresses other than the model's (e.g. 0.0.0.0 in a pod). */
  readonly listen?: ReadonlyMap<ListenerName, AddressOverride>;
  /** `--admin ADDR[:PORT]`. */
  readonly admin?: AddressOverride;
  /**
   * The reconcile's `--token-file`: a config that reads its Consul token from `CONSUL_HTTP_TOKEN` names this file
   * instead, so the token is in neither the config nor the gateway's command line.
   */
  readonly tokenFile?: string;
  /** `--gateway-consul ADDR`: the Consul agent the gateway registers with and discovers through (default: the model's). */
  readonly consul?: string;
}

/** Parses `ADDR[:PORT]` (`[v6]:PORT` for IPv6 with a port). Throws an Error with a usage message. */
export function parseAddress(spec: string, what: string): AddressOverride {
  const bad = () => new Error(`${what}: expected ADDR[:PORT], got '${spec}'`);
  let address = spec;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  if (v6) {
    address = v6[1] as string;
    portText = v6[2];
  } else if (!isIPv6(spec)) {
    const i = spec.lastIndexOf(':');
    if (i >= 0) {
      address = spec.slice(0, i);
      portText = spec.slice(i + 1);
    }
  }
  if (address === '' || /\s/.test(address)) throw bad();
  if (portText === undefined) return { address };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw bad();
  return { address, port };
}

/** Parses the repeatable `--listen lan=ADDR[:PORT]` / `wan=ADDR[:PORT]`. */
export function parseListen(specs: readonly string[]): Map<ListenerName, AddressOverride> {
  const out = new Map<ListenerName, AddressOverride>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = spec.slice(0, eq);
    if (eq < 0 || (name !== 'lan' && name !== 'wan')) {
      throw new Error(`--listen: expected lan=ADDR[:PORT] or wan=ADDR[:PORT], got '${spec}'`);
    }
    if (out.has(name)) throw new Error(`--listen: ${name} given twice`);
    out.set(name, parseAddress(spec.slice(eq + 1), `--listen ${name}`));
  }
  return out;
}

export type GatewayChoice =
  | { readonly ok: true; readonly gateway: MeshGatewayDecl }
  | { readonly ok: false; readonly message: string };

/** The datacenter's bundled (`implementation: 'meshcc'`) gateway, or a message saying why there is none to run. */
export function chooseGateway(model: MeshModel, dc: string, name?: string): GatewayChoice {
  if (!model.datacenters.some((d) => d.name === dc)) {
    const dcs = model.datacenters.map((d) => d.name).join(', ');
    return { ok: false, message: `datacenter ${dc} is not in environment ${model.name} (it has: ${dcs || 'none'})` };
  }
  const inDc = model.gateways.filter((g) => g.datacenter === dc).sort((a, b) => (a.name < b.name ? -1 : 1));
  const list = inDc.map((g) => `${g.name} (${g.implementation})`).join(', ') || 'none';
  const bundled = inDc.filter((g) => g.implementation === 'meshcc');
  if (name !== undefined) {
    const g = inDc.find((x) => x.name === name);
    if (!g) return { ok: false, message: `datacenter ${dc} has no gateway named ${name} (its gateways: ${list})` };
    if (g.implementation !== 'meshcc') {
      return {
        ok: false,
        message: `gateway ${name} in datacenter ${dc} is implemented by ${g.implementation}, not meshcc; only meshcc gateways run here (its gateways: ${list})`,
      };
    }
    return { ok: true, gateway: g };
  }
  if (bundled.length === 0) {
    return {
      ok: false,
      message: `datacenter ${dc} has no gateway with implementation 'meshcc' to run (its gateways: ${list}); declare one with new MeshGateway(dc, name, { implementation: 'meshcc', … })`,
    };
  }
  if (bundled.length > 1) {
    return {
      ok: false,
      message: `datacenter ${dc} has ${bundled.length} meshcc gateways (${bundled.map((g) => g.name).join(', ')}); choose one with --gateway NAME`,
    };
  }
  return { ok: true, gateway: bundled[0] as MeshGatewayDecl };
}

/**
 * The gateway's runtime config (as `meshcc synth` writes it) with the command line's overrides applied. `peering`: a
 * peered cluster's peering routes (`clusterPeeringRoutes`), as synth passes them for `clusters/<c>/<dc>/gateway/`.
 */
export function runtimeConfigFor(
  c: Compilation,
  g: MeshGatewayDecl,
  o: GatewayOverrides = {},
  peering?: ClusterPeeringRoutes,
): GatewayRuntimeConfig {
  const base = gatewayRuntimeConfig(c, g, peering);
  const listeners = base.listeners.map((l) => {
    const x = o.listen?.get(l.name);
    return x ? { name: l.name, address: x.address, port: x.port ?? l.port } : l;
  });
  for (const name of o.listen?.keys() ?? []) {
    if (!listeners.some((l) => l.name === name)) {
      throw new Error(`--listen ${name}: gateway ${g.name} in ${g.datacenter} has no ${name} listener`);
    }
  }
  const admin = o.admin ? { address: o.admin.address, port: o.admin.port ?? base.admin.port } : base.admin;
  let consul = base.consul;
  if (consul && o.tokenFile && consul.tokenEnv === 'CONSUL_HTTP_TOKEN') {
    const { tokenEnv: _t, ...rest } = consul;
    consul = { ...rest, tokenFile: o.tokenFile } as GatewayRuntimeConfig['consul'];
  }
  if (consul && o.consul) consul = { ...consul, address: o.consul };
  return { ...base, listeners, admin, ...(consul ? { consul } : {}) };
}

/** Where the config, the pid file and the gateway's log go. */
export interface GatewayPaths {
  readonly config: string;
  readonly pid: string;
  readonly log: string;
}

/**
 * Default `.meshcc/gateway-<env>-<dc>-<gateway>.json` under `cwd`; the pid file and the log sit next to the config
 * (`.pid`, `.log` instead of `.json`) unless given.
 */
export function gatewayPaths(
  cwd: string,
  env: string,
  dc: string,
  gateway: string,
  opts: { config?: string; pid?: string } = {},
): GatewayPaths {
  const config = resolve(cwd, opts.config ?? join('.meshcc', `gateway-${env}-${dc}-${gateway}.json`));
  const stem = config.endsWith('.json') ? config.slice(0, -'.json'.length) : config;
  return { config, pid: opts.pid ? resolve(cwd, opts.pid) : `${stem}.pid`, log: `${stem}.log` };
}

/** The command that runs the gateway: `MESHCC_GATEWAY_BIN` (a single executable, or a .js/.cjs run by node), else this checkout's `bin/meshcc-gateway.js`. */
export function gatewayCommand(env: Readonly<Record<string, string | undefined>>): {
  file: string;
  args: string[];
} {
  const bin = env.MESHCC_GATEWAY_BIN;
  if (bin) return /\.(c|m)?js$/.test(bin) ? { file: process.execPath, args: [resolve(bin)] } : { file: bin, args: [] };
  const script = fileURLToPath(new URL('../../bin/meshcc-gateway.js', import.meta.url));
  return { file: process.execPath, args: [script] };
}

// ---------------------------------------------------------------------------------------------------------------
// Processes, clock and HTTP: injectable.

/** A gateway process this run started. */
export interface SpawnedGateway {
  readonly pid: number;
  /** Set once the process has exited (or failed to start). */
  exited(): { readonly code: number | null; readonly signal: string | null; readonly error?: string } | undefined;
}

export interface SpawnOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Detached, stdout/stderr appended to this file (one-shot mode). */
  readonly logFile?: string;
  /** Attached to this process, output inherited (foreground mode). */
  readonly attach?: boolean;
}

export interface AdminAnswer {
  readonly status: number;
  readonly body: string;
}

export interface GatewayDeps {
  spawn(file: string, args: readonly string[], opts: SpawnOptions): Promise<SpawnedGateway>;
  /** GET with a timeout; rejects when nothing answers. */
  get(url: string, timeoutMs: number): Promise<AdminAnswer>;
  /** Sends a signal; false when there is no such process. */
  signal(pid: number, sig: NodeJS.Signals): boolean;
  alive(pid: number): boolean;
  /** The process's command line (undefined when it cannot be read, e.g. no /proc). */
  commandLine(pid: number): string[] | undefined;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Subscribes to a signal of this process; returns the unsubscribe function (foreground mode). */
  onSignal(sig: NodeJS.Signals, fn: () => void): () => void;
}

/** The real implementations. */
export const nodeGatewayDeps: GatewayDeps = {
  async spawn(file, args, opts) {
    const env = { ...opts.env } as NodeJS.ProcessEnv;
    let fd: number | undefined;
    if (!opts.attach && opts.logFile) fd = openSync(opts.logFile, 'a');
    const child = nodeSpawn(file, [...args], {
      env,
      detached: !opts.attach,
      stdio: opts.attach ? ['ignore', 'inherit', 'inherit'] : ['ignore', fd ?? 'ignore', fd ?? 'ignore'],
    });
    if (fd !== undefined) closeSync(fd);
    let exit: ReturnType<SpawnedGateway['exited']>;
    child.on('exit', (code, signal) => {
      exit = { code, signal };
    });
    const started = await new Promise<string | undefined>((res) => {
      child.once('spawn', () => res(undefined));
      child.once('error', (e) => res(e.message));
    });
    if (started !== undefined) exit = { code: null, signal: null, error: started };
    if (!opts.attach) child.unref();
    return { pid: child.pid ?? -1, exited: () => exit };
  },
  async get(url, timeoutMs) {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  },
  signal(pid, sig) {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  },
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  commandLine(pid) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      return undefined;
    }
  },
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => Date.now(),
  onSignal(sig, fn) {
    process.on(sig, fn);
    return () => process.off(sig, fn);
  },
};

// ---------------------------------------------------------------------------------------------------------------
// The round.

/** What the entries step (drift, then apply or verify) returned: the exit code and changes held back by a policy. */
export interface EntriesResult {
  readonly code: number;
  readonly held: number;
}

export interface RunGatewayOptions {
  readonly compilation: Compilation;
  readonly gateway: MeshGatewayDecl;
  /** A peered cluster's peering routes for its gateways (`clusterPeeringRoutes`); absent for one cluster. */
  readonly peering?: ClusterPeeringRoutes;
  readonly paths: GatewayPaths;
  readonly overrides?: GatewayOverrides;
  /**
   * A change of listener or admin addresses fails (exit 1, before the entries step; file and gateway untouched)
   * instead of restarting the gateway: for supervisors that track the gateway's pid (systemd `Type=forking` reload).
   */
  readonly noRestart?: boolean;
  /** Drift, then apply (or, with --verify, only check); the gateway is touched only when this returns code 0. */
  readonly reconcileEntries: () => Promise<EntriesResult>;
  readonly readyTimeoutMs: number;
  /** Gateway command (`gatewayCommand`) and extra arguments (e.g. `--workers N`). */
  readonly command: { readonly file: string; readonly args: readonly string[] };
  readonly gatewayArgs?: readonly string[];
  /** The environment the gateway process gets. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** Literal values never to print (tokens), replaced in the log tail. */
  readonly secrets?: readonly string[];
  /** Poll interval of the admin endpoints. @default 100 */
  readonly pollMs?: number;
  /** Lines of the gateway's log shown on failure. @default 20 */
  readonly logLines?: number;
}

export type GatewayAction = 'started' | 'reloaded' | 'restarted' | 'unchanged';

/** The exit codes used here (same as `Exit` in cli/command.ts; kept local: imports point from cli to reconcile). */
const OK = 0;
const ERROR = 1;
const CHANGES = 2;

interface RoundState {
  /** The gateway this process started (attached in foreground mode), while it runs. */
  child?: SpawnedGateway;
  /** Set while this process stops its own child on purpose (restart, shutdown). */
  stopping?: boolean;
}

export interface ConfigWrite {
  readonly changed: boolean;
  readonly digest: string;
  readonly config: GatewayConfig;
  /** The config file's previous content, parsed (when there was a valid one). */
  readonly previous?: GatewayConfig;
}

class RoundError extends Error {
  constructor(
    message: string,
    readonly logTail: readonly string[] = [],
    readonly logFile?: string,
  ) {
    super(message);
  }
}

function adminBase(cfg: GatewayConfig): string {
  const a = cfg.admin.address;
  const host = a === '0.0.0.0' || a === '' ? '127.0.0.1' : a === '::' ? '::1' : a;
  return `http://${isIPv6(host) ? `[${host}]` : host}:${cfg.admin.port}`;
}

function sameAddresses(a: GatewayConfig, b: GatewayConfig): boolean {
  const key = (c: GatewayConfig) =>
    JSON.stringify({
      admin: [c.admin.address, c.admin.port],
      listeners: [...c.listeners].map((l) => [l.name, l.address, l.port]).sort(),
    });
  return key(a) === key(b);
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function writeAtomic(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The config file's current content and, when valid, its parsed config. */
function readPrevious(file: string): { text?: string; config?: GatewayConfig } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const config = validateGatewayConfig(JSON.parse(text), file).config;
    return config ? { text, config } : { text };
  } catch {
    return { text };
  }
}

function addressesOf(c: GatewayConfig): string {
  const ls = c.listeners.map((l) => `${l.name} ${l.address}:${l.port}`);
  return [...ls, `admin ${c.admin.address}:${c.admin.port}`].join(', ');
}

/** Validates the new config with the gateway's own loader (on the temp file) and swaps it in if it changed. */
export function writeGatewayConfig(file: string, content: string): ConfigWrite {
  mkdirSync(dirname(file), { recursive: true });
  const { text: old, config: previous } = readPrevious(file);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  const loaded = loadGatewayConfig(tmp);
  if (!loaded.config) {
    unlinkSync(tmp);
    const why = loaded.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n');
    throw new RoundError(`the new gateway config is invalid; ${file} and the running gateway are untouched:\n${why}`);
  }
  const digest = configDigest(loaded.config);
  if (old === content) {
    unlinkSync(tmp);
    return { changed: false, digest, config: loaded.config, ...(previous ? { previous } : {}) };
  }
  renameSync(tmp, file);
  return { changed: true, digest, config: loaded.config, ...(previous ? { previous } : {}) };
}

/** True when `pid` is alive and (where the command line is readable) is a gateway running `configFile`. */
function isOurGateway(deps: GatewayDeps, pid: number, configFile: string): boolean {
  if (!deps.alive(pid)) return false;
  const cmd = deps.commandLine(pid);
  if (cmd === undefined) return true;
  return (
    cmd.some((a, i) => a === configFile && ['--config', '-c'].includes(cmd[i - 1] ?? '')) ||
    cmd.includes(`--config=${configFile}`)
  );
}

function tailOf(file: string, from: number, lines: number, secrets: readonly string[]): string[] {
  let text = '';
  try {
    const all = readFileSync(file);
    text = all.subarray(Math.min(from, all.length)).toString('utf8');
  } catch {
    return [];
  }
  for (const s of secrets) if (s.length >= 4) text = text.split(s).join('<redacted>');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines);
}

interface Running {
  readonly pid: number;
  readonly action: GatewayAction;
  readonly ms: number;
}

/** One reconcile round: entries, config, process, readiness. Throws RoundError (message + log tail) on failure. */
class Round {
  private readonly poll: number;
  constructor(
    private readonly o: RunGatewayOptions,
    private readonly deps: GatewayDeps,
    private readonly state: RoundState,
    private readonly attach: boolean,
  ) {
    this.poll = o.pollMs ?? 100;
  }

  private get name(): string {
    return `${this.o.gateway.name} (${this.o.gateway.datacenter})`;
  }

  /** Builds the config content (and its parsed form); throws RoundError when the overrides do not fit or it is invalid. */
  content(): { text: string; config: GatewayConfig } {
    let cfg: GatewayRuntimeConfig;
    try {
      cfg = runtimeConfigFor(this.o.compilation, this.o.gateway, this.o.overrides, this.o.peering);
    } catch (e) {
      throw new RoundError((e as Error).message);
    }
    const text = stableJson(cfg);
    const checked = validateGatewayConfig(JSON.parse(text), this.o.paths.config);
    if (!checked.config) {
      const why = checked.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n');
      throw new RoundError(`the gateway config for ${this.name} is invalid; nothing applied or written:\n${why}`);
    }
    return { text, config: checked.config };
  }

  private async spawnGateway(): Promise<SpawnedGateway> {
    const { o } = this;
    const args = [...o.command.args, '--config', o.paths.config, ...(o.gatewayArgs ?? [])];
    mkdirSync(dirname(o.paths.log), { recursive: true });
    const child = await this.deps.spawn(o.command.file, args, {
      env: o.env,
      ...(this.attach ? { attach: true } : { logFile: o.paths.log }),
    });
    const early = child.exited();
    if (early?.error) throw new RoundError(`could not start ${o.command.file}: ${early.error}`);
    writeAtomic(o.paths.pid, `${child.pid}\n`);
    this.state.child = child;
    this.state.stopping = false;
    return child;
  }

  private async stop(pid: number, drainMs: number): Promise<void> {
    this.state.stopping = true;
    this.deps.signal(pid, 'SIGTERM');
    const deadline = this.deps.now() + drainMs + 10_000;
    while (this.deps.alive(pid) && !this.exitedChild(pid)) {
      if (this.deps.now() > deadline) {
        throw new RoundError(
          `the running gateway (pid ${pid}) did not stop within ${Math.round((drainMs + 10_000) / 1000)}s of SIGTERM; the new listener or admin addresses need a restart`,
        );
      }
      await this.deps.sleep(this.poll);
    }
    if (this.state.child?.pid === pid) this.state.child = undefined;
  }

  private exitedChild(pid: number): boolean {
    return this.state.child?.pid === pid && this.state.child.exited() !== undefined;
  }

  /** Polls `/ready` and `/config` until the gateway is ready with `digest`; throws with the reason otherwise. */
  private async waitReady(
    cfg: GatewayConfig,
    digest: string,
    pid: number,
    logFrom: number,
    deadline: number,
  ): Promise<{ listeners?: readonly { name: string; address: string; port: number }[] }> {
    const base = adminBase(cfg);
    let last = 'no answer yet';
    for (;;) {
      const child = this.state.child?.pid === pid ? this.state.child : undefined;
      const exit = child?.exited();
      if (exit || (!child && !this.deps.alive(pid))) {
        const how = exit ? (exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`) : 'exited';
        throw this.withLog(`the gateway (pid ${pid}) exited before it was ready (${how})`, logFrom);
      }
      const left = deadline - this.deps.now();
      if (left <= 0) {
        throw this.withLog(
          `the gateway (pid ${pid}) was not ready within ${Math.round(this.o.readyTimeoutMs / 100) / 10}s at ${base}/ready (${last})`,
          logFrom,
        );
      }
      try {
        const ready = await this.deps.get(`${base}/ready`, Math.min(2000, Math.max(left, 1)));
        if (ready.status !== 200) last = `/ready answered ${ready.status}`;
        else {
          const c = await this.deps.get(`${base}/config`, Math.min(2000, Math.max(left, 1)));
          if (c.status === 404) return {}; // a gateway without /config (older build): /ready is all we can check
          if (c.status !== 200) last = `/config answered ${c.status}`;
          else {
            const body = JSON.parse(c.body) as {
              sha256?: string;
              listeners?: { name: string; address: string; port: number }[];
            };
            if (body.sha256 === digest) return body.listeners ? { listeners: body.listeners } : {};
            last = `it still serves config sha256 ${String(body.sha256).slice(0, 12)}, expected ${digest.slice(0, 12)}`;
          }
        }
      } catch (e) {
        last = (e as Error).message;
      }
      await this.deps.sleep(this.poll);
    }
  }

  private withLog(message: string, from: number): RoundError {
    const tail = this.attach ? [] : tailOf(this.o.paths.log, from, this.o.logLines ?? 20, this.o.secrets ?? []);
    return new RoundError(message, tail, this.attach ? undefined : this.o.paths.log);
  }

  /** The bound listeners differ from the config's (a reload cannot rebind; a restart is needed). */
  private boundDiffers(cfg: GatewayConfig, bound: readonly { name: string; address: string; port: number }[]) {
    return cfg.listeners.some((l) => {
      const b = bound.find((x) => x.name === l.name);
      if (!b) return true;
      return (l.port !== 0 && b.port !== l.port) || (isIP(l.address) !== 0 && b.address !== l.address);
    });
  }

  /** Makes the gateway run `w.config`; returns what was done. */
  async ensure(w: ConfigWrite): Promise<Running> {
    const { o, deps } = this;
    const t0 = deps.now();
    const deadline = t0 + o.readyTimeoutMs;
    const pidFromFile = readPid(o.paths.pid);
    const live = pidFromFile !== undefined && isOurGateway(deps, pidFromFile, o.paths.config) ? pidFromFile : undefined;
    if (live === undefined) {
      const from = fileSize(o.paths.log);
      const child = await this.spawnGateway();
      await this.waitReady(w.config, w.digest, child.pid, from, deadline);
      return { pid: child.pid, action: 'started', ms: deps.now() - t0 };
    }
    const drainMs = (w.previous ?? w.config).timeouts.drainMs;
    if (this.attach && this.state.child?.pid !== live) {
      const why = `a gateway this process did not start (pid ${live}) runs ${o.paths.config}; replacing it with an attached one`;
      return this.restart(live, w, t0, drainMs, why);
    }
    if (w.previous && !sameAddresses(w.previous, w.config)) {
      return this.restart(live, w, t0, drainMs, `listener or admin addresses of ${this.name} changed`);
    }
    let action: GatewayAction = 'unchanged';
    const from = fileSize(o.paths.log);
    if (w.changed) {
      deps.signal(live, 'SIGHUP');
      action = 'reloaded';
    } else {
      // Unchanged file: the gateway must already serve it (a reload it rejected earlier, or a file changed by hand).
      const base = adminBase(w.config);
      const now = await deps.get(`${base}/config`, 2000).catch(() => undefined);
      if (now?.status === 200 && (JSON.parse(now.body) as { sha256?: string }).sha256 !== w.digest) {
        deps.signal(live, 'SIGHUP');
        action = 'reloaded';
      }
    }
    const r = await this.waitReady(w.config, w.digest, live, from, deadline);
    if (r.listeners && this.boundDiffers(w.config, r.listeners)) {
      return this.restart(live, w, t0, drainMs, `${this.name} is bound to other addresses than its config's`);
    }
    return { pid: live, action, ms: deps.now() - t0 };
  }

  private async restart(pid: number, w: ConfigWrite, t0: number, drainMs: number, why: string): Promise<Running> {
    if (this.o.noRestart) {
      throw new RoundError(
        `${why}, which needs a restart; --no-restart is set: restart the gateway (pid ${pid}) yourself`,
      );
    }
    this.o.stderr(
      `meshcc reconcile: ${why}; restarting the gateway (pid ${pid} drains for up to ${drainMs / 1000}s)\n`,
    );
    await this.stop(pid, drainMs);
    const from = fileSize(this.o.paths.log);
    const child = await this.spawnGateway();
    await this.waitReady(w.config, w.digest, child.pid, from, this.deps.now() + this.o.readyTimeoutMs);
    return { pid: child.pid, action: 'restarted', ms: this.deps.now() - t0 };
  }

  /** `--no-restart`: a running gateway whose config's addresses would change stops the round before anything. */
  private refuseAddressChange(after: GatewayConfig): void {
    const { o } = this;
    const pid = readPid(o.paths.pid);
    if (pid === undefined || !isOurGateway(this.deps, pid, o.paths.config)) return;
    const before = readPrevious(o.paths.config).config;
    if (!before || sameAddresses(before, after)) return;
    throw new RoundError(
      `the listener or admin addresses change (${addressesOf(before)} → ${addressesOf(after)}), which a reload cannot apply, and --no-restart is set; nothing applied, ${o.paths.config} and the gateway (pid ${pid}) untouched: restart the gateway (e.g. systemctl restart) to move it`,
    );
  }

  /** The whole round. Returns the exit code (0, or 2 when a warn policy left drift). */
  async run(): Promise<number> {
    const { o } = this;
    const content = this.content();
    if (o.noRestart) this.refuseAddressChange(content.config);
    const entries = await o.reconcileEntries();
    if (entries.code !== OK) {
      const why =
        entries.code === CHANGES
          ? 'drift found (--verify does not apply)'
          : `the entries step failed (exit ${entries.code})`;
      o.stderr(`meshcc reconcile: ${why}; gateway ${this.name} not touched\n`);
      return entries.code;
    }
    const w = writeGatewayConfig(o.paths.config, content.text);
    const r = await this.ensure(w);
    const rel = relative(o.cwd, o.paths.config) || o.paths.config;
    o.stdout(
      `Gateway ${this.name}: ${r.action} (pid ${r.pid}), ready in ${(r.ms / 1000).toFixed(1)}s at ${adminBase(w.config)}; config ${rel}${w.changed ? ' (changed)' : ''} sha256 ${w.digest.slice(0, 12)}\n`,
    );
    if (entries.held > 0) {
      o.stdout(`Drift left by policy: ${entries.held} change(s) of warn kinds not healed.\n`);
      return CHANGES;
    }
    return OK;
  }
}

function report(o: RunGatewayOptions, e: unknown): number {
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && !(e instanceof RoundError)) {
    // a file system error (config directory not writable, …): the reason, not a stack trace
    return report(o, new RoundError(e.message));
  }
  if (!(e instanceof RoundError)) throw e;
  o.stderr(`meshcc reconcile: error: gateway ${o.gateway.name} (${o.gateway.datacenter}): ${e.message}\n`);
  if (e.logFile) {
    o.stderr(
      e.logTail.length > 0
        ? `--- last ${e.logTail.length} line(s) of ${e.logFile} ---\n${e.logTail.join('\n')}\n---\n`
        : `(nothing in ${e.logFile})\n`,
    );
  }
  return ERROR;
}

/** One-shot: reconcile, make the gateway run the config (started detached or reloaded), wait until ready, exit. */
export async function runGateway(o: RunGatewayOptions, deps: GatewayDeps = nodeGatewayDeps): Promise<number> {
  try {
    return await new Round(o, deps, {}, false).run();
  } catch (e) {
    return report(o, e);
  }
}

/** What one round works from: the environment as compiled for it, its gateway, and the entries step bound to it. */
export type RoundInputs = Pick<RunGatewayOptions, 'compilation' | 'gateway' | 'reconcileEntries' | 'peering'>;

export interface ForegroundOptions extends RunGatewayOptions {
  /** Re-run the round this often (ms); 0/undefined: only on SIGHUP. */
  readonly intervalMs?: number;
  /**
   * Reads the environment again for a later round, so the entries and the gateway config of that round come from the
   * same compile (without it, later rounds reuse the first round's inputs). Throwing fails the round.
   */
  readonly refresh?: () => Promise<RoundInputs>;
}

/**
 * Foreground: the first round as in `runGateway`, but the gateway is this process's child with inherited output.
 * Then: SIGHUP (and every `intervalMs`) re-runs the round — a failed later round is reported and the gateway keeps
 * its last good config; SIGTERM/SIGINT drain the gateway and return its exit code; the gateway exiting by itself
 * returns 1.
 */
export async function runGatewayForeground(o: ForegroundOptions, deps: GatewayDeps = nodeGatewayDeps): Promise<number> {
  const state: RoundState = {};
  const round = () => new Round(o, deps, state, true);
  let first: number;
  try {
    first = await round().run();
  } catch (e) {
    first = report(o, e);
  }
  if (first !== OK && first !== CHANGES) {
    const c = state.child;
    if (c && !c.exited()) {
      state.stopping = true;
      deps.signal(c.pid, 'SIGTERM');
      while (!c.exited()) await deps.sleep(o.pollMs ?? 100);
    }
    return first;
  }
  o.stdout(
    `Running in the foreground: SIGHUP re-runs the reconcile${o.intervalMs ? `, as does every ${o.intervalMs / 1000}s` : ''}; SIGTERM drains the gateway.\n`,
  );
  let wake: (() => void) | undefined;
  let pending = false;
  let stop: NodeJS.Signals | undefined;
  const kick = () => {
    pending = true;
    wake?.();
  };
  const offs = [
    deps.onSignal('SIGHUP', kick),
    deps.onSignal('SIGTERM', () => {
      stop = 'SIGTERM';
      wake?.();
    }),
    deps.onSignal('SIGINT', () => {
      stop = 'SIGINT';
      wake?.();
    }),
  ];
  let nextAt = o.intervalMs ? deps.now() + o.intervalMs : Number.POSITIVE_INFINITY;
  const pollMs = o.pollMs ?? 100;
  try {
    for (;;) {
      const child = state.child;
      if (stop) {
        if (child && !child.exited()) {
          state.stopping = true;
          deps.signal(child.pid, 'SIGTERM');
          while (!child.exited()) await deps.sleep(pollMs);
        }
        o.stderr(`meshcc reconcile: ${stop}: the gateway drained and stopped\n`);
        return child?.exited()?.code ?? OK;
      }
      const exit = child?.exited();
      if (!child || exit) {
        const how = !exit
          ? 'is not running (a restart failed)'
          : `exited by itself (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`})`;
        o.stderr(`meshcc reconcile: error: gateway ${o.gateway.name} (${o.gateway.datacenter}) ${how}\n`);
        return ERROR;
      }
      if (pending || deps.now() >= nextAt) {
        pending = false;
        if (o.intervalMs) nextAt = deps.now() + o.intervalMs;
        try {
          const inputs = o.refresh ? await o.refresh() : {};
          await new Round({ ...o, ...inputs }, deps, state, true).run();
        } catch (e) {
          if (e instanceof RoundError) report(o, e);
          else o.stderr(`meshcc reconcile: error: ${(e as Error).message}\n`);
          o.stderr('meshcc reconcile: the gateway keeps its last good config; next round on SIGHUP or the interval\n');
        }
        continue;
      }
      await new Promise<void>((r) => {
        wake = r;
        void deps.sleep(Math.min(pollMs * 5, Math.max(nextAt - deps.now(), 1))).then(() => r());
      });
      wake = undefined;
    }
  } finally {
    for (const off of offs) off();
  }
}
