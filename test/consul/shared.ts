/**
 * Helpers shared by the real-Consul suites: a cluster-wide test mutex (so files running in parallel serialise their
 * use of the shared singleton `proxy-defaults/global` and of the example environments' service names) and a small
 * HTTP gate proxy that forwards to Consul while letting a test observe and hold requests (no timing involved).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { ConsulClient } from '../../src/reconcile/consul-client.ts';
import { acquireLock, type Lock, LockHeldError } from '../../src/reconcile/lock.ts';

/** Runs `fn` while holding a cluster-wide mutex (a meshcc lock on a test-only name); waits (bounded) for it. */
export async function withClusterMutex<T>(client: ConsulClient, name: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 170_000;
  let lock: Lock | undefined;
  while (!lock) {
    try {
      lock = await acquireLock(client, `test-mutex--${name}`, { holder: `test pid ${process.pid}` });
    } catch (e) {
      if (!(e instanceof LockHeldError) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

export interface GateRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly body: string;
}

export interface GateResponse extends GateRequest {
  readonly status: number;
  readonly responseBody: string;
}

export interface GateHooks {
  /** Awaited before the request is forwarded (hold it by returning a pending promise). */
  readonly before?: (r: GateRequest) => Promise<void> | void;
  /** Called with every answer before it is sent back. */
  readonly after?: (r: GateResponse) => Promise<void> | void;
}

export interface Gate {
  readonly addr: string;
  readonly log: GateResponse[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      s += c;
    });
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

const HOP = new Set(['content-length', 'transfer-encoding', 'content-encoding', 'connection', 'keep-alive']);

/** Starts an HTTP proxy on 127.0.0.1 that forwards every request to `target` (a Consul HTTP address). */
export async function startGate(target: string, hooks: GateHooks = {}, host = '127.0.0.1'): Promise<Gate> {
  const log: GateResponse[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const info: GateRequest = { method: req.method ?? 'GET', url: req.url ?? '/', body };
      await hooks.before?.(info);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !HOP.has(k) && k !== 'host') headers[k] = v;
      }
      try {
        const up = await fetch(`${target}${info.url}`, {
          method: info.method,
          headers,
          ...(body !== '' ? { body } : {}),
        });
        const text = await up.text();
        const answer: GateResponse = { ...info, status: up.status, responseBody: text };
        log.push(answer);
        await hooks.after?.(answer);
        const out: Record<string, string> = {};
        up.headers.forEach((v, k) => {
          if (!HOP.has(k)) out[k] = v;
        });
        res.writeHead(up.status, out);
        res.end(text);
      } catch (e) {
        res.writeHead(502);
        res.end(String((e as Error).message));
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    addr: `http://${host}:${port}`,
    log,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
