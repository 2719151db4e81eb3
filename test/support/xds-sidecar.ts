/**
 * The test-only xDS stand-in sidecar (test/support/xds-sidecar, Go; docs/testing.md): building it (through
 * scripts/build-xds-sidecar.mjs, cached by the hash of its sources), starting one per sidecar proxy registration, and
 * reading what it enforces (its admin `/config`: listeners, RBAC, TLS, clusters, endpoints, counters) and what it did
 * (its event lines). It takes its whole configuration from the Consul agent's xDS server; the tests only read it.
 * Every instance listens on loopback only and exits when the test process's end of its stdin closes.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect as tlsConnect } from 'node:tls';
import { ConsulClient } from '../../src/reconcile/consul-client.ts';
import { LockHeldError } from '../../src/reconcile/lock.ts';
import { withClusterMutex } from '../consul/shared.ts';
import { missingPeer } from './peers.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;

let built: string | undefined | null = null;

/**
 * The stand-in's binary, built on first use (a cold build takes minutes; `.ci/run` builds it before the tests).
 * Undefined (after a loud warning) when it cannot be built, or an error under MESHCC_REQUIRE_PEERS=1.
 */
export function xdsSidecarBinary(): string | undefined {
  if (built !== null) return built;
  try {
    const out = execFileSync('node', ['scripts/build-xds-sidecar.mjs'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 600_000,
    });
    built = out.trim().split('\n').pop();
  } catch (e) {
    missingPeer('the xDS stand-in sidecar', `scripts/build-xds-sidecar.mjs failed: ${(e as Error).message}`);
    built = undefined;
  }
  return built;
}

export interface StandInEvent {
  readonly event: string;
  readonly [k: string]: unknown;
}

export interface StandInListener {
  readonly address: string;
  readonly bound: boolean;
  readonly cluster: string;
  readonly rbac: unknown[] | null;
  readonly tls: Record<string, unknown> | null;
  readonly error?: string;
}

export interface StandInCluster {
  readonly type: string;
  readonly tls: Record<string, unknown> | null;
  readonly children: string[] | null;
  readonly endpoints: { address: string; health: string }[];
  readonly error?: string;
}

export interface StandInConfig {
  readonly listeners: Record<string, StandInListener>;
  readonly clusters: Record<string, StandInCluster>;
  readonly stats: Record<string, number>;
}

export interface StandIn {
  readonly proxyId: string;
  readonly admin: string;
  readonly events: StandInEvent[];
  config(): Promise<StandInConfig>;
  /** Waits until `check(config)` holds (polling the admin endpoint); returns that config. */
  until(what: string, check: (c: StandInConfig) => boolean, ms?: number): Promise<StandInConfig>;
  stop(): Promise<void>;
}

/** Starts the stand-in for one sidecar proxy registration (`proxyId`, Envoy's node id) against an agent's gRPC port. */
export async function startStandIn(bin: string, xds: string, proxyId: string): Promise<StandIn> {
  const proc: ChildProcessWithoutNullStreams = spawn(
    bin,
    ['-xds', xds, '-proxy-id', proxyId, '-admin', '127.0.0.1:0', '-exit-on-stdin-eof'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const events: StandInEvent[] = [];
  createInterface({ input: proc.stderr }).on('line', (l) => {
    try {
      events.push(JSON.parse(l) as StandInEvent);
    } catch {
      events.push({ event: 'text', text: l });
    }
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const admin = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    rl.once('line', (l) => resolve((JSON.parse(l) as { admin: string }).admin));
    proc.once('error', reject);
    proc.once('exit', (code) =>
      reject(new Error(`stand-in for ${proxyId} exited (${code}): ${JSON.stringify(events)}`)),
    );
  });
  const config = async (): Promise<StandInConfig> => {
    const res = await fetch(`http://${admin}/config`, { signal: AbortSignal.timeout(3000) });
    return (await res.json()) as StandInConfig;
  };
  return {
    proxyId,
    admin,
    events,
    config,
    async until(what, check, ms = 30_000) {
      const deadline = Date.now() + ms;
      let last: StandInConfig | undefined;
      for (;;) {
        try {
          last = await config();
          if (check(last)) return last;
        } catch {
          // not answering yet
        }
        if (Date.now() > deadline)
          throw new Error(
            `stand-in ${proxyId}: timed out waiting for ${what}; config: ${JSON.stringify(last)}; events: ${JSON.stringify(events.slice(-10))}`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The public listener's config (Consul names it `public_listener:<addr>:<port>`). */
export function publicListener(c: StandInConfig): StandInListener | undefined {
  return Object.entries(c.listeners).find(([n]) => n.startsWith('public_listener:'))?.[1];
}

/**
 * Sends `ping\n` through `host:port` (an upstream listener of a stand-in) and returns everything that came back
 * before the other side closed ('' when the connection was closed without an answer: refused).
 */
export function roundTrip(host: string, port: number, ms = 8000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer and no close from ${host}:${port} within ${ms} ms (got ${JSON.stringify(got)})`));
    }, ms);
    s.setEncoding('utf8');
    s.on('connect', () => s.write('ping\n'));
    s.on('data', (d: string) => {
      got += d;
    });
    const done = () => {
      clearTimeout(timer);
      resolve(got);
    };
    s.on('end', done);
    s.on('error', (e: NodeJS.ErrnoException) => {
      // A reset after a refusal is a refusal too; a connect error is not (the listener is not there).
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') done();
      else {
        clearTimeout(timer);
        reject(e);
      }
    });
  });
}

/**
 * Holds the global harness's `shared-cluster` mutex until the returned function is called: the suites that stop or
 * restart a server of the shared datacenters take it first, so a stand-in's xDS stream and its services' health are
 * never cut under a running test. Resolves once held.
 */
export async function holdSharedCluster(addr: string, attempts = 2): Promise<() => Promise<void>> {
  for (let attempt = 1; ; attempt++) {
    let release: (() => void) | undefined;
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    const held = withClusterMutex(new ConsulClient({ addr, retryBudgetMs: 30_000 }), 'shared-cluster', async () => {
      entered();
      await new Promise<void>((r) => {
        release = r;
      });
    });
    try {
      await Promise.race([inside, held]);
    } catch (e) {
      // withClusterMutex waits up to ~170 s; a suite holding the mutex for its whole file may take longer.
      if (e instanceof LockHeldError && attempt < attempts) continue;
      throw e;
    }
    return async () => {
      release?.();
      await held;
    };
  }
}

/** A self-signed certificate (not Consul's CA) claiming `spiffeId`, made with openssl. */
export function forgedCertificate(spiffeId: string): { cert: string; key: string } {
  const d = mkdtempSync(join(tmpdir(), 'meshcc-xds-forged-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=forged',
        '-addext',
        `subjectAltName=URI:${spiffeId}`,
        '-keyout',
        join(d, 'key.pem'),
        '-out',
        join(d, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(d, 'cert.pem'), 'utf8'), key: readFileSync(join(d, 'key.pem'), 'utf8') };
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

/**
 * One mTLS connection straight to a public listener with the given client certificate (if any), sending `ping\n`:
 * what came back ('' when refused) and the server certificate's SAN.
 */
export function tlsRoundTrip(
  host: string,
  port: number,
  client: { cert?: string; key?: string },
): Promise<{ answer: string; serverSan?: string }> {
  return new Promise((resolve, reject) => {
    let answer = '';
    let serverSan: string | undefined;
    const s = tlsConnect({ host, port, ...client, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error("no answer and no close from api's public listener"));
    }, 8000);
    s.setEncoding('utf8');
    s.on('secureConnect', () => {
      serverSan = s.getPeerCertificate().subjectaltname;
      s.write('ping\n');
    });
    s.on('data', (d: string) => {
      answer += d;
    });
    const done = () => {
      clearTimeout(timer);
      resolve({ answer, ...(serverSan ? { serverSan } : {}) });
    };
    s.on('end', done);
    s.on('close', done);
    s.on('error', () => done());
  });
}

export { consulApi } from './consul-api.ts';

/** An echo app on 127.0.0.1 (where Consul's sidecar sends local_app traffic): answers `<name>:<what it got>`. */
export async function echoApp(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.once('data', (d) => s.end(`${name}:${d.toString()}`));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}
