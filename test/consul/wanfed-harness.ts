/**
 * A second real-Consul harness, separate from the global one: two single-server datacenters on loopback that are
 * WAN-federated ONLY through mesh gateways (`connect.enable_mesh_gateway_wan_federation`, dc2 finds dc1 through
 * `primary_gateways`; no `retry_join_wan`, no direct server-to-server WAN path), configured by the agent configs
 * meshcc emits. The gateways are whatever the test starts on the addresses given here (meshcc's bundled gateway).
 *
 * Addresses: `127.<b>.58.1` dc1's server, `.2` dc2's server, `.11` dc1's gateway, `.12` dc2's gateway, with `<b>` from
 * the process id (as in `harness.ts`, a different third octet), so concurrent runs on one machine do not collide.
 * Server TLS comes from `consul tls ca create` / `consul tls cert create -server -node <node>` (the certificate then
 * names `<node>.server.<dc>.consul`, which servers dialing through a gateway verify). The directory is a
 * `meshcc-consul-*` one with an `owner` file and per-DC `pid`/`config.json`, so `reapOrphanedClusters` cleans it up
 * after a killed run.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { alive, CONSUL_BIN, killClusterNow } from './harness.ts';

const run = promisify(execFile);

const BLOCK = 100 + (process.pid % 100);
export const WANFED_IPS = {
  dc1: `127.${BLOCK}.58.1`,
  dc2: `127.${BLOCK}.58.2`,
  gw1: `127.${BLOCK}.58.11`,
  gw2: `127.${BLOCK}.58.12`,
} as const;
/** The gateways' LAN and WAN listener ports (on the gateway's address). */
export const GATEWAY_PORT = 8443;
export const GATEWAY_WAN_PORT = 8444;

export interface WanfedDc {
  readonly name: 'dc1' | 'dc2';
  readonly node: string;
  readonly ip: string;
  readonly addr: string;
  readonly pidFile: string;
  readonly configFile: string;
}

export interface WanfedCluster {
  readonly root: string;
  readonly dc1: WanfedDc;
  readonly dc2: WanfedDc;
}

/**
 * The server agent config of one datacenter: meshcc's emitted `agent.json` for it (`emitted`: datacenter, primary,
 * `connect.enable_mesh_gateway_wan_federation`, `primary_gateways`, TLS verification...) with only what a loopback
 * test must change: node name, data dir, addresses, ports, the TLS files' paths (the emitted config points at
 * /etc/consul.d/tls), faster retry intervals and logging.
 */
export function wanfedServerConfig(
  dc: WanfedDc,
  root: string,
  emitted: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const tls = join(root, 'tls');
  const emittedTls = (emitted.tls ?? {}) as { defaults?: Record<string, unknown>; internal_rpc?: unknown };
  return {
    ...emitted,
    node_name: dc.node,
    data_dir: join(root, dc.name, 'data'),
    bind_addr: dc.ip,
    client_addr: dc.ip,
    advertise_addr: dc.ip,
    ports: { dns: -1, grpc: -1 },
    tls: {
      ...emittedTls,
      defaults: {
        ...emittedTls.defaults,
        ca_file: join(tls, 'consul-agent-ca.pem'),
        cert_file: join(tls, `${dc.name}-server-consul-0.pem`),
        key_file: join(tls, `${dc.name}-server-consul-0-key.pem`),
      },
    },
    ...(emitted.primary_gateways ? { primary_gateways_interval: '1s' } : {}),
    retry_interval_wan: '1s',
    performance: { raft_multiplier: 1 },
    disable_update_check: true,
    leave_on_terminate: false,
    skip_leave_on_interrupt: true,
    log_level: 'info',
    log_file: join(root, dc.name, 'consul.log'),
  };
}

/**
 * Creates the directory, the CA and the server certificates, and writes both configs from the emitted agent configs
 * (does not start anything).
 */
export async function prepareWanfed(
  emitted: Readonly<Record<'dc1' | 'dc2', Readonly<Record<string, unknown>>>>,
): Promise<WanfedCluster> {
  const root = mkdtempSync(join(tmpdir(), 'meshcc-consul-wanfed-'));
  writeFileSync(join(root, 'owner'), String(process.pid));
  const tls = join(root, 'tls');
  mkdirSync(tls);
  await run(CONSUL_BIN, ['tls', 'ca', 'create'], { cwd: tls });
  const dc = (name: 'dc1' | 'dc2'): WanfedDc => {
    mkdirSync(join(root, name, 'data'), { recursive: true });
    return {
      name,
      node: `${name}-srv`,
      ip: WANFED_IPS[name],
      addr: `http://${WANFED_IPS[name]}:8500`,
      pidFile: join(root, name, 'pid'),
      configFile: join(root, name, 'config.json'),
    };
  };
  const c = { root, dc1: dc('dc1'), dc2: dc('dc2') };
  for (const d of [c.dc1, c.dc2]) {
    await run(CONSUL_BIN, ['tls', 'cert', 'create', '-server', `-dc=${d.name}`, `-node=${d.node}`], { cwd: tls });
    writeFileSync(d.configFile, JSON.stringify(wanfedServerConfig(d, root, emitted[d.name]), null, 2));
  }
  return c;
}

/** Starts one server (detached; its pid goes to the pid file). */
export function startWanfedDc(dc: WanfedDc): void {
  const p = spawn(CONSUL_BIN, ['agent', `-config-file=${dc.configFile}`], { stdio: 'ignore', detached: true });
  p.unref();
  writeFileSync(dc.pidFile, String(p.pid));
}

/** `consul <args>` against a datacenter's HTTP API; stdout. */
export async function consulCli(dc: WanfedDc, args: readonly string[]): Promise<string> {
  const r = await run(CONSUL_BIN, [...args, `-http-addr=${dc.addr}`], { timeout: 10_000 });
  return r.stdout;
}

/** Kills both servers and removes the directory. */
export async function stopWanfed(c: WanfedCluster): Promise<void> {
  const pids = [c.dc1, c.dc2].flatMap((d) => {
    try {
      return [Number(readFileSync(d.pidFile, 'utf8'))];
    } catch {
      return [];
    }
  });
  killClusterNow(c.root);
  const deadline = Date.now() + 10_000;
  while (pids.some((p) => p && alive(p)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** The tail of a server's log files (for a failure message). */
export function logTail(c: WanfedCluster, dc: WanfedDc, lines = 40): string {
  const dir = join(c.root, dc.name);
  return readdirSync(dir)
    .filter((f) => f.startsWith('consul') && f.endsWith('.log'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8').split('\n').slice(-lines).join('\n'))
    .join('\n');
}
