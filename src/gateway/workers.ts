/**
 * `--workers N`: a primary process forks N workers with `node:cluster`; the workers share the listening sockets and
 * the kernel spreads accepted connections across them (`SCHED_NONE`, no hand-off through the primary). The primary
 * forwards SIGHUP as a reload and SIGTERM/SIGINT as a drain, restarts a worker that dies unexpectedly, and exits
 * when every worker has drained. Each worker serves its own counters on the shared admin port.
 */
import cluster from 'node:cluster';
import { EventEmitter } from 'node:events';

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

/** Runs the primary: forks `n` workers running the same command line, until a drain completes. */
export function runPrimary(n: number, file: string, err: (s: string) => void): Promise<number> {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  const fork = () => cluster.fork();
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
