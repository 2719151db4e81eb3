/**
 * Cluster peering THROUGH TWO BUNDLED GATEWAYS against real Consul: the two independent clusters of
 * `peering-harness.ts` (own primaries, CAs and trust domains, not WAN-joined), each with one meshcc gateway started
 * by `peering-gateway-harness.ts` as its own process with the runtime config `meshcc synth` writes for
 * `test/fixtures/peered-gateways-live` (the peered example with `PeerThroughMeshGateways` in both clusters' `mesh`
 * entry, mode `local`, one bundled gateway per primary). The gateways register themselves as `mesh-gateway`.
 *
 * Proven: the acceptor's peering token names its gateway's WAN address as the only server address (decoded here,
 * never printed); `meshcc apply` establishes the peering (ACTIVE on both sides) with the dialer's servers going out
 * through their own gateway (LAN) and in through the acceptor's (WAN) to the acceptor's gRPC TLS port, by the SNI
 * `server.<acceptor dc>.peering.<acceptor trust domain>` (both access logs show it: route `peer:b` on the dialer's
 * gateway, `peering-server:pb1` on the acceptor's); exported services are imported over that stream; every
 * service's chain in both clusters equals `/v1/discovery-chain`; a stopped acceptor gateway breaks the stream
 * (Consul reports the peering FAILING, `meshcc drift` reports it as MC5015) and after the gateway is back the
 * peering is ACTIVE again and drift is clean. Every process listens on loopback and is stopped in afterAll.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileClusters, type PeeredCompilation } from '../../src/compiler/compile-clusters.ts';
import { buildEntryIndex } from '../../src/compiler/entry-index.ts';
import { compileChain } from '../../src/compiler/passes/compile-chains.ts';
import { sortKeys } from '../../src/emit/artifact.ts';
import { emitPeered } from '../../src/emit/peered.ts';
import type { AccessRecord } from '../../src/gateway/access-log.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { alive, consulAvailable, killClusterNow, MISSING_MESSAGE } from './harness.ts';
import {
  accessRecords,
  PEER_GW_LAN_PORT,
  PEER_GW_WAN_PORT,
  type PeerGateway,
  peerGatewayIps,
  preparePeerGateway,
  type Side,
  setPeerGatewayFixtureEnv,
  startPeerGateway,
  stderrOf,
  stopPeerGateway,
} from './peering-gateway-harness.ts';
import { type PeeredPair, startPeeredPair, stopPeeredPair } from './peering-harness.ts';

const FIXTURE = 'test/fixtures/peered-gateways-live';
const skip = !consulAvailable();
if (skip) console.warn(`\n${MISSING_MESSAGE}\n`);

async function api<T>(addr: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${addr}${path}`, {
    method,
    signal: AbortSignal.timeout(10_000),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function eventually(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function withoutServerFields(chain: unknown): unknown {
  const c = { ...(chain as Record<string, unknown>) };
  delete c.CustomizationHash;
  delete c.AutoVirtualIPs;
  delete c.ManualVirtualIPs;
  return sortKeys(c);
}

const states = async (addr: string) =>
  (await api<{ Name: string; State: string }[] | null>(addr, 'GET', '/v1/peerings'))?.map(
    (p) => `${p.Name}:${p.State}`,
  ) ?? [];

describe.skipIf(skip)('cluster peering through two bundled gateways (PeerThroughMeshGateways)', () => {
  let pair: PeeredPair;
  let flags: string[];
  let pc: PeeredCompilation;
  let ips: Record<Side, string>;
  const gws = {} as Record<Side, PeerGateway>;
  const emitted = {} as Record<Side, Record<string, unknown>>;
  /** The peering server name of the acceptor (b): `connect.PeeringServerSAN(pb1, <b trust domain>)`. */
  let serverName: string;

  beforeAll(async () => {
    pair = await startPeeredPair();
    try {
      setPeerGatewayFixtureEnv(pair);
      ips = peerGatewayIps(pair);
      serverName = `server.pb1.peering.${pair.b.trustDomain}`;
      flags = ['--consul-cluster', `a=${pair.a.addr}`, '--consul-cluster', `b=${pair.b.addr}`, '--wait', '60'];
      const loaded = await loadEnvironment(FIXTURE, repoRoot);
      pc = compileClusters(loaded.model);
      const artifacts = emitPeered(pc);
      for (const [side, dc] of [
        ['a', 'pa1'],
        ['b', 'pb1'],
      ] as const) {
        const file = artifacts.find((x) => x.path === `clusters/${side}/${dc}/gateway/mesh-gateway.json`);
        if (!file) throw new Error(`no gateway artifact for cluster ${side}`);
        emitted[side] = JSON.parse(file.content) as Record<string, unknown>;
        gws[side] = preparePeerGateway(pair, side, file.content);
      }
      await Promise.all([startPeerGateway(gws.a), startPeerGateway(gws.b)]);
    } catch (e) {
      for (const g of Object.values(gws)) await stopPeerGateway(g, 'SIGKILL');
      await stopPeeredPair(pair);
      throw e;
    }
  }, 180_000);

  afterAll(async () => {
    for (const g of Object.values(gws)) await stopPeerGateway(g, 'SIGKILL');
    if (pair) {
      await stopPeeredPair(pair);
      killClusterNow(pair.root);
    }
  });

  it('runs the gateway configs meshcc emits: peering routes on both sides, self-registration', () => {
    const routes = (s: Side) => emitted[s].routes as Record<string, unknown>;
    // The acceptor's gateway takes peers' server connections to its servers (discovered from Consul).
    expect(routes('b').peering).toEqual({ servers: [] });
    // The dialer's gateway sends the acceptor's server name (and the imported services' names) to b's gateway.
    const peers = routes('a').peers as { peer: string; snis: string[]; gateways: unknown[] }[];
    expect(peers.map((p) => p.peer)).toEqual(['b']);
    expect(peers[0]?.snis).toContain(serverName);
    expect(peers[0]?.gateways).toEqual([{ address: ips.b, port: PEER_GW_WAN_PORT }]);
    for (const s of ['a', 'b'] as const) {
      expect((emitted[s].consul as { register: unknown }).register).toEqual({
        id: 'mesh-gateway',
        lan: { address: ips[s], port: PEER_GW_LAN_PORT },
        wan: { address: ips[s], port: PEER_GW_WAN_PORT },
      });
    }
  });

  it('apply writes the mesh entries and establishes the peering ACTIVE on both sides through the gateways', async () => {
    const r = await runCli(['apply', FIXTURE, ...flags]);
    expect(r.stderr, stderrOf(gws.a) + stderrOf(gws.b)).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+ mesh/mesh');
    expect(r.stdout).toContain('peering b/a <- a/b: established');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/eyJDQSI|PeeringToken|EstablishmentSecret/);
    expect(await states(pair.a.addr)).toEqual(['b:ACTIVE']);
    expect(await states(pair.b.addr)).toEqual(['a:ACTIVE']);
    for (const addr of [pair.a.addr, pair.b.addr]) {
      const mesh = await api<{ Peering?: { PeerThroughMeshGateways?: boolean } }>(addr, 'GET', '/v1/config/mesh/mesh');
      expect(mesh.Peering?.PeerThroughMeshGateways).toBe(true);
    }
    // The dialer keeps the token's server addresses: b's gateway (WAN), not b's server.
    const dialer = await api<{ PeerServerAddresses: string[]; PeerServerName: string }>(
      pair.a.addr,
      'GET',
      '/v1/peering/b',
    );
    expect(dialer.PeerServerAddresses).toEqual([`${ips.b}:${PEER_GW_WAN_PORT}`]);
    expect(dialer.PeerServerName).toBe(serverName);
    // Both gateways routed the peering stream (counted when routed; the connection stays open).
    const routed = async (g: PeerGateway) =>
      (await api<{ routed: Record<string, number> }>(g.admin, 'GET', '/stats')).routed;
    expect((await routed(gws.a))['peer:b']).toBeGreaterThan(0);
    expect((await routed(gws.b))['peering-server:pb1']).toBeGreaterThan(0);
  });

  it("the acceptor's token names its gateway's WAN address as the only server address (decoded, never printed)", async () => {
    const { PeeringToken } = await api<{ PeeringToken: string }>(pair.b.addr, 'POST', '/v1/peering/token', {
      PeerName: 'probe',
    });
    try {
      const tok = JSON.parse(Buffer.from(PeeringToken, 'base64').toString('utf8')) as {
        ServerAddresses?: string[];
        ServerName?: string;
        Remote?: { Datacenter?: string };
      };
      expect(tok.ServerAddresses).toEqual([`${ips.b}:${PEER_GW_WAN_PORT}`]);
      expect(tok.ServerName).toBe(serverName);
      expect(tok.Remote?.Datacenter).toBe('pb1');
    } finally {
      await api(pair.b.addr, 'DELETE', '/v1/peering/probe');
    }
    await eventually(
      'probe peering deleted',
      async () => !(await states(pair.b.addr)).some((s) => s.startsWith('probe:')),
    );
  });
  it('the dialer imports the exported services, under the names both gateways route', async () => {
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
    type Entry = {
      Service: {
        Address: string;
        Port: number;
        TaggedAddresses?: Record<string, { Address: string; Port: number }>;
        Connect?: { PeerMeta?: { SNI?: string[] } };
      };
    };
    const get = async (path: string) => (await api<Entry[] | null>(pair.a.addr, 'GET', path)) ?? [];
    const bLocal = (emitted.b.routes as { local: { sni: string }[] }).local.map((l) => l.sni);
    const aPeer = (emitted.a.routes as { peers: { snis: string[] }[] }).peers[0]?.snis ?? [];
    for (const svc of ['currency', 'ledger']) {
      await eventually(
        `${svc} imported from b`,
        async () => (await get(`/v1/health/connect/${svc}?peer=b`)).length > 0,
      );
      // The instance itself, as registered in b.
      expect((await get(`/v1/health/service/${svc}?peer=b`)).map((e) => e.Service.Address)).toEqual([
        svc === 'currency' ? '127.0.0.21' : '127.0.0.22',
      ]);
      // Its sidecar, as Consul replicates it when the exporter has a mesh gateway: b's gateway (LAN address and
      // port, WAN tagged address), with the name importers dial it by (PeeredServiceSNI: b's name for a, b's trust
      // domain). b's gateway routes that name to the local sidecars, a's gateway to b's gateway.
      const proxies = await get(`/v1/health/connect/${svc}?peer=b`);
      expect(proxies.map((e) => [e.Service.Address, e.Service.Port, e.Service.TaggedAddresses?.wan])).toEqual([
        [ips.b, PEER_GW_LAN_PORT, { Address: ips.b, Port: PEER_GW_WAN_PORT }],
      ]);
      const sni = `${svc}.default.default.a.external.${pair.b.trustDomain}`;
      expect(proxies.flatMap((e) => e.Service.Connect?.PeerMeta?.SNI ?? [])).toEqual([sni]);
      expect(bLocal).toContain(sni);
      expect(aPeer).toContain(sni);
    }
    const peering = await api<{ StreamStatus?: { ImportedServices?: string[] } }>(pair.a.addr, 'GET', '/v1/peering/b');
    expect([...(peering.StreamStatus?.ImportedServices ?? [])].sort()).toEqual(
      expect.arrayContaining(['currency', 'ledger']),
    );
  });

  it("every service's chain in each cluster equals Consul's /v1/discovery-chain (mode local, peer targets)", async () => {
    const services = ['web', 'payments', 'currency', 'ledger', 'billing'];
    let peerTargets = 0;
    for (const c of pc.clusters) {
      const addr = c.cluster.name === 'a' ? pair.a.addr : pair.b.addr;
      const index = buildEntryIndex(c.compilation.model.entries.map((d) => d)).value;
      for (const svc of services) {
        const ours = compileChain({
          serviceName: svc,
          evaluateInDatacenter: c.cluster.primaryDatacenter,
          trustDomain: c.cluster.trustDomain,
          entries: index,
        });
        if (!('chain' in ours)) throw new Error(`${c.cluster.name} ${svc}: ${ours.error.message}`);
        const live = await api<{ Chain: unknown }>(addr, 'GET', `/v1/discovery-chain/${svc}`);
        expect(withoutServerFields(ours.chain), `${c.cluster.name}/${svc}`).toEqual(withoutServerFields(live.Chain));
        for (const [id, t] of Object.entries(ours.chain.Targets)) {
          expect(t.MeshGateway, `${c.cluster.name}/${svc} ${id}`).toEqual({ Mode: 'local' });
          if (id.includes('.external.')) peerTargets++;
        }
      }
    }
    // currency's failover and billing's redirect both reach the peer b.
    expect(peerTargets).toBe(2);
  });

  it('a stopped acceptor gateway breaks the stream: access logs, FAILING, drift; back up, the peering is ACTIVE again', async () => {
    // Stopping b's gateway closes the peering stream on both gateways: each writes its line for it.
    await stopPeerGateway(gws.b);
    await eventually('the stream closed on the dialer gateway too', async () =>
      accessRecords(gws.a).some((r) => r.sni === serverName),
    );
    const streams = (g: PeerGateway) =>
      accessRecords(g).filter((r: AccessRecord) => r.sni === serverName && r.bytesIn > 0 && r.bytesOut > 0);
    const out = streams(gws.a);
    const into = streams(gws.b);
    expect(out.length, JSON.stringify(accessRecords(gws.a).slice(-5))).toBeGreaterThan(0);
    expect(into.length, JSON.stringify(accessRecords(gws.b).slice(-5))).toBeGreaterThan(0);
    // Out of a: the servers dial their gateway's LAN listener, which sends the acceptor's server name to b's gateway.
    for (const r of out)
      expect([r.listener, r.route, r.upstream]).toEqual(['lan', 'peer:b', `${ips.b}:${PEER_GW_WAN_PORT}`]);
    // Into b: the WAN listener takes it to b's server's gRPC TLS port.
    for (const r of into)
      expect([r.listener, r.route, r.upstream]).toEqual(['wan', 'peering-server:pb1', `${pair.b.ip}:8503`]);
    // No server name was refused by either gateway.
    const refused = [...accessRecords(gws.a), ...accessRecords(gws.b)].filter((r) => r.reason === 'no-route');
    expect(refused).toEqual([]);

    // Consul notices: the dialer's stream fails (its retries through a's gateway find no b gateway behind it).
    await eventually(
      'the dialer reports the peering FAILING',
      async () => (await states(pair.a.addr)).includes('b:FAILING'),
      60_000,
    );
    const d = await runCli(['drift', FIXTURE, ...flags.slice(0, 4)]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('MC5015');
    expect(d.stderr).toContain("peering 'b' in cluster a (dialer) is FAILING");
    expect(d.stderr).toContain('run `meshcc apply`');

    // The gateway comes back: Consul's retry loop re-opens the stream through both gateways.
    const before = (await api<{ routed: Record<string, number> }>(gws.a.admin, 'GET', '/stats')).routed['peer:b'] ?? 0;
    await startPeerGateway(gws.b);
    await eventually(
      'ACTIVE on both sides again',
      async () => (await states(pair.a.addr)).includes('b:ACTIVE') && (await states(pair.b.addr)).includes('a:ACTIVE'),
      120_000,
    );
    const clean = await runCli(['drift', FIXTURE, ...flags.slice(0, 4)]);
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);
    const routed = async (g: PeerGateway) =>
      (await api<{ routed: Record<string, number> }>(g.admin, 'GET', '/stats')).routed;
    expect((await routed(gws.b))['peering-server:pb1']).toBeGreaterThan(0);
    // ...and the dialer's servers came through their own gateway again.
    expect((await routed(gws.a))['peer:b']).toBeGreaterThan(before);
  }, 240_000);
  it('a stopped gateway deregisters itself and leaves no process behind', async () => {
    for (const side of ['a', 'b'] as const) {
      const g = gws[side];
      const pid = Number(readFileSync(g.pidFile, 'utf8'));
      expect(alive(pid)).toBe(true);
      await stopPeerGateway(g);
      expect(alive(pid)).toBe(false);
      expect(await api<unknown[]>(g.cluster.addr, 'GET', '/v1/catalog/service/mesh-gateway')).toEqual([]);
      expect(stderrOf(g)).toContain('meshcc-gateway: draining');
    }
  });
});
