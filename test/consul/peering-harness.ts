/**
 * Real-Consul harness for cluster peering: two INDEPENDENT single-server clusters (not WAN-joined: each its own
 * primary datacenter, Connect CA and trust domain) on loopback, `127.<b>.66.1` (cluster a, dc `pa1`) and
 * `127.<b>.66.2` (cluster b, dc `pb1`) — the run's block `<b>` as in harness.ts, a third octet of its own, so they
 * never meet the global WAN-federated pair. Default ports on their own addresses; peering enabled; gRPC with TLS on
 * 8503 (Consul refuses to generate peering tokens without it: "TLS for gRPC must be enabled when generating peering
 * tokens"), with a CA and server certificate made by `consul tls` for each cluster. Started per test file, killed in
 * afterAll (and by the orphan reaper when a run is killed outright: the directory carries an `owner` pid).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSUL_BIN, type DcProcess, startDc, stopDc, waitLeader } from './harness.ts';

const BLOCK = Number(process.env.MESHCC_TEST_CONSUL_BLOCK ?? 100 + (process.pid % 100));

export interface PeerCluster extends DcProcess {
  /** The cluster's trust domain (`<cluster id>.consul`), read from its CA once it is up. */
  trustDomain: string;
  clusterId: string;
}

export interface PeeredPair {
  readonly a: PeerCluster;
  readonly b: PeerCluster;
  readonly root: string;
}

function makeCluster(root: string, name: string, dc: string, ip: string): PeerCluster {
  const dir = join(root, name);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  // A CA and a server certificate of this cluster's own, for gRPC TLS (the files `consul tls` names).
  execFileSync(CONSUL_BIN, ['tls', 'ca', 'create'], { cwd: dir, stdio: 'ignore' });
  execFileSync(CONSUL_BIN, ['tls', 'cert', 'create', '-server', '-dc', dc, '-additional-ipaddress', ip], {
    cwd: dir,
    stdio: 'ignore',
  });
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      datacenter: dc,
      primary_datacenter: dc,
      node_name: `${dc}-srv`,
      server: true,
      bootstrap_expect: 1,
      data_dir: dataDir,
      bind_addr: ip,
      client_addr: ip,
      advertise_addr: ip,
      ports: { grpc: 8502, grpc_tls: 8503, dns: -1 },
      connect: { enabled: true },
      peering: { enabled: true },
      tls: {
        grpc: {
          ca_file: join(dir, 'consul-agent-ca.pem'),
          cert_file: join(dir, `${dc}-server-consul-0.pem`),
          key_file: join(dir, `${dc}-server-consul-0-key.pem`),
        },
      },
      performance: { raft_multiplier: 1 },
      disable_update_check: true,
      leave_on_terminate: false,
      skip_leave_on_interrupt: true,
      log_level: 'warn',
    }),
  );
  return {
    name: dc,
    ip,
    addr: `http://${ip}:8500`,
    dataDir,
    configFile,
    pidFile: join(dir, 'pid'),
    trustDomain: '',
    clusterId: '',
  };
}

async function readTrustDomain(c: PeerCluster): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const r = (await (await fetch(`${c.addr}/v1/connect/ca/roots`)).json()) as { TrustDomain?: string };
      if (r.TrustDomain) {
        c.trustDomain = r.TrustDomain;
        c.clusterId = r.TrustDomain.replace(/\.consul$/, '');
        return;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${c.name}: no CA roots`);
}

/**
 * Starts both clusters; resolves when each has a leader and CA roots. `octet` is the third octet of their addresses:
 * every test file that starts a pair needs its own (the block is shared by all files of a run, which may run at the
 * same time): 66 peering.test.ts, 67 peering-gateways.test.ts, 68 peering-gitops.test.ts, 69
 * xds-sidecar-peering.test.ts, 70 peering-run-gateway.test.ts.
 */
export async function startPeeredPair(octet = 66): Promise<PeeredPair> {
  const root = mkdtempSync(join(tmpdir(), 'meshcc-consul-peer-'));
  writeFileSync(join(root, 'owner'), String(process.pid));
  const a = makeCluster(root, 'dc1', 'pa1', `127.${BLOCK}.${octet}.1`);
  const b = makeCluster(root, 'dc2', 'pb1', `127.${BLOCK}.${octet}.2`);
  const pair = { a, b, root };
  try {
    startDc(a);
    startDc(b);
    await Promise.all([waitLeader(a), waitLeader(b)]);
    await Promise.all([readTrustDomain(a), readTrustDomain(b)]);
    return pair;
  } catch (e) {
    await stopPeeredPair(pair);
    throw e;
  }
}

/** Kills both servers and removes their directories. Safe to call twice. */
export async function stopPeeredPair(p: PeeredPair): Promise<void> {
  await Promise.all([stopDc(p.a), stopDc(p.b)]);
  rmSync(p.root, { recursive: true, force: true });
}
