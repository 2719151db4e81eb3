/**
 * `--workers N`: a primary process forks N workers with `node:cluster`; the workers share the listening sockets and
 * the kernel spreads accepted connections across them (`SCHED_NONE`, no hand-off through the primary). The primary
 * forwards SIGHUP as a reload and SIGTERM/SIGINT as a drain, restarts a worker that dies unexpectedly, and exits
 * when every worker has drained. Each worker serves its own counters on the shared admin port.
 */
import cluster from 'node:cluster';
import { EventEmitter } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import type { GatewayConfig } from './config.ts';

/** True in a forked worker. */
export function isWorker(): boolean {
  return cluster.isWorker;
}

/** In a worker: emits `reload` and `drain` when the primary asks; `undefined` in a single process. */
export function workerChannel(): EventEmitter | undefined {
  if (!cluster.isWorker) return undefined;
  const ch = new EventEmitter();
  process.on('message', (m: unknown) => {
    if (m === 'meshcc:reload') ch.emit('reload');
    if (m === 'meshcc:drain') ch.emit('drain');
  });
  return ch;
}

/** True inside the single executable (the CJS bundle, where `require` can load `node:sea`, Node >= 20.12). */
function inSea(): boolean {
  try {
    return typeof require === 'function' && (require('node:sea') as { isSea(): boolean }).isSea();
  } catch {
    return false;
  }
}

const PORTS_ENV = 'MESHCC_GATEWAY_PORTS';

/**
 * With the native accept path every worker binds its own listening socket (SO_REUSEPORT), so a listener on port 0
 * would get a different port in each: the primary picks one free port per such listener first and passes it on.
 */
export async function pinZeroPorts(config: GatewayConfig): Promise<Record<string, string>> {
  const pins: string[] = [];
  for (const l of config.listeners) {
    if (l.port !== 0) continue;
    const s = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      s.once('error', reject);
      s.listen({ host: l.address, port: 0 }, () => resolve((s.address() as AddressInfo).port));
    });
    await new Promise((r) => s.close(r));
    pins.push(`${l.name}=${port}`);
  }
  return pins.length > 0 ? { [PORTS_ENV]: pins.join(',') } : {};
}

/** In a worker: the ports the primary pinned for port-0 listeners, by listener name (see {@link pinZeroPorts}). */
export function pinnedPorts(): Map<string, number> {
  const env = cluster.isWorker ? process.env[PORTS_ENV] : undefined;
  const out = new Map<string, number>();
  for (const kv of env ? env.split(',') : []) {
    const [name, port] = kv.split('=');
    if (name && port) out.set(name, Number(port));
  }
  return out;
}

/** Runs the primary: forks `n` workers running the same command line, until a drain completes. */
export function runPrimary(
  n: number,
  file: string,
  err: (s: string) => void,
  env: Record<string, string> = {},
): Promise<number> {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  if (inSea()) {
    // fork() runs `<execPath> <exec> <args>` and the default `exec` is argv[1], which in a single executable is the
    // executable again; the worker (no script to consume `exec`) would get it as a stray first argument and exit 1.
    const args = process.argv.slice(2);
    cluster.setupPrimary({ exec: args[0] as string, args: args.slice(1), execArgv: [] });
  }
  let stopping = false;
  const fork = () => cluster.fork(env);
  for (let i = 0; i < n; i++) fork();
  cluster.on('exit', (w, code, signal) => {
    if (!stopping) {
      err(`meshcc-gateway: worker ${w.process.pid} exited (${signal ?? code}); restarting`);
      fork();
    }
  });
  const broadcast = (msg: string) => {
    for (const w of Object.values(cluster.workers ?? {})) w?.send(msg);
  };
  process.on('SIGHUP', () => broadcast('meshcc:reload'));
  err(`meshcc-gateway: primary ${process.pid} with ${n} workers for ${file}`);
  return new Promise((resolve) => {
    const stop = () => {
      stopping = true;
      broadcast('meshcc:drain');
      const check = () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve(0);
        else setTimeout(check, 100);
      };
      check();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
