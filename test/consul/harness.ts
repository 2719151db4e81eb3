/**
 * Real-Consul harness: two WAN-federated server-mode datacenters on loopback (dc1 on 127.<b>.55.1, dc2 on 127.<b>.55.2,
 * default ports, one data dir each so a server can be restarted). Used by `test/setup/consul-global.ts` once per run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where `scripts/setup-consul.sh` puts the binary. */
export const CONSUL_BIN = process.env.MESHCC_CONSUL_BIN ?? join(homedir(), '.cache/meshcc/consul-v1.22.7/consul');

/**
 * Loopback block of this run: `127.<b>.55.1/2`, with `<b>` derived from the process id (or MESHCC_TEST_CONSUL_BLOCK),
 * so two test runs on one machine (a developer's and CI's, or parallel checkouts) never fight over the same ports.
 */
const BLOCK = Number(process.env.MESHCC_TEST_CONSUL_BLOCK ?? 100 + (process.pid % 100));
// Exported to the environment so test workers (forked after the global setup) compute the same addresses.
process.env.MESHCC_TEST_CONSUL_BLOCK = String(BLOCK);
export const DC1_IP = `127.${BLOCK}.55.1`;
export const DC2_IP = `127.${BLOCK}.55.2`;

export interface DcProcess {
  readonly name: string;
  readonly ip: string;
  readonly addr: string;
  readonly dataDir: string;
  readonly configFile: string;
  /** The server's pid is kept here, so any process (the global setup, a test fork) can stop or restart it. */
  readonly pidFile: string;
  proc?: ChildProcess;
}

export interface Cluster {
  readonly dc1: DcProcess;
  readonly dc2: DcProcess;
  readonly root: string;
}

/** The message printed when the binary is missing. */
export const MISSING_MESSAGE = `meshcc: Consul binary not found at ${CONSUL_BIN}; the real-Consul suites are SKIPPED. Run \`bash scripts/setup-consul.sh\` (set MESHCC_REQUIRE_CONSUL=1 to make this fatal).`;

export function consulAvailable(): boolean {
  return existsSync(CONSUL_BIN);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what} ${last}`);
}

function dcConfig(name: string, ip: string, dataDir: string, joinWan?: string): string {
  return JSON.stringify({
    datacenter: name,
    primary_datacenter: 'dc1',
    node_name: `${name}-srv`,
    server: true,
    bootstrap_expect: 1,
    data_dir: dataDir,
    bind_addr: ip,
    client_addr: ip,
    advertise_addr: ip,
    ports: { grpc: 8502, dns: -1 },
    connect: { enabled: true },
    performance: { raft_multiplier: 1 },
    disable_update_check: true,
    leave_on_terminate: false,
    skip_leave_on_interrupt: true,
    log_level: 'warn',
    ...(joinWan ? { retry_join_wan: [joinWan], retry_interval_wan: '1s' } : {}),
  });
}

function makeDc(root: string, name: string, ip: string, joinWan?: string): DcProcess {
  const dataDir = join(root, name, 'data');
  const configFile = join(root, name, 'config.json');
  spawnSync('mkdir', ['-p', dataDir]);
  writeFileSync(configFile, dcConfig(name, ip, dataDir, joinWan));
  return { name, ip, addr: `http://${ip}:8500`, dataDir, configFile, pidFile: join(root, name, 'pid') };
}

/**
 * Starts (or restarts) one datacenter's server process, detached so that it outlives a test fork; its pid goes to
 * the pid file, which the global teardown uses to kill it.
 */
export function startDc(dc: DcProcess): void {
  const proc = spawn(CONSUL_BIN, ['agent', `-config-file=${dc.configFile}`], { stdio: 'ignore', detached: true });
  proc.unref();
  writeFileSync(dc.pidFile, String(proc.pid));
  dc.proc = proc;
}

/** True while `pid` exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a datacenter's server (SIGKILL by default, like a crash) and waits until the process is gone. */
export async function stopDc(dc: DcProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!existsSync(dc.pidFile)) return;
  const pid = Number(readFileSync(dc.pidFile, 'utf8'));
  if (!pid || !alive(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + 15_000;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await sleep(50);
  dc.proc = undefined;
}

/** Waits until a datacenter has a leader and answers consistent reads. */
export async function waitLeader(dc: DcProcess, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `${dc.name} leader`,
    async () => {
      const leader = await getJson(`${dc.addr}/v1/status/leader`);
      if (typeof leader !== 'string' || leader === '') return false;
      const res = await fetch(`${dc.addr}/v1/config/proxy-defaults?consistent`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    },
    timeoutMs,
  );
}

/** Restarts dc1's server (kill -9, then start on the same data dir) and waits for its leader. */
export async function restartDc1(c: Cluster): Promise<void> {
  await stopDc(c.dc1);
  startDc(c.dc1);
  await waitLeader(c.dc1);
}

/** Rebuilds the cluster handle from the root directory the global setup provided (used inside test forks). */
export function clusterAt(root: string): Cluster {
  const dc = (name: string, ip: string): DcProcess => ({
    name,
    ip,
    addr: `http://${ip}:8500`,
    dataDir: join(root, name, 'data'),
    configFile: join(root, name, 'config.json'),
    pidFile: join(root, name, 'pid'),
  });
  return { root, dc1: dc('dc1', DC1_IP), dc2: dc('dc2', DC2_IP) };
}

/** Kills a cluster's servers at once (SIGKILL, no waiting) and removes its directory: for signal and exit paths. */
export function killClusterNow(root: string): void {
  // The servers' directories, and the gateways some harnesses run next to them (`gw-*`, peering-gateway-harness.ts).
  let gateways: string[] = [];
  try {
    gateways = readdirSync(root).filter((d) => d.startsWith('gw-'));
  } catch {
    // no directory
  }
  for (const dc of ['dc1', 'dc2', ...gateways]) {
    try {
      const pid = Number(readFileSync(join(root, dc, 'pid'), 'utf8'));
      // Only a process started for this directory's config (a pid may have been reused since).
      if (pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(root, dc, 'config.json')))
        process.kill(pid, 'SIGKILL');
    } catch {
      // no pid file, or the process is gone
    }
  }
  rmSync(root, { recursive: true, force: true });
}

/**
 * Clusters left behind by test runs that were killed before their teardown (SIGKILL, a CI timeout): every
 * `meshcc-consul-*` directory whose `owner` process is gone has its servers killed and is removed.
 */
export function reapOrphanedClusters(): string[] {
  const reaped: string[] = [];
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('meshcc-consul-')) continue;
    const root = join(tmpdir(), name);
    let owner = 0;
    try {
      owner = Number(readFileSync(join(root, 'owner'), 'utf8'));
    } catch {
      continue; // not ours to judge (being created, or not a harness directory)
    }
    if (owner && alive(owner)) continue;
    killClusterNow(root);
    reaped.push(root);
  }
  return reaped;
}

/** Starts dc1 and dc2, WAN-federated; resolves when both have leaders, see each other and have CA roots. */
export async function startCluster(): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), 'meshcc-consul-'));
  writeFileSync(join(root, 'owner'), String(process.pid));
  const dc1 = makeDc(root, 'dc1', DC1_IP);
  const dc2 = makeDc(root, 'dc2', DC2_IP, `${DC1_IP}:8302`);
  const cluster = { dc1, dc2, root };
  try {
    startDc(dc1);
    startDc(dc2);
    await Promise.all([waitLeader(dc1), waitLeader(dc2)]);
    await waitFor('WAN federation', async () => {
      const dcs = (await getJson(`${dc1.addr}/v1/catalog/datacenters`)) as string[];
      const dcs2 = (await getJson(`${dc2.addr}/v1/catalog/datacenters`)) as string[];
      return dcs.includes('dc2') && dcs2.includes('dc1');
    });
    for (const dc of [dc1, dc2]) {
      await waitFor(`${dc.name} CA roots`, async () => {
        const roots = (await getJson(`${dc.addr}/v1/agent/connect/ca/roots`)) as { ActiveRootID?: string };
        return Boolean(roots.ActiveRootID);
      });
    }
    return cluster;
  } catch (e) {
    await stopCluster(cluster);
    throw e;
  }
}

/** Kills both servers and removes the data dirs. Safe to call twice. */
export async function stopCluster(c: Cluster): Promise<void> {
  await Promise.all([stopDc(c.dc1), stopDc(c.dc2)]);
  rmSync(c.root, { recursive: true, force: true });
}
