/**
 * The guides' failover walkthrough ("Test a Failover") on the shared two-datacenter real Consul
 * (test/setup/consul-global.ts: dc1 on 127.0.55.1, dc2 on 127.0.55.2):
 *
 * - a uniquely named `currency` runs in dc1 and in dc2, each behind Consul's built-in sidecar
 *   (`consul connect proxy -sidecar-for`) in front of a TCP echo app on loopback;
 * - a `service-resolver` with `failover = { "*" = { datacenters = ["dc2"] } }` and `connect_timeout = "3s"`, a
 *   `service-defaults` with mesh-gateway mode `local` and an intention allowing `payments`;
 * - one meshcc gateway per datacenter (in process), with Consul discovery on and self-registration as `mesh-gateway`;
 * - a client with `payments`' leaf certificate from Consul's CA dials dc1's gateway with the SNI of the chain's primary
 *   target: it reaches dc1's instance. Then dc1's instance fails its health check; the client dials dc1's gateway
 *   with the SNI of the chain's failover target (meshcc's compileChain, checked against Consul's own chain): dc1
 *   gateway → dc2 gateway (found through Consul) → dc2's sidecar. The mTLS handshake completes end to end (the peer
 *   is dc2's `currency` SPIFFE identity) and the bytes come back intact.
 *
 * The whole scenario holds the cluster-wide test mutex (test/consul/shared.ts) so that the suites that restart a
 * server do not do so under it. Every process and registration is removed in the end, also on failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, connect as netConnect, type Server } from 'node:net';
import { type PeerCertificate, connect as tlsConnect } from 'node:tls';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { indexEntries } from '../../src/compiler/entry-index.ts';
import { compileChain } from '../../src/compiler/passes/compile-chains.ts';
import { serviceSni } from '../../src/compiler/sni.ts';
import type { CompiledChain } from '../../src/compiler/types.ts';
import type { GatewayConfig } from '../../src/gateway/config.ts';
import { ConsulDiscovery } from '../../src/gateway/consul-discovery.ts';
import type { Endpoint } from '../../src/gateway/route-table.ts';
import { Gateway } from '../../src/gateway/server.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { ConsulClient } from '../../src/reconcile/consul-client.ts';
import { CONSUL_BIN, MISSING_MESSAGE } from '../consul/harness.ts';
import { withClusterMutex } from '../consul/shared.ts';
import { gatewayConfig, MemoryLog } from './tls-fixture.ts';

const consul = inject('consul');
if (!consul) console.warn(`\n${MISSING_MESSAGE}\n`);

const SVC = `currency-fo-${randomBytes(3).toString('hex')}`;
const CLIENT = 'payments';
/** Our own loopback addresses: sidecars and gateways, per datacenter. */
const SIDECAR_IP = { dc1: '127.0.63.1', dc2: '127.0.63.2' } as const;
const GATEWAY_IP = { dc1: '127.0.63.11', dc2: '127.0.63.12' } as const;
type Dc = 'dc1' | 'dc2';

function addr(dc: Dc): string {
  return (dc === 'dc1' ? consul?.dc1 : consul?.dc2) ?? '';
}

async function api<T = unknown>(dc: Dc, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${addr(dc)}${path}`, {
    method,
    signal: AbortSignal.timeout(10_000),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${dc} ${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Polls `f` until it returns a value (errors count as "not yet"); bounded, failing with `explain()` if given. */
async function until<T>(
  what: string,
  f: () => Promise<T | undefined>,
  explain?: () => Promise<string>,
  ms = 90_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > end) {
      const more = explain ? await explain().catch((e: Error) => `(no details: ${e.message})`) : '';
      throw new Error(`timed out waiting for ${what} ${last}\n${more}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Instance {
  dc: Dc;
  app: Server;
  /** Bytes the app received (the built-in proxy also opens app connections for bare TCP probes, so count bytes). */
  received: number;
  proxy?: ChildProcess;
  /** The tail of the built-in proxy's output (for failure messages). */
  proxyLog: string;
  sidecarPort: number;
}

interface GatewayRun {
  gw: Gateway;
  discovery?: ConsulDiscovery;
  endpoints: ReadonlyMap<string, readonly Endpoint[]>;
}

const instances: Instance[] = [];
const gateways: GatewayRun[] = [];
const written: ConfigEntry[] = [];

/** Echo app on 127.0.0.1 (where the built-in proxy dials its local service), registered with a sidecar and a TTL check. */
async function startInstance(dc: Dc): Promise<Instance> {
  const inst: Instance = { dc, app: createServer(), received: 0, proxyLog: '', sidecarPort: 0 };
  inst.app.on('connection', (s) => {
    s.on('data', (d: Buffer) => {
      inst.received += d.length;
    });
    s.on('error', () => {});
    s.pipe(s);
  });
  instances.push(inst);
  await new Promise<void>((r) => inst.app.listen(0, '127.0.0.1', () => r()));
  const ip = SIDECAR_IP[dc];
  await api(dc, 'PUT', '/v1/agent/service/register', {
    Name: SVC,
    ID: SVC,
    Port: (inst.app.address() as AddressInfo).port,
    Check: { CheckID: `${SVC}-alive`, Name: `${SVC} alive`, TTL: '30m', Status: 'passing' },
    Connect: { SidecarService: { Address: ip, Proxy: { Config: { bind_address: ip } } } },
  });
  const sidecar = await api<{ Port: number }>(dc, 'GET', `/v1/agent/service/${SVC}-sidecar-proxy`);
  inst.sidecarPort = sidecar.Port;
  inst.proxy = spawn(CONSUL_BIN, ['connect', 'proxy', '-sidecar-for', SVC, `-http-addr=${addr(dc)}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => {
    inst.proxyLog = (inst.proxyLog + d.toString()).slice(-3000);
  };
  inst.proxy.stdout?.on('data', keep);
  inst.proxy.stderr?.on('data', keep);
  return inst;
}

/** Waits until Consul reports the sidecar passing and its public listener accepts TCP. */
async function instanceReady(inst: Instance): Promise<void> {
  const explain = async () => {
    const checks = await api<Record<string, { ServiceID: string; Name: string; Status: string; Output: string }>>(
      inst.dc,
      'GET',
      '/v1/agent/checks',
    );
    const mine = Object.values(checks).filter((c) => c.ServiceID.startsWith(SVC));
    const proxy = inst.proxy?.exitCode ?? inst.proxy?.signalCode ?? 'running';
    return `checks: ${JSON.stringify(mine)}\nproxy (${proxy}): ${inst.proxyLog}`;
  };
  await until(
    `${inst.dc} ${SVC} sidecar passing`,
    async () => {
      const h = await api<unknown[]>(inst.dc, 'GET', `/v1/health/connect/${SVC}?passing=1`);
      return h.length > 0 ? true : undefined;
    },
    explain,
  );
  await until(
    `${inst.dc} sidecar listener`,
    () =>
      new Promise<boolean | undefined>((resolve) => {
        const c = netConnect({ host: SIDECAR_IP[inst.dc], port: inst.sidecarPort }, () => {
          c.destroy();
          resolve(true);
        });
        c.on('error', () => resolve(undefined));
      }),
    explain,
  );
}

/** A meshcc gateway for `dc`, listening on its own loopback address, registered in and discovering from Consul. */
async function startGateway(dc: Dc, trustDomain: string, remote: { datacenter: string; gateways: Endpoint[] }[]) {
  const raw = {
    datacenter: dc,
    trustDomain,
    listeners: [{ name: 'lan', address: GATEWAY_IP[dc], port: 0 }],
    timeouts: { drainMs: 500, connectMs: 3000 },
    routes: {
      local: [{ sni: serviceSni({ service: SVC, datacenter: dc }, trustDomain), service: SVC, endpoints: [] }],
      remote,
    },
    accessLog: { enabled: false },
  };
  const run: GatewayRun = { gw: new Gateway(gatewayConfig(raw), new MemoryLog()), endpoints: new Map() };
  gateways.push(run);
  await run.gw.start();
  const bound = run.gw.bound.get('lan') as Endpoint;
  const cfg: GatewayConfig = gatewayConfig({
    ...raw,
    consul: { address: addr(dc), register: { id: `mgw-${SVC}-${dc}`, lan: bound, wan: bound } },
  });
  run.discovery = new ConsulDiscovery(cfg, (m) => {
    run.endpoints = m;
    run.gw.setEndpoints(m);
  });
  await run.discovery.start();
  return { run, bound };
}

/** Polls a gateway's discovered endpoints for `key` until `ok` holds. */
function endpointsUntil(run: GatewayRun, key: string, ok: (e: readonly Endpoint[]) => boolean) {
  return until(`${key} endpoints`, async () => {
    const e = run.endpoints.get(key);
    return e && ok(e) ? e : undefined;
  });
}

interface Leaf {
  CertPEM: string;
  PrivateKeyPEM: string;
}

/** mTLS through a gateway with `sni`; resolves with the echoed bytes and the peer's SPIFFE URI. */
function mtls(
  port: number,
  host: string,
  sni: string,
  leaf: Leaf,
  ca: string[],
  payload: Buffer,
): Promise<{ back: Buffer; peer: string }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let peer = '';
    const s = tlsConnect(
      {
        host,
        port,
        servername: sni,
        cert: leaf.CertPEM,
        key: leaf.PrivateKeyPEM,
        ca,
        // Consul leaves carry a SPIFFE URI, not a DNS name: the identity is checked by the test below.
        checkServerIdentity: (_h: string, cert: PeerCertificate) => {
          peer = cert.subjectaltname ?? '';
          return undefined;
        },
      },
      () => s.write(payload),
    );
    s.on('data', (d: Buffer) => {
      parts.push(d);
      if (Buffer.concat(parts).length >= payload.length) {
        s.end();
        resolve({ back: Buffer.concat(parts), peer });
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`closed after ${Buffer.concat(parts).length} bytes`)));
  });
}

async function cleanup(): Promise<void> {
  for (const g of gateways.splice(0)) {
    await g.discovery?.stop(); // deregisters the gateway's mesh-gateway service
    await g.gw.drain();
  }
  for (const inst of instances.splice(0)) {
    inst.proxy?.kill('SIGKILL');
    for (const id of [`${SVC}-sidecar-proxy`, SVC]) {
      await api(inst.dc, 'PUT', `/v1/agent/service/deregister/${id}`).catch(() => undefined);
    }
    await new Promise<void>((r) => inst.app.close(() => r()));
  }
  for (const e of written.splice(0).reverse()) {
    await api('dc1', 'DELETE', `/v1/config/${e.Kind}/${e.Name}`).catch(() => undefined);
  }
}

describe.skipIf(!consul)('failover through two meshcc gateways on the real two-datacenter Consul', () => {
  afterAll(cleanup, 60_000);

  it(`fails ${SVC} over from dc1 to dc2 through dc1's and dc2's gateways with a real mTLS handshake`, async () => {
    const lockClient = new ConsulClient({ addr: addr('dc1'), retryBudgetMs: 30_000 });
    await withClusterMutex(lockClient, 'shared-cluster', async () => {
      try {
        await scenario();
      } finally {
        await cleanup();
      }
    });
  }, 300_000);
});

/**
 * Other suites stop and restart the shared servers (under the same mutex) and only wait for a leader afterwards:
 * wait until both datacenters see each other over the WAN and can issue leaf certificates before starting.
 */
async function clusterReady(): Promise<void> {
  for (const dc of ['dc1', 'dc2'] as const) {
    await until(`${dc} federated with a CA`, async () => {
      const dcs = await api<string[]>(dc, 'GET', '/v1/catalog/datacenters');
      const roots = await api<{ ActiveRootID?: string }>(dc, 'GET', '/v1/agent/connect/ca/roots');
      if (!dcs.includes('dc1') || !dcs.includes('dc2') || !roots.ActiveRootID) return undefined;
      const leaf = await api<Partial<Leaf>>(dc, 'GET', `/v1/agent/connect/ca/leaf/${SVC}`);
      return leaf.CertPEM ? true : undefined;
    });
  }
}

async function scenario(): Promise<void> {
  await clusterReady();
  const roots = await api<{ TrustDomain: string; Roots: { RootCert?: string; IntermediateCerts?: string[] }[] }>(
    'dc1',
    'GET',
    '/v1/agent/connect/ca/roots',
  );
  const trustDomain = roots.TrustDomain;
  expect(trustDomain).toMatch(/\.consul$/);

  // The guide's config entries, for our service only (written in the primary, replicated to dc2).
  const entries: ConfigEntry[] = [
    { Kind: 'service-defaults', Name: SVC, Protocol: 'tcp', MeshGateway: { Mode: 'local' } },
    { Kind: 'service-resolver', Name: SVC, ConnectTimeout: '3s', Failover: { '*': { Datacenters: ['dc2'] } } },
    { Kind: 'service-intentions', Name: SVC, Sources: [{ Name: CLIENT, Action: 'allow' }] },
  ] as ConfigEntry[];
  for (const e of entries) {
    await api('dc1', 'PUT', '/v1/config', e);
    written.push(e);
  }

  // The chain as payments sees it from dc1: meshcc's compiler and Consul agree on the targets and their SNI.
  const ours = compileChain({
    serviceName: SVC,
    evaluateInDatacenter: 'dc1',
    trustDomain,
    entries: indexEntries(entries),
  });
  if (!('chain' in ours)) throw new Error(`meshcc could not compile the chain: ${JSON.stringify(ours.error)}`);
  const theirs = await api<{ Chain: CompiledChain }>('dc1', 'GET', `/v1/discovery-chain/${SVC}?compile-dc=dc1`);
  const targets = (c: CompiledChain) => {
    const resolver = c.Nodes[c.StartNode]?.Resolver;
    const primary = c.Targets[resolver?.Target ?? ''];
    const failover = c.Targets[resolver?.Failover?.Targets[0] ?? ''];
    return {
      primary: { sni: primary?.SNI, dc: primary?.Datacenter, mode: primary?.MeshGateway.Mode },
      failover: { sni: failover?.SNI, dc: failover?.Datacenter, mode: failover?.MeshGateway.Mode },
    };
  };
  const chain = targets(ours.chain);
  expect(chain).toEqual(targets(theirs.Chain));
  expect(chain).toEqual({
    primary: { sni: serviceSni({ service: SVC, datacenter: 'dc1' }, trustDomain), dc: 'dc1', mode: 'local' },
    failover: { sni: serviceSni({ service: SVC, datacenter: 'dc2' }, trustDomain), dc: 'dc2', mode: 'local' },
  });
  const primarySni = chain.primary.sni as string;
  const failoverSni = chain.failover.sni as string;

  // currency in both datacenters, each behind Consul's built-in sidecar.
  const dc1 = await startInstance('dc1');
  const dc2 = await startInstance('dc2');
  await Promise.all([instanceReady(dc1), instanceReady(dc2)]);

  // The intention has reached both datacenters (what each sidecar asks its agent on every inbound connection).
  const clientUri = `spiffe://${trustDomain}/ns/default/dc/dc1/svc/${CLIENT}`;
  for (const dc of ['dc1', 'dc2'] as const) {
    await until(`${dc} intention`, async () => {
      const r = await api<{ Authorized: boolean; Reason: string }>(dc, 'POST', '/v1/agent/connect/authorize', {
        Target: SVC,
        ClientCertURI: clientUri,
      });
      return r.Authorized && r.Reason.includes('Matched') ? true : undefined;
    });
  }

  // One gateway per datacenter. dc1's starts with a dead placeholder for dc2: only Consul's answer can route there.
  const g2 = await startGateway('dc2', trustDomain, []);
  const placeholder = { address: '127.0.63.99', port: 9 };
  const g1 = await startGateway('dc1', trustDomain, [{ datacenter: 'dc2', gateways: [placeholder] }]);
  await endpointsUntil(g2.run, `local:${SVC}`, (e) => e.some((x) => x.port === dc2.sidecarPort));
  await endpointsUntil(g1.run, `local:${SVC}`, (e) => e.some((x) => x.port === dc1.sidecarPort));
  const remote = await endpointsUntil(g1.run, 'remote:dc2', (e) => e.some((x) => x.port === g2.bound.port));
  expect(remote).toEqual([g2.bound]); // nothing else registered as dc2's mesh-gateway

  const leaf = await api<Leaf>('dc1', 'GET', `/v1/agent/connect/ca/leaf/${CLIENT}`);
  const dc2Roots = await api<typeof roots>('dc2', 'GET', '/v1/agent/connect/ca/roots');
  const ca = [...roots.Roots, ...dc2Roots.Roots].flatMap((r) => [
    ...(r.RootCert ? [r.RootCert] : []),
    ...(r.IntermediateCerts ?? []),
  ]);

  // Healthy: the primary target's SNI through dc1's gateway reaches dc1's instance.
  const before = randomBytes(48 * 1024);
  const first = await mtls(g1.bound.port, g1.bound.address, primarySni, leaf, ca, before);
  expect(first.back.equals(before)).toBe(true);
  expect(first.peer).toContain(`URI:spiffe://${trustDomain}/ns/default/dc/dc1/svc/${SVC}`);
  expect(dc1.received).toBe(before.length);
  expect(dc2.received).toBe(0);
  expect(g1.run.gw.stats.routes.get(`local:${SVC}`)).toBe(1);

  // dc1's instance fails its health check: Consul drops its sidecar from the passing list, dc1's gateway follows.
  await api('dc1', 'PUT', `/v1/agent/check/fail/${SVC}-alive?note=failover-test`);
  await endpointsUntil(g1.run, `local:${SVC}`, (e) => e.length === 0);
  await expect(mtls(g1.bound.port, g1.bound.address, primarySni, leaf, ca, before)).rejects.toThrow();

  // Failover: the chain's failover target SNI through dc1's gateway → dc2's gateway → dc2's sidecar.
  const after = randomBytes(256 * 1024);
  const second = await mtls(g1.bound.port, g1.bound.address, failoverSni, leaf, ca, after);
  expect(second.back.equals(after)).toBe(true);
  expect(second.peer).toContain(`URI:spiffe://${trustDomain}/ns/default/dc/dc2/svc/${SVC}`);
  expect(dc1.received).toBe(before.length);
  expect(dc2.received).toBe(after.length);
  expect(g1.run.gw.stats.routes.get('remote:dc2')).toBe(1);
  expect(g2.run.gw.stats.routes.get(`local:${SVC}`)).toBe(1);
}
