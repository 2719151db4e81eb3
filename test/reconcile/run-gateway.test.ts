/**
 * `meshcc reconcile --run-gateway` orchestration (src/reconcile/run-gateway.ts) with injected processes, clock and
 * HTTP: a fake gateway that reads the config file when started or sent SIGHUP and serves `/ready` and `/config` as
 * the real admin server does. No process is started and no Consul is needed. The real thing is
 * test/consul/run-gateway.test.ts.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import type { Compilation } from '../../src/compiler/types.ts';
import { configDigest } from '../../src/gateway/admin.ts';
import { loadGatewayConfig } from '../../src/gateway/config.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import type { MeshGatewayDecl } from '../../src/model/types.ts';
import {
  chooseGateway,
  type EntriesResult,
  type GatewayDeps,
  gatewayPaths,
  parseAddress,
  parseListen,
  type RunGatewayOptions,
  runGateway,
  runGatewayForeground,
  type SpawnedGateway,
} from '../../src/reconcile/run-gateway.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';

interface FakeProc {
  pid: number;
  cmdline: string[];
  alive: boolean;
  exit?: { code: number | null; signal: string | null };
  digest?: string;
  reloads: number;
  config: string;
}

/** Processes, clock and admin HTTP, all fake; `behaviour` decides how a spawned gateway acts. */
class Fake implements GatewayDeps {
  t = 1_000_000;
  nextPid = 4000;
  readonly procs = new Map<number, FakeProc>();
  readonly spawned: { file: string; args: readonly string[]; attach: boolean }[] = [];
  readonly signals: { pid: number; sig: string }[] = [];
  readonly handlers = new Map<string, (() => void)[]>();
  behaviour: 'ok' | 'never-ready' | 'crash' = 'ok';
  /** Log lines a spawned gateway writes. */
  logLines = ['meshcc-gateway: relay: JavaScript stream.pipe', 'meshcc-gateway: mesh-gateway (dc2) listening'];

  private load(p: FakeProc): void {
    const r = loadGatewayConfig(p.config);
    if (r.config) p.digest = configDigest(r.config);
  }

  async spawn(file: string, args: readonly string[], opts: { logFile?: string; attach?: boolean }) {
    const pid = this.nextPid++;
    const config = args[args.indexOf('--config') + 1] as string;
    const p: FakeProc = { pid, cmdline: [file, ...args], alive: true, reloads: 0, config };
    this.procs.set(pid, p);
    this.spawned.push({ file, args, attach: opts.attach ?? false });
    if (opts.logFile) appendFileSync(opts.logFile, `${this.logLines.join('\n')}\n`);
    if (this.behaviour === 'crash') {
      if (opts.logFile) appendFileSync(opts.logFile, 'error MC6002: listen EADDRINUSE 127.0.0.1:8443\n');
      p.alive = false;
      p.exit = { code: 1, signal: null };
    } else this.load(p);
    const handle: SpawnedGateway = { pid, exited: () => p.exit };
    return handle;
  }

  async get(url: string): Promise<{ status: number; body: string }> {
    const live = [...this.procs.values()].filter((p) => p.alive);
    const p = live[live.length - 1];
    if (!p) throw new Error(`connect ECONNREFUSED ${url}`);
    if (url.endsWith('/ready'))
      return this.behaviour === 'never-ready' ? { status: 503, body: '' } : { status: 200, body: 'ready\n' };
    if (url.endsWith('/config')) {
      const cfg = loadGatewayConfig(p.config).config;
      const listeners = (cfg?.listeners ?? []).map((l) => ({ name: l.name, address: l.address, port: l.port }));
      return { status: 200, body: JSON.stringify({ sha256: p.digest, reloads: p.reloads, listeners }) };
    }
    return { status: 404, body: '' };
  }

  signal(pid: number, sig: NodeJS.Signals): boolean {
    this.signals.push({ pid, sig });
    const p = this.procs.get(pid);
    if (!p?.alive) return false;
    if (sig === 'SIGHUP') {
      p.reloads++;
      this.load(p);
    }
    if (sig === 'SIGTERM') {
      p.alive = false;
      p.exit = { code: 0, signal: null };
    }
    return true;
  }

  alive(pid: number): boolean {
    return this.procs.get(pid)?.alive ?? false;
  }

  commandLine(pid: number): string[] | undefined {
    return this.procs.get(pid)?.cmdline;
  }

  /** Advances the fake clock; yields a macrotask so that tests (and signals they raise) get their turn. */
  async sleep(ms: number): Promise<void> {
    this.t += ms;
    await new Promise((r) => setImmediate(r));
  }

  now(): number {
    return this.t;
  }

  onSignal(sig: NodeJS.Signals, fn: () => void): () => void {
    this.handlers.set(sig, [...(this.handlers.get(sig) ?? []), fn]);
    return () =>
      this.handlers.set(
        sig,
        (this.handlers.get(sig) ?? []).filter((f) => f !== fn),
      );
  }

  raise(sig: NodeJS.Signals): void {
    for (const f of this.handlers.get(sig) ?? []) f();
  }
}

let multiDc: Compilation;
let dc2Gateway: MeshGatewayDecl;
const dirs: string[] = [];

beforeAll(async () => {
  const { model } = await loadEnvironment('environments/multi-dc', repoRoot);
  multiDc = compile(model);
  const choice = chooseGateway(model, 'dc2');
  if (!choice.ok) throw new Error(choice.message);
  dc2Gateway = choice.gateway;
});

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Harness {
  readonly options: RunGatewayOptions;
  readonly out: string[];
  readonly err: string[];
  readonly calls: { entries: number };
  readonly dir: string;
}

function harness(over: Partial<RunGatewayOptions> & { entries?: EntriesResult } = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'meshcc-rungw-'));
  dirs.push(dir);
  mkdirSync(join(dir, '.meshcc'));
  const out: string[] = [];
  const err: string[] = [];
  const calls = { entries: 0 };
  const { entries, ...rest } = over;
  const options: RunGatewayOptions = {
    compilation: multiDc,
    gateway: dc2Gateway,
    paths: gatewayPaths(dir, 'multi-dc', 'dc2', 'mesh-gateway'),
    overrides: { listen: new Map([['lan', { address: '127.0.0.1' }]]), admin: { address: '127.0.0.1', port: 19555 } },
    reconcileEntries: async () => {
      calls.entries++;
      return entries ?? { code: 0, held: 0 };
    },
    readyTimeoutMs: 2000,
    command: { file: '/usr/bin/node', args: ['/opt/meshcc/bin/meshcc-gateway.js'] },
    env: {},
    cwd: dir,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    pollMs: 50,
    ...rest,
  };
  return { options, out, err, calls, dir };
}

describe('choosing the gateway', () => {
  it('names the datacenter and the gateways it does have when none is a meshcc gateway', async () => {
    const { model } = await loadEnvironment('environments/multi-dc', repoRoot);
    const c = chooseGateway(model, 'dc1');
    expect(c.ok).toBe(false);
    expect(!c.ok && c.message).toContain("datacenter dc1 has no gateway with implementation 'meshcc'");
    expect(!c.ok && c.message).toContain('mesh-gateway (envoy)');
    const unknown = chooseGateway(model, 'dc9');
    expect(!unknown.ok && unknown.message).toBe('datacenter dc9 is not in environment multi-dc (it has: dc1, dc2)');
    const named = chooseGateway(model, 'dc2', 'other');
    expect(!named.ok && named.message).toContain(
      'dc2 has no gateway named other (its gateways: mesh-gateway (meshcc))',
    );
    expect(chooseGateway(model, 'dc2', 'mesh-gateway').ok).toBe(true);
  });

  it('exits 1 through the CLI before touching Consul', async () => {
    const r = await runCli([
      'reconcile',
      'environments/multi-dc',
      '--dc',
      'dc1',
      '--run-gateway',
      '--consul',
      'http://127.0.0.1:9', // nothing listens: any Consul request would fail with MC5001
      '--timeout',
      '1',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("datacenter dc1 has no gateway with implementation 'meshcc' to run");
    expect(r.stderr).not.toContain('MC5001');
  });

  it('rejects inconsistent flags as usage errors', async () => {
    const base = ['reconcile', 'environments/multi-dc'];
    const cases: [string[], string][] = [
      [['--run-gateway'], '--run-gateway needs --dc DC'],
      [['--run-gateway', '--dc', 'dc2', '--verify', '--heal'], '--verify checks only'],
      [['--run-gateway', '--dc', 'dc2', '--interval', '5m'], '--interval needs --foreground'],
      [['--run-gateway', '--dc', 'dc2', '--ready-timeout', 'soon'], '--ready-timeout: expected a duration'],
      [['--run-gateway', '--dc', 'dc2', '--listen', 'lan'], '--listen: expected lan=ADDR[:PORT]'],
      [['--verify'], '--verify only go with --run-gateway'],
    ];
    for (const [extra, message] of cases) {
      const r = await runCli([...base, ...extra]);
      expect({ extra, code: r.code }).toEqual({ extra, code: 1 });
      expect(r.stderr).toContain(message);
    }
  });

  it('parses addresses', () => {
    expect(parseAddress('0.0.0.0', 'x')).toEqual({ address: '0.0.0.0' });
    expect(parseAddress('10.0.0.1:8443', 'x')).toEqual({ address: '10.0.0.1', port: 8443 });
    expect(parseAddress('[::1]:19000', 'x')).toEqual({ address: '::1', port: 19000 });
    expect(parseAddress('::', 'x')).toEqual({ address: '::' });
    expect(() => parseAddress('host:http', 'x')).toThrow('expected ADDR[:PORT]');
    expect([...parseListen(['wan=0.0.0.0:8444', 'lan=127.0.0.1'])]).toEqual([
      ['wan', { address: '0.0.0.0', port: 8444 }],
      ['lan', { address: '127.0.0.1' }],
    ]);
    expect(() => parseListen(['lan=a', 'lan=b'])).toThrow('lan given twice');
  });
});

describe('runGateway', () => {
  it('starts the gateway detached, writes the pid file and the config, and waits for /ready and /config', async () => {
    const h = harness();
    const f = new Fake();
    expect(await runGateway(h.options, f)).toBe(0);
    expect(f.spawned).toEqual([
      {
        file: '/usr/bin/node',
        args: ['/opt/meshcc/bin/meshcc-gateway.js', '--config', h.options.paths.config],
        attach: false,
      },
    ]);
    expect(readFileSync(h.options.paths.pid, 'utf8')).toBe('4000\n');
    const cfg = JSON.parse(readFileSync(h.options.paths.config, 'utf8'));
    expect(cfg.listeners[0]).toEqual({ name: 'lan', address: '127.0.0.1', port: 8443 });
    expect(cfg.admin).toEqual({ address: '127.0.0.1', port: 19555 });
    expect(h.out.join('')).toMatch(
      /^Gateway mesh-gateway \(dc2\): started \(pid 4000\), ready in .* \(changed\) sha256 /,
    );
    expect(h.calls.entries).toBe(1);
  });

  it('does not reload when the config is unchanged', async () => {
    const h = harness();
    const f = new Fake();
    expect(await runGateway(h.options, f)).toBe(0);
    const before = readFileSync(h.options.paths.config, 'utf8');
    const out2: string[] = [];
    expect(await runGateway({ ...h.options, stdout: (s) => out2.push(s) }, f)).toBe(0);
    expect(f.spawned).toHaveLength(1);
    expect(f.signals).toEqual([]);
    expect(readFileSync(h.options.paths.config, 'utf8')).toBe(before);
    expect(out2.join('')).toContain('unchanged (pid 4000)');
    expect(existsSync(`${h.options.paths.config}.tmp-${process.pid}`)).toBe(false);
  });

  it('sends SIGHUP to the running gateway when the config changed, and keeps its pid', async () => {
    const h = harness();
    const f = new Fake();
    expect(await runGateway(h.options, f)).toBe(0);
    const out2: string[] = [];
    // another trust domain: every local route's SNI changes
    const moved = {
      ...h.options,
      compilation: {
        ...multiDc,
        model: { ...multiDc.model, trustDomain: 'aaaaaaaa-2222-3333-4444-555555555555.consul' },
      },
      stdout: (s: string) => out2.push(s),
    };
    expect(await runGateway(moved, f)).toBe(0);
    expect(f.spawned).toHaveLength(1);
    expect(f.signals).toEqual([{ pid: 4000, sig: 'SIGHUP' }]);
    expect(out2.join('')).toContain('reloaded (pid 4000)');
    expect(f.procs.get(4000)?.digest).toBe(configDigest(loadGatewayConfig(h.options.paths.config).config!));
  });

  it('starts a new gateway when the pid file is stale (dead pid, or a pid reused by another program)', async () => {
    const h = harness();
    const f = new Fake();
    writeFileSync(h.options.paths.pid, '999\n');
    expect(await runGateway(h.options, f)).toBe(0);
    expect(f.spawned).toHaveLength(1);
    expect(readFileSync(h.options.paths.pid, 'utf8')).toBe('4000\n');
    // pid 4000 now belongs to something else
    const p = f.procs.get(4000)!;
    p.cmdline = ['/usr/sbin/sshd', '-D'];
    expect(await runGateway(h.options, f)).toBe(0);
    expect(f.signals).toEqual([]);
    expect(f.spawned).toHaveLength(2);
    expect(readFileSync(h.options.paths.pid, 'utf8')).toBe('4001\n');
  });

  it('exits 1 with the reason and the log tail when /ready does not answer 200 in time', async () => {
    const h = harness({ readyTimeoutMs: 1500 });
    const f = new Fake();
    f.behaviour = 'never-ready';
    expect(await runGateway(h.options, f)).toBe(1);
    const err = h.err.join('');
    expect(err).toContain(
      'the gateway (pid 4000) was not ready within 1.5s at http://127.0.0.1:19555/ready (/ready answered 503)',
    );
    expect(err).toContain(`--- last 2 line(s) of ${h.options.paths.log} ---`);
    expect(err).toContain('meshcc-gateway: mesh-gateway (dc2) listening');
    expect(h.out.join('')).toBe('');
  });

  it('exits 1 with the exit code and only the new log lines when the gateway dies at start; secrets redacted', async () => {
    const h = harness({ secrets: ['s3cr3t-token-value'] });
    writeFileSync(h.options.paths.log, 'an old line from yesterday\n');
    const f = new Fake();
    f.behaviour = 'crash';
    f.logLines = ['meshcc-gateway: token s3cr3t-token-value would never be printed, but if it were'];
    expect(await runGateway(h.options, f)).toBe(1);
    const err = h.err.join('');
    expect(err).toContain('the gateway (pid 4000) exited before it was ready (exit code 1)');
    expect(err).toContain('listen EADDRINUSE 127.0.0.1:8443');
    expect(err).not.toContain('an old line from yesterday');
    expect(err).not.toContain('s3cr3t-token-value');
    expect(err).toContain('<redacted>');
  });

  it('does not touch the gateway or the config when the apply fails, or when --verify finds drift', async () => {
    for (const entries of [
      { code: 1, held: 0 },
      { code: 2, held: 0 },
    ]) {
      const h = harness({ entries });
      const f = new Fake();
      expect(await runGateway(h.options, f)).toBe(entries.code);
      expect(f.spawned).toEqual([]);
      expect(f.signals).toEqual([]);
      expect(existsSync(h.options.paths.config)).toBe(false);
      expect(h.err.join('')).toContain('gateway mesh-gateway (dc2) not touched');
    }
    // a running gateway stays as it is too
    const h = harness();
    const f = new Fake();
    expect(await runGateway(h.options, f)).toBe(0);
    const before = readFileSync(h.options.paths.config, 'utf8');
    const failing = { ...h.options, reconcileEntries: async () => ({ code: 1, held: 0 }), overrides: {} };
    expect(await runGateway(failing, f)).toBe(1);
    expect(f.signals).toEqual([]);
    expect(readFileSync(h.options.paths.config, 'utf8')).toBe(before);
  });

  it('exits 2 after updating the gateway when a warn policy left drift', async () => {
    const h = harness({ entries: { code: 0, held: 3 } });
    const f = new Fake();
    expect(await runGateway(h.options, f)).toBe(2);
    expect(f.spawned).toHaveLength(1);
    expect(h.out.join('')).toContain('Drift left by policy: 3 change(s)');
  });

  it('restarts (SIGTERM, wait, spawn) when a listener address changes, which a reload cannot apply', async () => {
    const h = harness();
    const f = new Fake();
    expect(await runGateway(h.options, f)).toBe(0);
    const moved = {
      ...h.options,
      overrides: { ...h.options.overrides, listen: new Map([['lan', { address: '127.0.0.2' }]]) },
    };
    expect(await runGateway(moved as RunGatewayOptions, f)).toBe(0);
    expect(f.signals).toEqual([{ pid: 4000, sig: 'SIGTERM' }]);
    expect(f.spawned).toHaveLength(2);
    expect(h.err.join('')).toContain('listener or admin addresses of mesh-gateway (dc2) changed; restarting');
    expect(h.out.join('')).toContain('restarted (pid 4001)');
  });

  it('with --no-restart refuses an address change before the entries step, touching nothing', async () => {
    const h = harness();
    const f = new Fake();
    expect(await runGateway(h.options, f)).toBe(0);
    const before = readFileSync(h.options.paths.config, 'utf8');
    const err: string[] = [];
    const moved = {
      ...h.options,
      noRestart: true,
      overrides: { ...h.options.overrides, listen: new Map([['lan', { address: '127.0.0.2' }]]) },
      stderr: (s: string) => err.push(s),
    } as RunGatewayOptions;
    expect(await runGateway(moved, f)).toBe(1);
    expect(err.join('')).toContain(
      'the listener or admin addresses change (lan 127.0.0.1:8443, wan 198.51.100.20:443, admin 127.0.0.1:19555 → lan 127.0.0.2:8443',
    );
    expect(err.join('')).toContain('--no-restart is set; nothing applied');
    expect(h.calls.entries).toBe(1); // only the first run's
    expect(f.signals).toEqual([]);
    expect(f.spawned).toHaveLength(1);
    expect(readFileSync(h.options.paths.config, 'utf8')).toBe(before);
    // the same config with --no-restart is an ordinary run
    expect(await runGateway({ ...h.options, noRestart: true }, f)).toBe(0);
  });

  it('rejects an override that does not fit before the entries step', async () => {
    const h = harness({ overrides: { listen: new Map([['lan', { address: '127.0.0.1', port: 0 }]]) } });
    const noWan = {
      ...h.options,
      gateway: { ...dc2Gateway, wan: undefined } as unknown as MeshGatewayDecl,
      overrides: { listen: new Map([['wan', { address: '0.0.0.0' }]]) },
    } as RunGatewayOptions;
    const f = new Fake();
    expect(await runGateway(noWan, f)).toBe(1);
    expect(h.err.join('')).toContain('--listen wan: gateway mesh-gateway in dc2 has no wan listener');
    expect(h.calls.entries).toBe(0);
  });

  it('re-sends SIGHUP when the file is unchanged but the gateway serves another config', async () => {
    const h = harness();
    const f = new Fake();
    expect(await runGateway(h.options, f)).toBe(0);
    f.procs.get(4000)!.digest = 'stale';
    expect(await runGateway(h.options, f)).toBe(0);
    expect(f.signals).toEqual([{ pid: 4000, sig: 'SIGHUP' }]);
  });
});

describe('runGatewayForeground', () => {
  it('runs the gateway attached, re-runs the round on SIGHUP, and drains it on SIGTERM', async () => {
    const h = harness();
    const f = new Fake();
    const done = runGatewayForeground(h.options, f);
    // let the first round finish (the fake clock advances in sleep)
    for (let i = 0; i < 50 && !h.out.join('').includes('Running in the foreground'); i++)
      await new Promise((r) => setImmediate(r));
    expect(f.spawned).toEqual([expect.objectContaining({ attach: true })]);
    expect(h.calls.entries).toBe(1);
    f.raise('SIGHUP');
    for (let i = 0; i < 50 && h.calls.entries < 2; i++) await new Promise((r) => setImmediate(r));
    expect(h.calls.entries).toBe(2);
    f.raise('SIGTERM');
    expect(await done).toBe(0);
    expect(f.signals).toEqual([{ pid: 4000, sig: 'SIGTERM' }]);
    expect(f.handlers.get('SIGHUP')).toEqual([]);
  });

  it('reads the environment again for each later round: entries and gateway config from the same compile', async () => {
    const h = harness();
    const f = new Fake();
    const moved = {
      ...multiDc,
      model: { ...multiDc.model, trustDomain: 'aaaaaaaa-2222-3333-4444-555555555555.consul' },
    };
    const refreshed: string[] = [];
    let broken = true;
    const refresh = async () => {
      refreshed.push('round');
      if (broken) throw new Error('multi-dc has errors; nothing applied');
      return {
        compilation: moved,
        gateway: dc2Gateway,
        reconcileEntries: async () => ({ code: 0, held: 0 }),
      };
    };
    const done = runGatewayForeground({ ...h.options, refresh }, f);
    for (let i = 0; i < 50 && !h.out.join('').includes('Running in the foreground'); i++)
      await new Promise((r) => setImmediate(r));
    const first = readFileSync(h.options.paths.config, 'utf8');
    // a round whose environment does not compile: reported, the gateway keeps its config
    f.raise('SIGHUP');
    for (let i = 0; i < 50 && !h.err.join('').includes('last good config'); i++)
      await new Promise((r) => setImmediate(r));
    expect(h.err.join('')).toContain('meshcc reconcile: error: multi-dc has errors; nothing applied');
    expect(readFileSync(h.options.paths.config, 'utf8')).toBe(first);
    expect(f.signals).toEqual([]);
    // fixed: the next round writes the config of the new compile and reloads the gateway
    broken = false;
    f.raise('SIGHUP');
    for (let i = 0; i < 100 && f.signals.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(refreshed).toHaveLength(2);
    expect(h.calls.entries).toBe(1);
    expect(f.signals).toEqual([{ pid: 4000, sig: 'SIGHUP' }]);
    expect(readFileSync(h.options.paths.config, 'utf8')).toContain('aaaaaaaa-2222-3333-4444-555555555555.consul');
    f.raise('SIGTERM');
    expect(await done).toBe(0);
  });

  it('exits 1 when the gateway exits by itself', async () => {
    const h = harness({ pollMs: 10 });
    const f = new Fake();
    const done = runGatewayForeground(h.options, f);
    for (let i = 0; i < 50 && !h.out.join('').includes('Running in the foreground'); i++)
      await new Promise((r) => setImmediate(r));
    const p = f.procs.get(4000)!;
    p.alive = false;
    p.exit = { code: null, signal: 'SIGKILL' };
    expect(await done).toBe(1);
    expect(h.err.join('')).toContain('exited by itself (signal SIGKILL)');
  });
});
