/**
 * Bundled gateways for the peered pair of `peering-harness.ts`: one meshcc gateway per cluster, run as its own
 * process (`node bin/meshcc-gateway.js --config FILE`, as on a gateway host) with the runtime config meshcc
 * synthesizes for the environment (`clusters/<c>/<dc>/gateway/<name>.json`). Only what the loopback test must
 * change is changed: the Consul address (the emitted config points at the local agent, `127.0.0.1:8500`; here each
 * cluster's single server on its own loopback address is that agent) and the drain timeout (so a stopped gateway
 * closes its long-lived peering connections, and writes their access-log lines, at once).
 *
 * Addresses (the pair's `127.<b>.<octet>.*`, by default octet 67 — a file of its own needs its own, see
 * `startPeeredPair`): `.11` cluster a's gateway, `.12` cluster b's, LAN port 8443 and WAN
 * port 8444 on that address; the admin server on `127.0.0.1` at two ports derived from the process id. The gateway
 * registers itself in its cluster as a `mesh-gateway` (its emitted `consul.register`) with these LAN/WAN tagged
 * addresses: with `PeerThroughMeshGateways` Consul's acceptor puts the WAN address into its peering tokens and the
 * dialer's servers dial out through the LAN address.
 *
 * Each gateway lives in `<pair root>/gw-<cluster>/` (`config.json`, `pid`, `access.log` = its stdout, where the
 * emitted config sends the access log, and `gateway.log` = stderr), so `killClusterNow` (the orphan reaper) kills it
 * with the servers after a killed run.
 */

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileClusters, type PeeredCompilation } from '../../src/compiler/compile-clusters.ts';
import type { Artifact } from '../../src/emit/artifact.ts';
import { emitPeered } from '../../src/emit/peered.ts';
import type { AccessRecord } from '../../src/gateway/access-log.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { repoRoot } from '../cli/run-cli.ts';
import { alive, killClusterNow } from './harness.ts';
import { type PeerCluster, type PeeredPair, startPeeredPair, stopPeeredPair } from './peering-harness.ts';

export const PEER_GW_LAN_PORT = 8443;
export const PEER_GW_WAN_PORT = 8444;

export type Side = 'a' | 'b';

/** The gateways' addresses for a pair (same block as the pair's servers). */
export function peerGatewayIps(pair: PeeredPair): Record<Side, string> {
  const block = pair.a.ip.split('.').slice(0, 3).join('.');
  return { a: `${block}.11`, b: `${block}.12` };
}

/**
 * Admin ports on 127.0.0.1 (the emitted admin address), per process so concurrent runs do not collide: 29000-30999,
 * clear of Consul's sidecar range (21000-21255) and of the kernel's ephemeral ports (32768 and up).
 */
export function peerGatewayAdminPorts(): Record<Side, number> {
  const base = 29000 + (process.pid % 1000) * 2;
  return { a: base, b: base + 1 };
}

/** Sets the environment the fixture `test/fixtures/peered-gateways-live` reads. */
export function setPeerGatewayFixtureEnv(pair: PeeredPair): void {
  const ips = peerGatewayIps(pair);
  const admin = peerGatewayAdminPorts();
  process.env.MESHCC_TEST_PEER_A_ID = pair.a.clusterId;
  process.env.MESHCC_TEST_PEER_B_ID = pair.b.clusterId;
  process.env.MESHCC_TEST_PEER_GW_A = ips.a;
  process.env.MESHCC_TEST_PEER_GW_B = ips.b;
  process.env.MESHCC_TEST_PEER_GW_A_ADMIN = String(admin.a);
  process.env.MESHCC_TEST_PEER_GW_B_ADMIN = String(admin.b);
  process.env.MESHCC_TEST_PEER_GW_LAN_PORT = String(PEER_GW_LAN_PORT);
  process.env.MESHCC_TEST_PEER_GW_WAN_PORT = String(PEER_GW_WAN_PORT);
}

export interface PeerGateway {
  readonly side: Side;
  readonly cluster: PeerCluster;
  readonly dir: string;
  readonly configFile: string;
  readonly pidFile: string;
  readonly accessLog: string;
  readonly stderrLog: string;
  /** `http://127.0.0.1:<admin port>`. */
  readonly admin: string;
  /** The emitted config with the harness's changes (what the process runs). */
  readonly config: Record<string, unknown>;
}

interface EmittedShape {
  readonly admin: { readonly address: string; readonly port: number };
  readonly consul?: Record<string, unknown> & { readonly register?: { readonly id: string } };
  readonly timeouts?: Record<string, unknown>;
}

/**
 * Writes the gateway's config (the emitted JSON `emitted`, with the Consul address and drain timeout of this test)
 * into `<root>/gw-<side>/`; does not start it.
 */
export function preparePeerGateway(pair: PeeredPair, side: Side, emitted: string): PeerGateway {
  const cluster = pair[side];
  const parsed = JSON.parse(emitted) as EmittedShape & Record<string, unknown>;
  if (!parsed.consul) throw new Error(`gateway of cluster ${side}: the emitted config has no consul block`);
  const config = {
    ...parsed,
    consul: { ...parsed.consul, address: cluster.addr },
    timeouts: { ...parsed.timeouts, drainMs: 1000 },
  };
  const dir = join(pair.root, `gw-${side}`);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return {
    side,
    cluster,
    dir,
    configFile,
    pidFile: join(dir, 'pid'),
    accessLog: join(dir, 'access.log'),
    stderrLog: join(dir, 'gateway.log'),
    admin: `http://${parsed.admin.address}:${parsed.admin.port}`,
    config,
  };
}

function pidOf(gw: PeerGateway): number | undefined {
  try {
    return Number(readFileSync(gw.pidFile, 'utf8')) || undefined;
  } catch {
    return undefined;
  }
}

async function until(what: string, check: () => Promise<boolean>, ms: number, gw: PeerGateway): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${what}\n--- gateway stderr ---\n${stderrOf(gw)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts the gateway process (detached, its pid in the pid file); resolves once its admin server says ready and it
 * is registered in its cluster's catalog as a mesh gateway.
 */
export async function startPeerGateway(gw: PeerGateway): Promise<void> {
  const out = openSync(gw.accessLog, 'a');
  const err = openSync(gw.stderrLog, 'a');
  try {
    const p = spawn(process.execPath, [join(repoRoot, 'bin/meshcc-gateway.js'), '--config', gw.configFile], {
      cwd: repoRoot,
      stdio: ['ignore', out, err],
      detached: true,
    });
    p.unref();
    writeFileSync(gw.pidFile, String(p.pid));
  } finally {
    closeSync(out);
    closeSync(err);
  }
  const id = (gw.config.consul as { register: { id: string } }).register.id;
  await until(
    `gateway ${gw.side} ready`,
    async () => (await fetch(`${gw.admin}/ready`, { signal: AbortSignal.timeout(2000) })).status === 200,
    60_000,
    gw,
  );
  await until(
    `gateway ${gw.side} registered in ${gw.cluster.name}`,
    async () => {
      const r = await fetch(`${gw.cluster.addr}/v1/catalog/service/mesh-gateway`, {
        signal: AbortSignal.timeout(2000),
      });
      const nodes = (await r.json()) as { ServiceID: string }[];
      return nodes.some((n) => n.ServiceID === id);
    },
    30_000,
    gw,
  );
}

/**
 * Stops the gateway (SIGTERM: it drains, deregisters and writes its access log; SIGKILL: a crash) and waits for
 * the process to be gone. Safe to call when it is not running.
 */
export async function stopPeerGateway(gw: PeerGateway, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const pid = pidOf(gw);
  if (!pid || !alive(pid)) return;
  // Only the gateway started for this directory (a pid may have been reused since).
  if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(gw.configFile)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + 15_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
}

/** The gateway's access-log records so far (one JSON line per closed connection). */
export function accessRecords(gw: PeerGateway): AccessRecord[] {
  if (!existsSync(gw.accessLog)) return [];
  return readFileSync(gw.accessLog, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as AccessRecord);
}

/** The tail of the gateway's stderr (for failure messages). */
export function stderrOf(gw: PeerGateway, lines = 30): string {
  if (!existsSync(gw.stderrLog)) return '';
  return readFileSync(gw.stderrLog, 'utf8').split('\n').slice(-lines).join('\n');
}

/** Two peered clusters with one running bundled gateway each, and what they were made from. */
export interface PeeredGatewayRun {
  readonly pair: PeeredPair;
  readonly gateways: Record<Side, PeerGateway>;
  /** The emitted gateway runtime configs, as `meshcc synth` wrote them (before the harness's changes). */
  readonly emitted: Record<Side, Record<string, unknown>>;
  /** The compiled fixture. */
  readonly compilation: PeeredCompilation;
  /** Every artifact `meshcc synth` writes for the fixture (service definitions, gateway configs, entries...). */
  readonly artifacts: readonly Artifact[];
  /** `--consul-cluster a=... --consul-cluster b=...` for the CLI. */
  readonly clusterFlags: readonly string[];
}

/** The primary datacenter of each side (`peering-harness.ts`). */
export const PEER_DC: Record<Side, string> = { a: 'pa1', b: 'pb1' };

/**
 * Starts the pair, loads `fixture` (a peered environment reading the variables `setPeerGatewayFixtureEnv` sets, like
 * `test/fixtures/peered-gateways-live`, and `env`, set in this process too, for the CLI's loads), synthesizes it and starts each cluster's bundled gateway `mesh-gateway`
 * with its emitted config; resolves once both are ready and registered. `octet`: the pair's third address octet
 * (one per test file: 67 is peering-gateways.test.ts's). Everything started is stopped again if a
 * step fails. Stop with `stopPeeredGatewayRun`.
 */
export async function startPeeredGatewayRun(
  fixture: string,
  env: Readonly<Record<string, string>> = {},
  octet = 67,
): Promise<PeeredGatewayRun> {
  const pair = await startPeeredPair(octet);
  const gateways = {} as Record<Side, PeerGateway>;
  try {
    setPeerGatewayFixtureEnv(pair);
    Object.assign(process.env, env);
    const loaded = await loadEnvironment(fixture, repoRoot);
    const compilation = compileClusters(loaded.model);
    const artifacts = emitPeered(compilation);
    const emitted = {} as Record<Side, Record<string, unknown>>;
    for (const side of ['a', 'b'] as const) {
      const file = artifacts.find((x) => x.path === `clusters/${side}/${PEER_DC[side]}/gateway/mesh-gateway.json`);
      if (!file) throw new Error(`${fixture}: no bundled gateway config for cluster ${side}`);
      emitted[side] = JSON.parse(file.content) as Record<string, unknown>;
      gateways[side] = preparePeerGateway(pair, side, file.content);
    }
    await Promise.all([startPeerGateway(gateways.a), startPeerGateway(gateways.b)]);
    const clusterFlags = ['--consul-cluster', `a=${pair.a.addr}`, '--consul-cluster', `b=${pair.b.addr}`];
    return { pair, gateways, emitted, compilation, artifacts, clusterFlags };
  } catch (e) {
    for (const g of Object.values(gateways)) await stopPeerGateway(g, 'SIGKILL');
    await stopPeeredPair(pair);
    throw e;
  }
}

/** Kills both gateways and both servers and removes the directory. Safe to call twice. */
export async function stopPeeredGatewayRun(run: PeeredGatewayRun): Promise<void> {
  for (const g of Object.values(run.gateways)) await stopPeerGateway(g, 'SIGKILL');
  await stopPeeredPair(run.pair);
  killClusterNow(run.pair.root);
}
