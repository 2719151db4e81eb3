/**
 * WAN federation through meshcc's bundled gateways only, with real Consul: a two-datacenter VM mesh with one bundled
 * gateway each; the servers run meshcc's emitted agent config (`wanfed-harness.ts` changes only addresses, paths and
 * timers), so they have no direct WAN path — dc2 knows dc1 only as `primary_gateways` = dc1's gateway's WAN address —
 * and the two in-process gateways run meshcc's emitted gateway config (dc1's on the native data path when the addon
 * is built, dc2's on the JS one), each discovering its datacenter's servers from Consul and registering itself as a
 * `mesh-gateway` with the `consul-wan-federation` meta. Proven: `consul members -wan` lists both servers alive, catalog queries cross in both
 * directions, and both gateways' access logs show the server connections by route (`server:<dc>/<node>` into a
 * datacenter, `wan-server:<dc>` out of it), with no server name refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentConfig } from '../../src/emit/agent-config.ts';
import { gatewayRuntimeConfig } from '../../src/emit/gateway-config.ts';
import type { AccessRecord } from '../../src/gateway/access-log.ts';
import { ConsulDiscovery } from '../../src/gateway/consul-discovery.ts';
import { Gateway } from '../../src/gateway/server.ts';
import { compilation, dc as dcDecl, gateway, model } from '../emit/fixtures.ts';
import { gatewayConfig, MemoryLog } from '../gateway/tls-fixture.ts';
import { consulAvailable, MISSING_MESSAGE } from './harness.ts';
import {
  consulCli,
  GATEWAY_PORT,
  GATEWAY_WAN_PORT,
  logTail,
  prepareWanfed,
  startWanfedDc,
  stopWanfed,
  WANFED_IPS,
  type WanfedCluster,
  type WanfedDc,
} from './wanfed-harness.ts';

const available = consulAvailable();

/** The mesh: dc1 (primary) and dc2 on VMs, one server each, a bundled gateway each (LAN and WAN port on one address). */
const mesh = compilation(
  model('wanfed', {
    datacenters: [dcDecl('dc1', 'dc1', 'vm', { servers: 1 }), dcDecl('dc2', 'dc1', 'vm', { servers: 1 })],
    gateways: (['dc1', 'dc2'] as const).map((d) => {
      const ip = d === 'dc1' ? WANFED_IPS.gw1 : WANFED_IPS.gw2;
      return gateway(d, ip, undefined, {
        implementation: 'meshcc',
        lan: { address: ip, port: GATEWAY_PORT },
        wan: { address: ip, port: GATEWAY_WAN_PORT },
      });
    }),
    instances: [],
    aclsEnabled: false,
  }),
);
const dcOf = (name: string) => mesh.model.datacenters.find((d) => d.name === name)!;
if (!available) console.warn(`\n${MISSING_MESSAGE}\n`);

async function until<T>(what: string, f: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${last}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function get(dc: WanfedDc, path: string): Promise<unknown> {
  const res = await fetch(`${dc.addr}${path}`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${path} on ${dc.name}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

describe.skipIf(!available)('WAN federation through two bundled gateways only', () => {
  let c: WanfedCluster | undefined;
  const gws: Gateway[] = [];
  const discoveries: ConsulDiscovery[] = [];
  const logs = { dc1: new MemoryLog(), dc2: new MemoryLog() };

  async function startGateway(dc: WanfedDc, trustDomain: string): Promise<void> {
    const emitted = gatewayRuntimeConfig(mesh, mesh.model.gateways.find((g) => g.datacenter === dc.name)!);
    // The emitted config as it is, but for what only the running test knows: Consul's address and trust domain.
    const cfg = gatewayConfig({
      ...emitted,
      trustDomain,
      admin: { address: '127.0.0.1', port: 0 },
      timeouts: { drainMs: 500 },
      consul: { ...emitted.consul, address: dc.addr },
    });
    const gw = new Gateway(cfg, logs[dc.name]);
    if (dc.name === 'dc2') gw.relayMode = 'js';
    await gw.start();
    gws.push(gw);
    const d = new ConsulDiscovery(cfg, (m) => gw.setEndpoints(m));
    discoveries.push(d);
    await d.start();
  }

  it('uses the config meshcc emits: federation through the gateways, server routes, registration', () => {
    const a1 = agentConfig(mesh.model, dcOf('dc1'));
    const a2 = agentConfig(mesh.model, dcOf('dc2'));
    for (const a of [a1, a2]) expect(a.connect).toEqual({ enabled: true, enable_mesh_gateway_wan_federation: true });
    expect(a1.primary_gateways).toBeUndefined();
    expect(a2.primary_gateways).toEqual([`${WANFED_IPS.gw1}:${GATEWAY_WAN_PORT}`]);
    expect(a2.retry_join_wan).toBeUndefined();
    const g2 = gatewayRuntimeConfig(mesh, mesh.model.gateways.find((g) => g.datacenter === 'dc2')!);
    expect(g2.routes.servers).toEqual({ domain: 'consul', local: [] });
    expect(g2.routes.remote).toEqual([
      { datacenter: 'dc1', gateways: [{ address: WANFED_IPS.gw1, port: GATEWAY_WAN_PORT }] },
    ]);
    expect(g2.consul?.register).toEqual({
      id: 'mesh-gateway',
      lan: { address: WANFED_IPS.gw2, port: GATEWAY_PORT },
      wan: { address: WANFED_IPS.gw2, port: GATEWAY_WAN_PORT },
    });
  });

  beforeAll(async () => {
    c = await prepareWanfed({ dc1: agentConfig(mesh.model, dcOf('dc1')), dc2: agentConfig(mesh.model, dcOf('dc2')) });
    startWanfedDc(c.dc1);
    const dc1 = c.dc1;
    await until('dc1 leader', async () => ((await get(dc1, '/v1/status/leader')) ? true : undefined), 60_000);
    const roots = await until(
      'dc1 CA roots',
      async () => {
        const r = (await get(dc1, '/v1/connect/ca/roots')) as { TrustDomain?: string };
        return r.TrustDomain ? r : undefined;
      },
      60_000,
    );
    await startGateway(c.dc1, roots.TrustDomain as string);
    startWanfedDc(c.dc2);
    const dc2 = c.dc2;
    await until('dc2 leader', async () => ((await get(dc2, '/v1/status/leader')) ? true : undefined), 60_000);
    await startGateway(c.dc2, roots.TrustDomain as string);
  }, 180_000);

  afterAll(async () => {
    for (const d of discoveries) await d.stop();
    for (const gw of gws) await gw.drain();
    if (c) await stopWanfed(c);
  });

  it('federates: members -wan, catalog queries both ways, server connections in both access logs', async () => {
    const cluster = c as WanfedCluster;
    try {
      const members = await until(
        'both servers in `consul members -wan`',
        async () => {
          const out = await consulCli(cluster.dc1, ['members', '-wan']);
          const ok = ['dc1-srv.dc1', 'dc2-srv.dc2'].every((n) =>
            out.split('\n').some((l) => l.startsWith(n) && / alive /.test(l)),
          );
          return ok ? out : undefined;
        },
        120_000,
      );
      expect(members).toMatch(/^dc2-srv\.dc2\s+127\.\d+\.58\.2:8302\s+alive\s+server/m);
      const fromDc1 = await until(
        'catalog of dc2 from dc1',
        async () => (await get(cluster.dc1, '/v1/catalog/services?dc=dc2')) as Record<string, unknown>,
        60_000,
      );
      expect(Object.keys(fromDc1)).toEqual(expect.arrayContaining(['consul', 'mesh-gateway']));
      const nodes = (await get(cluster.dc1, '/v1/catalog/nodes?dc=dc2')) as { Node: string }[];
      expect(nodes.map((n) => n.Node)).toEqual(['dc2-srv']);
      const fromDc2 = (await get(cluster.dc2, '/v1/catalog/nodes?dc=dc1')) as { Node: string }[];
      expect(fromDc2.map((n) => n.Node)).toEqual(['dc1-srv']);
      const dcs = (await get(cluster.dc1, '/v1/catalog/datacenters')) as string[];
      expect([...dcs].sort()).toEqual(['dc1', 'dc2']);
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n--- dc1 log ---\n${logTail(cluster, cluster.dc1)}\n--- dc2 log ---\n${logTail(cluster, cluster.dc2)}\n--- gateway logs ---\n${JSON.stringify([...logs.dc1.records, ...logs.dc2.records].slice(-20))}`,
      );
    }
    // Routed connections, counted as they are routed (server connections are long-lived: RPC and gossip streams).
    const [gw1, gw2] = gws as [Gateway, Gateway];
    const counts = (gw: Gateway) => Object.fromEntries(gw.stats.routes);
    expect(counts(gw1)['server:dc1/dc1-srv'] ?? counts(gw1)['server:dc1']).toBeGreaterThan(0);
    expect(counts(gw2)['server:dc2/dc2-srv'] ?? counts(gw2)['server:dc2']).toBeGreaterThan(0);
    expect((counts(gw1)['wan-server:dc2'] ?? 0) + (counts(gw2)['wan-server:dc1'] ?? 0)).toBeGreaterThan(0);
    // The access log has a line per connection when it closes: stop both gateways, then read them.
    for (const d of discoveries.splice(0)) await d.stop();
    for (const gw of gws.splice(0)) await gw.drain();
    const routed = (log: MemoryLog, route: string) =>
      log.records.filter((r: AccessRecord) => r.route === route && r.bytesIn > 0 && r.bytesOut > 0);
    const serversIn = (log: MemoryLog, dc: string) => [
      ...routed(log, `server:${dc}/${dc}-srv`),
      ...routed(log, `server:${dc}`),
    ];
    expect(serversIn(logs.dc1, 'dc1').length).toBeGreaterThan(0);
    expect(serversIn(logs.dc2, 'dc2').length).toBeGreaterThan(0);
    expect(routed(logs.dc1, 'wan-server:dc2').length + routed(logs.dc2, 'wan-server:dc1').length).toBeGreaterThan(0);
    for (const r of serversIn(logs.dc1, 'dc1')) expect(r.upstream).toBe(`${WANFED_IPS.dc1}:8300`);
    for (const r of serversIn(logs.dc2, 'dc2')) expect(r.upstream).toBe(`${WANFED_IPS.dc2}:8300`);
    for (const r of routed(logs.dc1, 'wan-server:dc2'))
      expect(r.upstream).toBe(`${WANFED_IPS.gw2}:${GATEWAY_WAN_PORT}`);
    // Every server name the servers sent had a route.
    const refused = [...logs.dc1.records, ...logs.dc2.records].filter(
      (r) => r.reason === 'no-route' && r.sni?.includes('.server.'),
    );
    expect(refused).toEqual([]);
  }, 240_000);
});
