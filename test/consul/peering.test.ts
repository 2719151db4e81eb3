/**
 * Cluster peering against real Consul: two independent single-server clusters (not WAN-joined: own primaries, own
 * CAs and trust domains; test/consul/peering-harness.ts), the peered fixture test/fixtures/peered-live (the example
 * environments/peered with the live cluster IDs, no gateways running).
 *
 * Proven here: `meshcc plan` shows the peering to establish; `meshcc apply` writes each cluster's entries to its own
 * Consul and establishes the peering (both sides ACTIVE), printing no token; a second apply changes nothing; every
 * service's chain in each cluster equals Consul's `/v1/discovery-chain` (peer failover and redirect targets
 * included); the importing side sees the exported instances (`/v1/health/service/<svc>?peer=<name>`: imported instances carry their sidecar in them) and, once the
 * local instances are gone, the peer's are what the failover target resolves to; a peering deleted out of band is
 * drift (MC5015, with the fix) and the next apply re-establishes it; swapped addresses are refused (MC5014).
 * The generated service definition of payments (JSON and its HCL twin), loaded with `consul services register`,
 * gives its sidecar the peered upstream as `DestinationPeer` (the chain upstreams without one).
 * The data plane through mesh gateways (PeerThroughMeshGateways) is not run here: no gateway runs in this harness.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileClusters, type PeeredCompilation } from '../../src/compiler/compile-clusters.ts';
import { emitPeered } from '../../src/emit/peered.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { CONSUL_BIN, consulAvailable, MISSING_MESSAGE } from './harness.ts';
import { type PeeredPair, startPeeredPair, stopPeeredPair } from './peering-harness.ts';
import { api, chainPairs, eventually, states } from './peering-live.ts';

const FIXTURE = 'test/fixtures/peered-live';
const skip = !consulAvailable();
if (skip) console.warn(`\n${MISSING_MESSAGE}\n`);

describe.skipIf(skip)('cluster peering on two independent real Consul clusters', () => {
  let pair: PeeredPair;
  let flags: string[];
  let pc: PeeredCompilation;

  beforeAll(async () => {
    pair = await startPeeredPair();
    process.env.MESHCC_TEST_PEER_A_ID = pair.a.clusterId;
    process.env.MESHCC_TEST_PEER_B_ID = pair.b.clusterId;
    flags = ['--consul-cluster', `a=${pair.a.addr}`, '--consul-cluster', `b=${pair.b.addr}`, '--wait', '60'];
    const loaded = await loadEnvironment(FIXTURE, repoRoot);
    pc = compileClusters(loaded.model);
  });
  afterAll(async () => {
    if (pair) await stopPeeredPair(pair);
  });

  it('the two clusters are independent: own datacenters only, different trust domains', async () => {
    expect(await api<string[]>(pair.a.addr, 'GET', '/v1/catalog/datacenters')).toEqual(['pa1']);
    expect(await api<string[]>(pair.b.addr, 'GET', '/v1/catalog/datacenters')).toEqual(['pb1']);
    expect(pair.a.trustDomain).not.toBe(pair.b.trustDomain);
  });

  it('refuses swapped addresses (each cluster to its own Consul only) and writes nothing', async () => {
    const r = await runCli([
      'apply',
      FIXTURE,
      '--consul-cluster',
      `a=${pair.b.addr}`,
      '--consul-cluster',
      `b=${pair.a.addr}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MC5014');
    expect(r.stderr).toContain(`the Consul at ${pair.b.addr} given for cluster 'a' is datacenter pb1`);
    expect(await api<unknown[]>(pair.a.addr, 'GET', '/v1/config/service-resolver')).toEqual([]);
    expect(await api<unknown[] | null>(pair.b.addr, 'GET', '/v1/peerings')).toEqual([]);
  });

  it('plan shows the entries per cluster and the peering to establish (exit 2)', async () => {
    const r = await runCli(['plan', FIXTURE, ...flags]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`cluster a (${pair.a.addr}):`);
    expect(r.stdout).toContain('+ service-resolver/currency');
    expect(r.stdout).toContain('+ exported-services/default');
    expect(r.stdout).toContain('+ peering b/a <- a/b: acceptor missing, dialer missing (will be established)');
  });

  it('apply writes each cluster its own entries and establishes the peering, printing no token', async () => {
    const r = await runCli(['apply', FIXTURE, ...flags]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('peering b/a <- a/b: established');
    // A peering token is base64 of JSON starting {"CA": — it must appear nowhere.
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/eyJDQSI|PeeringToken|EstablishmentSecret/);
    expect(await states(pair.a.addr)).toEqual(['b:ACTIVE']);
    expect(await states(pair.b.addr)).toEqual(['a:ACTIVE']);
    // Each cluster holds its own entries and none of the other's.
    const names = async (addr: string, kind: string) =>
      ((await api<{ Name?: string }[] | null>(addr, 'GET', `/v1/config/${kind}`)) ?? []).map((e) => e.Name ?? kind);
    expect(await names(pair.a.addr, 'service-resolver')).toEqual(['billing', 'currency']);
    expect(await names(pair.b.addr, 'service-resolver')).toEqual([]);
    expect(await names(pair.b.addr, 'exported-services')).toEqual(['default']);
    expect(await names(pair.a.addr, 'exported-services')).toEqual([]);
    expect(await names(pair.a.addr, 'mesh')).toEqual(['mesh']);
  });

  it('a second apply changes nothing and plan is clean', async () => {
    const r = await runCli(['apply', FIXTURE, ...flags]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('peering b/a <- a/b: unchanged');
    expect(r.stdout).not.toContain('applied');
    const p = await runCli(['plan', FIXTURE, ...flags]);
    expect(p.code).toBe(0);
  });

  it("every service's chain in each cluster equals Consul's /v1/discovery-chain", async () => {
    const services = ['web', 'payments', 'currency', 'ledger', 'billing'];
    let peerTargets = 0;
    for (const c of await chainPairs(pc, services, (name) => (name === 'a' ? pair.a.addr : pair.b.addr))) {
      expect(c.oursComparable, `${c.cluster}/${c.service}`).toEqual(c.liveComparable);
      peerTargets += Object.keys(c.ours.Targets).filter((t) => t.includes('.external.')).length;
    }
    // currency's failover and billing's redirect both reach the peer b.
    expect(peerTargets).toBe(2);
  });

  it('the importing cluster sees the exported instances; without local instances only the peer has them', async () => {
    const reg = (addr: string, id: string, name: string, address: string, port: number) =>
      api(addr, 'PUT', '/v1/agent/service/register', {
        ID: id,
        Name: name,
        Address: address,
        Port: port,
        Connect: { SidecarService: {} },
      });
    await reg(pair.b.addr, 'currency-b', 'currency', '127.0.0.21', 9094);
    await reg(pair.b.addr, 'ledger-b', 'ledger', '127.0.0.22', 9095);
    await reg(pair.a.addr, 'currency-a', 'currency', '127.0.0.13', 9094);
    const count = async (addr: string, path: string) => ((await api<unknown[] | null>(addr, 'GET', path)) ?? []).length;
    await eventually(
      'ledger imported from b',
      async () => (await count(pair.a.addr, '/v1/health/service/ledger?peer=b')) > 0,
    );
    await eventually(
      'currency imported from b',
      async () => (await count(pair.a.addr, '/v1/health/service/currency?peer=b')) > 0,
    );
    expect(await count(pair.a.addr, '/v1/health/connect/currency')).toBe(1);
    // The local instance goes away: the chain's failover target (currency.default.default.external.b) still has one.
    await api(pair.a.addr, 'PUT', '/v1/agent/service/deregister/currency-a');
    await eventually(
      'local currency gone',
      async () => (await count(pair.a.addr, '/v1/health/connect/currency')) === 0,
    );
    expect(await count(pair.a.addr, '/v1/health/service/currency?peer=b')).toBe(1);
    const peering = await api<{ StreamStatus?: { ImportedServices?: string[] } }>(pair.a.addr, 'GET', '/v1/peering/b');
    expect([...(peering.StreamStatus?.ImportedServices ?? [])].sort()).toEqual(
      expect.arrayContaining(['currency', 'ledger']),
    );
  });

  it("payments' generated service definition (JSON and HCL) registers its peered upstream as DestinationPeer", async () => {
    const files = emitPeered(pc).filter((a) => a.path.startsWith('clusters/a/pa1/agent/services/payments.'));
    expect(files.map((a) => a.path).sort()).toEqual([
      'clusters/a/pa1/agent/services/payments.hcl',
      'clusters/a/pa1/agent/services/payments.json',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'meshcc-peer-reg-'));
    try {
      for (const a of files) {
        const file = join(dir, a.path.split('/').at(-1)!);
        writeFileSync(file, a.content);
        // The way a team loads a definition file: the CLI parses it as agent config and registers it.
        execFileSync(CONSUL_BIN, ['services', 'register', `-http-addr=${pair.a.addr}`, file], { stdio: 'pipe' });
        const sidecar = await api<{ Proxy: { Upstreams: Record<string, unknown>[] } }>(
          pair.a.addr,
          'GET',
          '/v1/agent/service/payments-sidecar-proxy',
        );
        const ledger = sidecar.Proxy.Upstreams.find((u) => u.DestinationName === 'ledger');
        expect(ledger, a.path).toMatchObject({ DestinationPeer: 'b', LocalBindPort: 9095 });
        // The chain upstreams stay local (no peer).
        const currency = sidecar.Proxy.Upstreams.find((u) => u.DestinationName === 'currency');
        expect(currency?.DestinationPeer ?? '', a.path).toBe('');
        await api(pair.a.addr, 'PUT', '/v1/agent/service/deregister/payments');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a peering deleted out of band is drift with a fix, and apply re-establishes it', async () => {
    await api(pair.a.addr, 'DELETE', '/v1/peering/b');
    await eventually('dialer half gone', async () => !(await states(pair.a.addr)).some((s) => s.startsWith('b:')));
    const d = await runCli(['drift', FIXTURE, ...flags.slice(0, 4)]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('MC5015');
    expect(d.stderr).toContain("no peering 'b' in cluster a (dialer): deleted, or never established");
    expect(d.stderr).toContain('run `meshcc apply`');
    const r = await runCli(['apply', FIXTURE, ...flags]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('peering b/a <- a/b: established');
    expect(await states(pair.a.addr)).toEqual(['b:ACTIVE']);
    expect(await states(pair.b.addr)).toEqual(['a:ACTIVE']);
    const clean = await runCli(['drift', FIXTURE, ...flags.slice(0, 4)]);
    expect(clean.code).toBe(0);
  });
});
