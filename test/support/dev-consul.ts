/**
 * A private single-node `consul agent -dev` for suites that rewrite global entries (proxy-defaults) and so cannot
 * share the run's two-datacenter cluster: a random loopback address in `127.<block>.x.y`, free ports, its own data
 * dir, waited on until it has a leader; `stop()` kills it (SIGKILL after 5 s) and removes the data dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DevConsul {
  readonly base: string;
  stop(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts the agent; `block` is the second octet of its loopback address (one per suite). */
export async function startDevConsul(binary: string, name: string, block: number): Promise<DevConsul> {
  const host = `127.${block}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
  const [http, serfLan, server] = [await freePort(host), await freePort(host), await freePort(host)];
  const base = `http://${host}:${http}`;
  const dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
  const proc: ChildProcess = spawn(
    binary,
    [
      'agent',
      '-dev',
      `-node=${name}`,
      '-datacenter=dc1',
      `-bind=${host}`,
      `-client=${host}`,
      '-hcl',
      `ports { http = ${http}, dns = -1, grpc = -1, grpc_tls = -1, serf_lan = ${serfLan}, serf_wan = -1, server = ${server} }`,
      '-hcl',
      'connect { ca_config { cluster_id = "11111111-2222-3333-4444-555555555555" } }',
    ],
    { stdio: 'ignore', cwd: dataDir },
  );
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (let i = 0; i < 150; i++) {
    const leader = await fetch(`${base}/v1/status/leader`).then(
      (r) => r.text(),
      () => '',
    );
    if (leader.length > 2) return { base, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`Consul on ${base} did not elect a leader`);
}
