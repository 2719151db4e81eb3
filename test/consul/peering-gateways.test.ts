/**
 * Cluster peering THROUGH TWO BUNDLED GATEWAYS against real Consul: the two independent clusters of
 * `peering-harness.ts` (own primaries, CAs and trust domains, not WAN-joined), each with one meshcc gateway started
 * by `peering-gateway-harness.ts` as its own process with the runtime config `meshcc synth` writes for
 * `test/fixtures/peered-gateways-live` (the peered example with `PeerThroughMeshGateways` in both clusters' `mesh`
 * entry, mode `local`, one bundled gateway per primary). The gateways register themselves as `mesh-gateway`.
 *
 * Proven: the acceptor's peering token names its gateway's WAN address as the only server address (decoded, never
 * printed); `meshcc apply` establishes the peering (ACTIVE on both sides) with the dialer's servers going out through
 * their own gateway (LAN) and in through the acceptor's (WAN) to the acceptor's gRPC TLS port, by the SNI
 * `server.<acceptor dc>.peering.<acceptor trust domain>` (the stream is open on both gateways; their access logs show
 * it as route `peer:b` on the dialer's gateway and `peering-server:pb1` on the acceptor's, and nothing refused);
 * exported services are imported, their sidecars replicated as the acceptor's gateway with the SNI both gateways
 * route; every service's chain in both clusters equals `/v1/discovery-chain`. Failures, as Consul handles them: the
 * dialer's gateway stopped, Consul's servers fall back to the token's address (the acceptor's gateway) directly and
 * the peering stays ACTIVE; the acceptor's gateway stopped, the peering goes FAILING, `meshcc drift` reports MC5015,
 * `meshcc apply` refuses (Consul cannot make a token without a registered gateway) and deletes nothing, and once the
 * gateway is back Consul re-opens the stream by itself. Every process listens on loopback and is stopped.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeeredCompilation } from '../../src/compiler/compile-clusters.ts';
import type { AccessRecord } from '../../src/gateway/access-log.ts';
import { runCli } from '../cli/run-cli.ts';
import { alive, consulAvailable, MISSING_MESSAGE } from './harness.ts';
import {
  accessRecords,
  PEER_GW_LAN_PORT,
  PEER_GW_WAN_PORT,
  type PeeredGatewayRun,
  type PeerGateway,
  peerGatewayIps,
  type Side,
  startPeeredGatewayRun,
  startPeerGateway,
  stderrOf,
  stopPeeredGatewayRun,
  stopPeerGateway,
} from './peering-gateway-harness.ts';
import type { PeeredPair } from './peering-harness.ts';
import { api, chainPairs, eventually, states } from './peering-live.ts';

const FIXTURE = 'test/fixtures/peered-gateways-live';
const skip = !consulAvailable();
if (skip) console.warn(`\n${MISSING_MESSAGE}\n`);

describe.skipIf(skip)('cluster peering through two bundled gateways (PeerThroughMeshGateways)', () => {
  let pair: PeeredPair;
  let flags: string[];
  let pc: PeeredCompilation;
  let ips: Record<Side, string>;
  const gws = {} as Record<Side, PeerGateway>;
  const emitted = {} as Record<Side, Record<string, unknown>>;
  /** The peering server name of the acceptor (b): `connect.PeeringServerSAN(pb1, <b trust domain>)`. */
  let serverName: string;

  let run: PeeredGatewayRun | undefined;

  beforeAll(async () => {
    run = await startPeeredGatewayRun(FIXTURE);
    ({ pair, compilation: pc } = run);
    Object.assign(gws, run.gateways);
    Object.assign(emitted, run.emitted);
    ips = peerGatewayIps(pair);
    serverName = `server.pb1.peering.${pair.b.trustDomain}`;
    flags = [...run.clusterFlags, '--wait', '60'];
  }, 180_000);

  afterAll(async () => {
    if (run) await stopPeeredGatewayRun(run);
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
      // Only the non-secret fields are kept; a parse error must not quote the token either.
      let tok: { ServerAddresses?: string[]; ServerName?: string; Remote?: { Datacenter?: string } };
      try {
        const { ServerAddresses, ServerName, Remote } = JSON.parse(
          Buffer.from(PeeringToken, 'base64').toString('utf8'),
        );
        tok = { ServerAddresses, ServerName, Remote: { Datacenter: Remote?.Datacenter } };
      } catch {
        throw new Error('the peering token is not base64 JSON');
      }
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
    for (const c of await chainPairs(pc, services, (name) => (name === 'a' ? pair.a.addr : pair.b.addr))) {
      expect(c.oursComparable, `${c.cluster}/${c.service}`).toEqual(c.liveComparable);
      for (const [id, t] of Object.entries(c.ours.Targets)) {
        expect(t.MeshGateway, `${c.cluster}/${c.service} ${id}`).toEqual({ Mode: 'local' });
        if (id.includes('.external.')) peerTargets++;
      }
    }
    // currency's failover and billing's redirect both reach the peer b.
    expect(peerTargets).toBe(2);
  });

  const stats = async (g: PeerGateway) =>
    api<{ active: number; routed: Record<string, number> }>(g.admin, 'GET', '/stats');
  /** Closed connections a gateway logged for the acceptor's peering server name, with bytes both ways. */
  const streams = (g: PeerGateway) =>
    accessRecords(g).filter((r: AccessRecord) => r.sni === serverName && r.bytesIn > 0 && r.bytesOut > 0);

  it("the stream runs through the dialer's gateway; stopped, Consul falls back to the acceptor's gateway address", async () => {
    // The only connections through the gateways are the peering's: the stream is open on both.
    expect((await stats(gws.a)).active).toBeGreaterThan(0);
    expect((await stats(gws.b)).active).toBeGreaterThan(0);
    const intoB = (await stats(gws.b)).routed['peering-server:pb1'] ?? 0;
    const closedOnA = streams(gws.a).length;
    await stopPeerGateway(gws.a);
    // Stopping a's gateway closed the stream it carried: its line is in a's access log. Out of a, a's servers dial
    // their gateway's LAN listener, which sends the acceptor's server name to b's gateway.
    const out = streams(gws.a);
    expect(out.length, JSON.stringify(accessRecords(gws.a).slice(-5))).toBeGreaterThan(closedOnA);
    for (const r of out)
      expect([r.listener, r.route, r.upstream]).toEqual(['lan', 'peer:b', `${ips.b}:${PEER_GW_WAN_PORT}`]);
    // a's gateway deregistered itself first, so a's servers find no local gateway and dial the token's address (b's
    // gateway) themselves (Consul's `GetDialAddresses` falls back to the peer's addresses): a new stream on b's
    // gateway, ACTIVE again. Drift cannot tell this from peering through both gateways.
    await eventually(
      "a new peering stream on b's gateway",
      async () => ((await stats(gws.b)).routed['peering-server:pb1'] ?? 0) > intoB,
      120_000,
    );
    await eventually(
      'ACTIVE on both sides without the dialer gateway',
      async () => (await states(pair.a.addr)).includes('b:ACTIVE') && (await states(pair.b.addr)).includes('a:ACTIVE'),
      120_000,
    );
    expect((await runCli(['drift', FIXTURE, ...flags.slice(0, 4)])).code).toBe(0);
    // a's gateway back: the open stream stays where it is (Consul picks an address only when it dials).
    await startPeerGateway(gws.a);
    expect((await stats(gws.a)).active).toBe(0);
    expect(await states(pair.a.addr)).toEqual(['b:ACTIVE']);
  }, 300_000);

  it('a stopped acceptor gateway breaks the stream: access log, FAILING, drift, apply deletes nothing; back, ACTIVE', async () => {
    const closedOnB = streams(gws.b).length;
    await stopPeerGateway(gws.b);
    // Into b: the WAN listener took the stream to b's server's gRPC TLS port; stopping the gateway closed it.
    const into = streams(gws.b);
    expect(into.length, JSON.stringify(accessRecords(gws.b).slice(-5))).toBeGreaterThan(closedOnB);
    for (const r of into)
      expect([r.listener, r.route, r.upstream]).toEqual(['wan', 'peering-server:pb1', `${pair.b.ip}:8503`]);
    // No server name was refused by either gateway during the whole run.
    const refused = [...accessRecords(gws.a), ...accessRecords(gws.b)].filter((r) => r.reason === 'no-route');
    expect(refused).toEqual([]);

    // Consul notices: the dialer's stream fails (nothing listens at b's gateway address any more).
    await eventually(
      'the dialer reports the peering FAILING',
      async () => (await states(pair.a.addr)).includes('b:FAILING'),
      60_000,
    );
    const d = await runCli(['drift', FIXTURE, ...flags.slice(0, 4)]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('MC5015');
    expect(d.stderr).toContain("peering 'b' in cluster a (dialer) is FAILING");
    expect(d.stderr).toContain(
      'Consul retries the stream and the peering turns ACTIVE by itself once the path is back',
    );
    expect(d.stderr).toContain('run `meshcc apply`');
    // plan says so before apply is tried.
    const pl = await runCli(['plan', FIXTURE, ...flags.slice(0, 4)]);
    expect(pl.code).toBe(2);
    expect(pl.stdout).toContain(
      '+ peering b/a <- a/b: acceptor FAILING, dialer FAILING (cannot be established now: cluster b: servers are ' +
        'configured to PeerThroughMeshGateways, but no mesh gateway instances are registered)',
    );
    // apply cannot re-establish now (b's servers need a registered gateway for a token) and must not delete the
    // failing peering, which comes back by itself: it says so, in Consul's words, and touches nothing.
    const ap = await runCli(['apply', FIXTURE, ...flags]);
    expect(ap.code).toBe(1);
    expect(ap.stdout).toContain(
      'peering b/a <- a/b: failed (cluster b: servers are configured to PeerThroughMeshGateways, but no mesh gateway ' +
        'instances are registered (looked for mesh-gateway); nothing was deleted',
    );
    expect(await states(pair.a.addr)).toEqual(['b:FAILING']);
    expect((await states(pair.b.addr)).map((s) => s.split(':')[0])).toEqual(['a']);
    // The gateway comes back: Consul's retry loop re-opens the stream (through a's gateway or straight to b's: it
    // takes the next address of its ring on every retry).
    await startPeerGateway(gws.b);
    await eventually(
      'ACTIVE on both sides again',
      async () => (await states(pair.a.addr)).includes('b:ACTIVE') && (await states(pair.b.addr)).includes('a:ACTIVE'),
      120_000,
    );
    const clean = await runCli(['drift', FIXTURE, ...flags.slice(0, 4)]);
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);
    expect((await stats(gws.b)).routed['peering-server:pb1']).toBeGreaterThan(0);
    expect((await stats(gws.b)).active).toBeGreaterThan(0);
  }, 300_000);

  it('a crashed acceptor gateway stays registered but turns critical (its TCP check); apply deletes nothing', async () => {
    await stopPeerGateway(gws.b, 'SIGKILL');
    // No deregistration: Consul still lists it, and the check Consul's own gateway registration has catches it.
    await eventually(
      "b's gateway check critical",
      async () =>
        (await api<{ Name: string; Status: string }[]>(pair.b.addr, 'GET', '/v1/health/checks/mesh-gateway')).some(
          (c) => c.Name === 'mesh-gateway listening' && c.Status === 'critical',
        ),
      60_000,
    );
    expect(await api<unknown[]>(pair.b.addr, 'GET', '/v1/catalog/service/mesh-gateway')).toHaveLength(1);
    await eventually(
      'the dialer reports FAILING',
      async () => (await states(pair.a.addr)).includes('b:FAILING'),
      60_000,
    );
    const ap = await runCli(['apply', FIXTURE, ...flags]);
    expect(ap.code).toBe(1);
    expect(ap.stdout).toContain(
      'peering b/a <- a/b: failed (cluster b: its mesh gateways are registered but none passes its health checks ' +
        '(looked for mesh-gateway); nothing was deleted',
    );
    expect(await states(pair.a.addr)).toEqual(['b:FAILING']);
    // Started again, it registers anew (passing) and Consul re-opens the stream by itself.
    await startPeerGateway(gws.b);
    await eventually(
      'ACTIVE on both sides again',
      async () => (await states(pair.a.addr)).includes('b:ACTIVE') && (await states(pair.b.addr)).includes('a:ACTIVE'),
      120_000,
    );
    expect((await runCli(['drift', FIXTURE, ...flags.slice(0, 4)])).code).toBe(0);
  }, 300_000);

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

describe.skipIf(skip)('the same clusters and gateways WITHOUT PeerThroughMeshGateways', () => {
  let run: PeeredGatewayRun | undefined;

  beforeAll(async () => {
    run = await startPeeredGatewayRun(FIXTURE, { MESHCC_TEST_PEER_PTMG: '0' });
  }, 180_000);
  afterAll(async () => {
    delete process.env.MESHCC_TEST_PEER_PTMG;
    if (run) await stopPeeredGatewayRun(run);
  });

  it('servers peer directly, yet the exporter replicates its exported sidecars as its registered gateway', async () => {
    const r = run as PeeredGatewayRun;
    const { pair } = r;
    const ips = peerGatewayIps(pair);
    // No peering-server route and no outbound server name, but both gateways still register themselves.
    expect((r.emitted.b.routes as Record<string, unknown>).peering).toBeUndefined();
    const peers = (r.emitted.a.routes as { peers: { snis: string[] }[] }).peers;
    expect(peers[0]?.snis.some((n) => n.startsWith('server.'))).toBe(false);
    for (const s of ['a', 'b'] as const)
      expect((r.emitted[s].consul as { register?: { id: string } }).register?.id).toBe('mesh-gateway');

    const a = await runCli(['apply', FIXTURE, ...r.clusterFlags, '--wait', '60']);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('peering b/a <- a/b: established');
    // The token's server address is b's server (gRPC TLS port), not its gateway.
    const dialer = await api<{ PeerServerAddresses: string[] }>(pair.a.addr, 'GET', '/v1/peering/b');
    expect(dialer.PeerServerAddresses).toEqual([`${pair.b.ip}:8503`]);
    expect(
      Object.keys((await api<{ routed: Record<string, number> }>(r.gateways.b.admin, 'GET', '/stats')).routed),
    ).not.toContain('peering-server:pb1');

    await api(pair.b.addr, 'PUT', '/v1/agent/service/register', {
      ID: 'ledger-b',
      Name: 'ledger',
      Address: '127.0.0.22',
      Port: 9095,
      Connect: { SidecarService: {} },
    });
    type Entry = { Service: { Address: string; Port: number; Connect?: { PeerMeta?: { SNI?: string[] } } } };
    const proxies = async () =>
      (await api<Entry[] | null>(pair.a.addr, 'GET', '/v1/health/connect/ledger?peer=b')) ?? [];
    await eventually('ledger imported from b', async () => (await proxies()).length > 0);
    // Because b's gateway is registered: a's sidecars are sent to it, by the name it routes.
    expect((await proxies()).map((e) => [e.Service.Address, e.Service.Port])).toEqual([[ips.b, PEER_GW_LAN_PORT]]);
    expect((await proxies()).flatMap((e) => e.Service.Connect?.PeerMeta?.SNI ?? [])).toEqual([
      `ledger.default.default.a.external.${pair.b.trustDomain}`,
    ]);
  }, 120_000);
});
