/**
 * 10,000 concurrent connections held through the gateway and then released, none dropped.
 *
 * The machine's hard NOFILE limit is 20000 per process and a relayed connection costs the gateway two descriptors,
 * so the gateway runs as `meshcc-gateway --workers 2` (node:cluster) and the client and the backend run in child
 * processes of their own (test/gateway/support-many-peer.ts). Every connection sends a real ClientHello, gets the
 * backend's first reply, is held until all 10,000 are open, then exchanges one more message both ways and is closed.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/run-cli.ts';
import { captureNodeHello } from './hello-fixture.ts';

const N = 10_000;
const IP = '127.0.61.1';
const TD = 'abc.consul';
const SNI = `web.default.dc1.internal.${TD}`;
const PEER = join(repoRoot, 'test/gateway/support-many-peer.ts');

type Msg = Record<string, unknown> & { type: string };

function startPeer(args: string[]): ChildProcess {
  return fork(PEER, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** The next IPC message of `type` from `p` (rejects if the process exits first). */
function next(p: ChildProcess, type: string): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: Msg) => {
      if (m.type !== type) return;
      p.off('message', onMsg);
      p.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`peer exited (${signal ?? code}) while waiting for ${type}`));
    p.on('message', onMsg);
    p.once('exit', onExit);
  });
}

/** Sends `msg` to `p` and resolves with its answer of type `answer`. */
function ask(p: ChildProcess | undefined, msg: Msg, answer: string): Promise<Msg> {
  if (!p) throw new Error('peer not started');
  const r = next(p, answer);
  p.send(msg);
  return r;
}

/**
 * A hang guard, not a timing assertion: if `work` has not finished after `ms`, fail with `state()` (what every
 * process reports) instead of a bare test timeout.
 */
async function guarded<T>(what: string, ms: number, work: Promise<T>, state: () => Promise<unknown>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void state().then(
        (s) => reject(new Error(`${what} did not finish; state: ${JSON.stringify(s)}`)),
        (e: Error) => reject(new Error(`${what} did not finish; state unavailable: ${e.message}`)),
      );
    }, ms);
  });
  try {
    return await Promise.race([work, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

/** Pids of the gateway workers: children of the primary running the same script (Linux /proc; tsx may add an esbuild child). */
function workersOf(pid: number): number[] {
  const out: number[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const c = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
    if (c) out.push(...c.split(/\s+/).map(Number));
  }
  return out
    .filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('meshcc-gateway.js'))
    .sort((a, b) => a - b);
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function killTree(p: ChildProcess | undefined): void {
  if (!p?.pid || p.exitCode !== null || p.signalCode !== null) return;
  try {
    process.kill(-p.pid, 'SIGKILL'); // the gateway primary was started detached: its group includes the workers
  } catch {
    p.kill('SIGKILL');
  }
}

describe.skipIf(process.platform !== 'linux')(`SNI gateway with --workers 2 under ${N} connections`, () => {
  let dir = '';
  let backend: ChildProcess | undefined;
  let client: ChildProcess | undefined;
  let gateway: ChildProcess | undefined;
  let gatewayPort = 0;
  let stderr = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshcc-gw-10k-'));
    backend = startPeer(['backend', IP]);
    const { port: backendPort } = await next(backend, 'listening');
    const file = join(dir, 'gw.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        datacenter: 'dc1',
        trustDomain: TD,
        listeners: [{ name: 'lan', address: IP, port: 0 }],
        admin: { address: IP, port: 0 },
        routes: {
          local: [{ sni: SNI, service: 'web', endpoints: [{ address: IP, port: backendPort }] }],
          remote: [],
        },
        timeouts: { drainMs: 2000 },
        limits: { maxConnections: 20_000 },
        accessLog: { enabled: false },
      }),
    );
    gateway = spawn(process.execPath, ['bin/meshcc-gateway.js', '--config', file, '--workers', '2'], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    gatewayPort = await new Promise<number>((resolve, reject) => {
      const ports: number[] = [];
      gateway?.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        for (const m of stderr.matchAll(/listening lan=[\d.]+:(\d+)/g)) ports.push(Number(m[1]));
        if (ports.length >= 2) {
          if (new Set(ports).size !== 1) reject(new Error(`workers bound different ports: ${stderr}`));
          resolve(ports[0] as number);
        }
        ports.length = 0;
      });
      gateway?.once('exit', (code) => reject(new Error(`gateway exited (${code}): ${stderr}`)));
    });
    client = startPeer(['client']);
    await next(client, 'ready');
  }, 60_000);

  afterAll(async () => {
    killTree(gateway);
    backend?.kill('SIGKILL');
    client?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`holds ${N} concurrent routed connections across two workers and releases them all`, async () => {
    const primary = gateway?.pid as number;
    const workers = workersOf(primary);
    expect(workers).toHaveLength(2);
    const baseline = workers.map(openFds);
    const hello = await captureNodeHello(SNI);
    const state = async () => ({
      client: await ask(client, { type: 'status' }, 'status'),
      backendHeld: (await ask(backend, { type: 'count' }, 'count')).held,
      workerFds: workers.map((w) => (existsSync(`/proc/${w}`) ? openFds(w) : 'gone')),
      baseline,
      gatewayStderr: stderr.slice(-2000),
    });

    const opened = ask(
      client,
      { type: 'open', host: IP, port: gatewayPort, count: N, batch: 500, hello: hello.toString('base64') },
      'opened',
    );
    expect(await guarded('opening', 150_000, opened, state)).toEqual({ type: 'opened', ok: N, failed: 0, errors: [] });
    expect((await ask(backend, { type: 'count' }, 'count')).held).toBe(N);

    // Both workers carry connections, and every relayed connection costs its worker two descriptors.
    const during = workers.map(openFds);
    const perWorker = during.map((n, i) => n - (baseline[i] as number));
    for (const n of perWorker) expect(n).toBeGreaterThan(0);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2 * N);
    for (const n of during) expect(n).toBeLessThan(20_000);
    expect(workersOf(primary)).toEqual(workers); // no worker died and was replaced

    const released = ask(client, { type: 'release' }, 'released');
    expect(await guarded('releasing', 90_000, released, state)).toEqual({
      type: 'released',
      ok: N,
      failed: 0,
      errors: [],
    });

    // Released everywhere: the backend holds nothing and the workers are back near their descriptors at rest (a
    // worker may keep a few lazily opened descriptors; the 2 per connection must be gone).
    const settled = (async () => {
      for (;;) {
        const held = (await ask(backend, { type: 'count' }, 'count')).held;
        if (!workers.every((w) => existsSync(`/proc/${w}`))) throw new Error(`a worker died:\n${stderr.slice(-2000)}`);
        const fds = workers.map(openFds);
        if (held === 0 && fds.every((n, i) => n - (baseline[i] as number) < 50)) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await guarded('closing', 30_000, settled, state);
    expect(stderr).not.toMatch(/exited .*restarting|EMFILE/);

    // SIGTERM to the primary drains both workers and exits 0.
    const exited = new Promise<number | null>((r) => gateway?.once('exit', (code) => r(code)));
    process.kill(primary, 'SIGTERM');
    expect(await guarded('drain after SIGTERM', 20_000, exited, state)).toBe(0);
    expect(stderr.match(/draining/g)).toHaveLength(2);
  }, 300_000);
});
