/**
 * The data plane of cluster peering THROUGH BOTH BUNDLED GATEWAYS, with real Consul deciding everything and the xDS
 * stand-in sidecar (test/support/xds-sidecar; docs/testing.md) in place of Envoy, which cannot run here.
 *
 * Two independent clusters (peering-harness.ts, own pair on third octet 69: own CAs and trust domains), one meshcc
 * gateway each (peering-gateway-harness.ts, the runtime config meshcc emits), the environment
 * test/fixtures/peered-dataplane-live applied with `meshcc apply` (peering with PeerThroughMeshGateways, exports,
 * intentions from the peer, failover to the peer), the services registered from meshcc's emitted definitions, one
 * stand-in per sidecar. Proven:
 * - web (a) → ledger (b only, `destination_peer`) goes web's sidecar → a's gateway (the endpoint Consul gives in
 *   mode local) → b's gateway → ledger's sidecar, mTLS across the two CAs: web checks ledger's SPIFFE ID against b's
 *   roots (the peer's trust bundle Consul sent), ledger's sidecar validates web's certificate with a's bundle in the
 *   SPIFFE validator config; each gateway counts the connection;
 * - the intention from the peer is enforced: turned to deny (meshcc apply), ledger's sidecar refuses web's
 *   connection by the RBAC Consul built for the peer source; allowed again, it flows;
 * - web → api stays in a while a's instance is healthy and fails over to b's api (the peer target of Consul's chain,
 *   through both gateways) when it goes critical or is deregistered, and back when it recovers.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileClusters } from '../../src/compiler/compile-clusters.ts';
import { emitPeered } from '../../src/emit/peered.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import {
  consulApi as api,
  echoApp,
  forgedCertificate,
  publicListener,
  roundTrip,
  type StandIn,
  type StandInCluster,
  type StandInConfig,
  startStandIn,
  tlsRoundTrip,
  xdsSidecarBinary,
} from '../support/xds-sidecar.ts';
import { CONSUL_BIN, consulAvailable, killClusterNow, MISSING_MESSAGE } from './harness.ts';
import {
  PEER_GW_LAN_PORT,
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

const FIXTURE = 'test/fixtures/peered-dataplane-live';
const available = consulAvailable();
if (!available) console.warn(`\n${MISSING_MESSAGE}\n`);
const bin = available ? xdsSidecarBinary() : undefined;

describe.skipIf(!available || !bin)(
  'stand-in sidecar (Envoy cannot run here) driven by Consul xDS: cluster peering through both bundled gateways',
  () => {
    let pair: PeeredPair;
    let flags: string[];
    let ips: Record<Side, string>;
    const gws = {} as Record<Side, PeerGateway>;
    const standIns: Record<string, StandIn> = {};
    const apps: Server[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'meshcc-xdsp-'));
    let IP: { web: string; apiA: string; apiB: string; ledger: string };
    const web = () => standIns.web as StandIn;

    const apply = async (ledgerAction: 'allow' | 'deny') => {
      process.env.MESHCC_TEST_XDSP_LEDGER_ACTION = ledgerAction;
      const r = await runCli(['apply', FIXTURE, ...flags]);
      expect(r.stderr, stderrOf(gws.a) + stderrOf(gws.b)).toBe('');
      expect(r.code).toBe(0);
    };
    const routed = async (g: PeerGateway) =>
      (await api<{ routed: Record<string, number> }>(g.admin, 'GET', '/stats')).routed;
    /** web's failover targets for api, in Consul's order (the aggregate cluster's children). */
    const targets = (c: StandInConfig): StandInCluster[] => {
      const agg = c.clusters[c.listeners[`api:${IP.web}:9191`]?.cluster ?? ''];
      return (agg?.children ?? []).map((n) => c.clusters[n]).filter((x): x is StandInCluster => x !== undefined);
    };
    const ledgerCluster = (c: StandInConfig) => c.clusters[c.listeners[`ledger?peer=b:${IP.web}:9192`]?.cluster ?? ''];
    const healthy = (cl: StandInCluster | undefined) => cl?.endpoints.some((e) => e.health === 'HEALTHY') ?? false;

    beforeAll(async () => {
      const apiA = await echoApp('api@a');
      const apiB = await echoApp('api@b');
      const ledger = await echoApp('ledger@b');
      apps.push(apiA.server, apiB.server, ledger.server);
      pair = await startPeeredPair(69);
      try {
        setPeerGatewayFixtureEnv(pair);
        ips = peerGatewayIps(pair);
        const block = pair.a.ip.split('.').slice(0, 3).join('.');
        IP = { web: `${block}.31`, apiA: `${block}.32`, apiB: `${block}.41`, ledger: `${block}.42` };
        Object.assign(process.env, {
          MESHCC_TEST_XDSP_WEB_IP: IP.web,
          MESHCC_TEST_XDSP_WEB_PORT: '1',
          MESHCC_TEST_XDSP_API_A_IP: IP.apiA,
          MESHCC_TEST_XDSP_API_A_PORT: String(apiA.port),
          MESHCC_TEST_XDSP_API_B_IP: IP.apiB,
          MESHCC_TEST_XDSP_API_B_PORT: String(apiB.port),
          MESHCC_TEST_XDSP_LEDGER_IP: IP.ledger,
          MESHCC_TEST_XDSP_LEDGER_PORT: String(ledger.port),
          MESHCC_TEST_XDSP_LEDGER_ACTION: 'allow',
        });
        flags = ['--consul-cluster', `a=${pair.a.addr}`, '--consul-cluster', `b=${pair.b.addr}`, '--wait', '60'];
        const artifacts = emitPeered(compileClusters((await loadEnvironment(FIXTURE, repoRoot)).model));
        for (const [side, dc] of [
          ['a', 'pa1'],
          ['b', 'pb1'],
        ] as const) {
          const file = artifacts.find((x) => x.path === `clusters/${side}/${dc}/gateway/mesh-gateway.json`);
          if (!file) throw new Error(`no gateway artifact for cluster ${side}`);
          gws[side] = preparePeerGateway(pair, side, file.content);
        }
        await Promise.all([startPeerGateway(gws.a), startPeerGateway(gws.b)]);
        await apply('allow');
        // The services as meshcc emits them for each cluster's VM datacenter.
        for (const a of artifacts.filter((x) => /^clusters\/[ab]\/[^/]+\/agent\/services\/.*\.json$/.test(x.path))) {
          const side = a.path.split('/')[1] as Side;
          const file = join(dir, a.path.replaceAll('/', '_'));
          writeFileSync(file, a.content);
          execFileSync(CONSUL_BIN, ['services', 'register', `-http-addr=${pair[side].addr}`, file], { stdio: 'pipe' });
        }
        const xds = (s: Side) => `${pair[s].ip}:8502`;
        standIns.apiA = await startStandIn(bin as string, xds('a'), 'api-sidecar-proxy');
        standIns.apiB = await startStandIn(bin as string, xds('b'), 'api-sidecar-proxy');
        standIns.ledger = await startStandIn(bin as string, xds('b'), 'ledger-sidecar-proxy');
        standIns.web = await startStandIn(bin as string, xds('a'), 'web-sidecar-proxy');
        for (const s of ['apiA', 'apiB', 'ledger'])
          await (standIns[s] as StandIn).until('public listener bound', (c) => publicListener(c)?.bound === true);
        // a imports b's api and ledger (their sidecars healthy in b), and web's sidecar has healthy endpoints for all.
        await web().until(
          'healthy endpoints for api (both targets) and ledger',
          (c) =>
            targets(c).length === 2 &&
            targets(c).every(healthy) &&
            healthy(ledgerCluster(c)) &&
            Object.values(c.listeners).every((l) => l.bound),
          90_000,
        );
      } catch (e) {
        for (const s of Object.values(standIns)) await s.stop();
        for (const g of Object.values(gws)) await stopPeerGateway(g, 'SIGKILL');
        await stopPeeredPair(pair);
        throw e;
      }
    }, 240_000);

    afterAll(async () => {
      for (const s of Object.values(standIns)) await s.stop();
      for (const g of Object.values(gws)) await stopPeerGateway(g, 'SIGKILL');
      if (pair) {
        await stopPeeredPair(pair);
        killClusterNow(pair.root);
      }
      for (const s of apps) s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('web → ledger (b) through both gateways, with mTLS across the two CAs as Consul configured it', async () => {
      const c = await web().config();
      const ledger = ledgerCluster(c);
      // Mode local: the peer's service is reached at this cluster's gateway (LAN), by the peered SNI b serves.
      expect(ledger?.endpoints.map((e) => e.address)).toEqual([`${ips.a}:${PEER_GW_LAN_PORT}`]);
      expect(ledger?.tls?.sni).toBe(`ledger.default.default.a.external.${pair.b.trustDomain}`);
      // The server must be ledger in b's trust domain (or b's mesh gateway, which Consul also accepts for peers).
      expect(ledger?.tls?.subjectAltNames).toEqual([
        `URI {"exact":"spiffe://${pair.b.trustDomain}/ns/default/dc/pb1/svc/ledger"}`,
        `URI {"exact":"spiffe://${pair.b.trustDomain}/gateway/mesh/dc/pb1"}`,
      ]);
      expect(ledger?.tls?.certificateURIs).toEqual([`spiffe://${pair.a.trustDomain}/ns/default/dc/pa1/svc/web`]);
      // ledger's sidecar trusts a's CA for the peer (SPIFFE validator with both bundles) and presents b's identity.
      const lp = publicListener(await (standIns.ledger as StandIn).config());
      expect([...((lp?.tls?.spiffeTrustDomains as string[]) ?? [])].sort()).toEqual(
        [pair.a.trustDomain, pair.b.trustDomain].sort(),
      );
      expect(lp?.tls?.certificateURIs).toEqual([`spiffe://${pair.b.trustDomain}/ns/default/dc/pb1/svc/ledger`]);

      // Counted per route when routed: a's gateway sends it to the peer (route `peer:b`, which the long-lived
      // peering stream shares, so at least one more), b's gateway to ledger's sidecar (exactly this connection).
      const before = { a: (await routed(gws.a))['peer:b'] ?? 0, b: (await routed(gws.b))['local:ledger'] ?? 0 };
      expect(await roundTrip(IP.web, 9192)).toBe('ledger@b:ping\n');
      expect((await routed(gws.a))['peer:b']).toBeGreaterThan(before.a);
      expect((await routed(gws.b))['local:ledger']).toBe(before.b + 1);
      const arrived = (standIns.ledger as StandIn).events.filter((e) => e.event === 'connected').at(-1);
      expect(arrived?.peer).toBe(`spiffe://${pair.a.trustDomain}/ns/default/dc/pa1/svc/web`);
    });

    it("ledger's sidecar takes a's real certificates by a's bundle, and refuses forged ones and unknown trust domains", async () => {
      const port = 21000;
      const aWeb = `spiffe://${pair.a.trustDomain}/ns/default/dc/pa1/svc/web`;
      // web's real leaf from a's CA, straight to ledger's public listener in b: the peer bundle Consul sent accepts it.
      const leaf = await api<{ CertPEM: string; PrivateKeyPEM: string }>(
        pair.a.addr,
        'GET',
        '/v1/agent/connect/ca/leaf/web',
      );
      const ok = await tlsRoundTrip(IP.ledger, port, { cert: leaf.CertPEM, key: leaf.PrivateKeyPEM });
      expect(ok.answer).toBe('ledger@b:ping\n');
      expect(ok.serverSan).toBe(`URI:spiffe://${pair.b.trustDomain}/ns/default/dc/pb1/svc/ledger`);
      // The same identity not signed by a's CA, and an identity of a trust domain b has no bundle for: refused.
      expect((await tlsRoundTrip(IP.ledger, port, forgedCertificate(aWeb))).answer).toBe('');
      const stranger = 'spiffe://00000000-0000-0000-0000-000000000000.consul/ns/default/dc/x/svc/web';
      expect((await tlsRoundTrip(IP.ledger, port, forgedCertificate(stranger))).answer).toBe('');
      await (standIns.ledger as StandIn).until('both refusals logged', () => {
        const errors = (standIns.ledger as StandIn).events
          .filter((e) => e.event === 'tls-refused')
          .map((e) => String(e.error));
        return (
          errors.some((e) => e.includes('certificate signed by unknown authority')) &&
          errors.some((e) =>
            e.includes('no trust bundle for trust domain "00000000-0000-0000-0000-000000000000.consul"'),
          )
        );
      });
    });

    it('enforces the intention from the peer: denied by meshcc apply, refused at ledger; allowed again, it flows', async () => {
      await apply('deny');
      // Consul's RBAC for ledger names the peer source: web in a's trust domain (from a's trust bundle).
      await (standIns.ledger as StandIn).until('the deny for peer a/web in RBAC', (c) => {
        const rbac = JSON.stringify(publicListener(c)?.rbac ?? null);
        return rbac.includes('"DENY"') && rbac.includes(`^spiffe://${pair.a.trustDomain}/ns/default/dc/[^/]+/svc/web$`);
      });
      expect(await roundTrip(IP.web, 9192)).toBe('');
      const denied = (standIns.ledger as StandIn).events.filter((e) => e.event === 'rbac-denied').at(-1);
      expect(denied?.peer).toBe(`spiffe://${pair.a.trustDomain}/ns/default/dc/pa1/svc/web`);
      await apply('allow');
      await (standIns.ledger as StandIn).until(
        'no deny in RBAC',
        (c) => !JSON.stringify(publicListener(c)?.rbac ?? null).includes('/svc/web'),
      );
      expect(await roundTrip(IP.web, 9192)).toBe('ledger@b:ping\n');
    }, 120_000);

    it("fails web → api over to the peer through both gateways when a's instance goes critical or away", async () => {
      const c = await web().config();
      const [local, peer] = targets(c);
      expect(local?.endpoints.map((e) => e.address)).toEqual([`${IP.apiA}:21000`]);
      expect(peer?.endpoints.map((e) => e.address)).toEqual([`${ips.a}:${PEER_GW_LAN_PORT}`]);
      expect(peer?.tls?.sni).toBe(`api.default.default.a.external.${pair.b.trustDomain}`);
      expect(await roundTrip(IP.web, 9191)).toBe('api@a:ping\n');

      const untilLocal = (what: string, up: boolean) =>
        web().until(what, (x) => healthy(targets(x)[0]) === up && healthy(targets(x)[1]), 30_000);
      await api(pair.a.addr, 'PUT', '/v1/agent/service/maintenance/api?enable=true&reason=failover-test');
      await untilLocal("a's api critical", false);
      const before = { a: (await routed(gws.a))['peer:b'] ?? 0, b: (await routed(gws.b))['local:api'] ?? 0 };
      expect(await roundTrip(IP.web, 9191)).toBe('api@b:ping\n');
      expect((await routed(gws.a))['peer:b']).toBeGreaterThan(before.a);
      expect((await routed(gws.b))['local:api']).toBe(before.b + 1);
      const arrived = (standIns.apiB as StandIn).events.filter((e) => e.event === 'connected').at(-1);
      expect(arrived?.peer).toBe(`spiffe://${pair.a.trustDomain}/ns/default/dc/pa1/svc/web`);

      await api(pair.a.addr, 'PUT', '/v1/agent/service/maintenance/api?enable=false');
      await untilLocal("a's api healthy again", true);
      expect(await roundTrip(IP.web, 9191)).toBe('api@a:ping\n');

      await api(pair.a.addr, 'PUT', '/v1/agent/service/deregister/api');
      await untilLocal("a's api deregistered", false);
      expect(await roundTrip(IP.web, 9191)).toBe('api@b:ping\n');
    }, 120_000);
  },
);
