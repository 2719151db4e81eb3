/**
 * Across the two WAN-federated datacenters of the test run, through meshcc's bundled gateways, with real Consul
 * deciding everything and the xDS stand-in sidecar (test/support/xds-sidecar; docs/testing.md) in place of Envoy.
 *
 * The mesh: `xdsx-api` in dc1 and in dc2, `xdsx-web` in dc1 with an upstream to `xdsx-api` in mesh-gateway mode
 * `local`; a `service-resolver` fails `xdsx-api` over to dc2; one bundled gateway per datacenter, run in-process from
 * the config meshcc emits (static routes from the model, registered in its datacenter as a `mesh-gateway`); the
 * services registered from meshcc's emitted service definitions. Proven:
 * - while dc1's instance is healthy, web reaches it directly (Consul's aggregate cluster lists dc1's target first);
 * - when it goes critical (maintenance mode) and when it is deregistered, web's connections go to dc2 — to dc1's
 *   gateway (the endpoint Consul gives for the dc2 target in mode local), which routes the SNI Consul chose to dc2's
 *   gateway, which routes it to dc2's sidecar; mTLS end to end between the two sidecars (the gateways never
 *   terminate TLS), and both gateways count the route;
 * - a deny intention (written in the primary, replicated to dc2) refuses the failed-over connection at dc2's sidecar.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gatewayRuntimeConfig } from '../../src/emit/gateway-config.ts';
import { emitServiceRegistrations } from '../../src/emit/service-registrations.ts';
import { ConsulDiscovery } from '../../src/gateway/consul-discovery.ts';
import { Gateway } from '../../src/gateway/server.ts';
import { compilation, dc as dcDecl, gateway, instance, model, upstream } from '../emit/fixtures.ts';
import { gatewayConfig, MemoryLog } from '../gateway/tls-fixture.ts';
import {
  consulApi as api,
  echoApp,
  holdSharedCluster,
  publicListener,
  roundTrip,
  type StandIn,
  type StandInCluster,
  type StandInConfig,
  startStandIn,
  xdsSidecarBinary,
} from '../support/xds-sidecar.ts';
import { CONSUL_BIN, consulAvailable, DC1_IP, DC2_IP, MISSING_MESSAGE } from './harness.ts';

const available = consulAvailable();
if (!available) console.warn(`\n${MISSING_MESSAGE}\n`);
const bin = available ? xdsSidecarBinary() : undefined;

/** This file's loopback addresses (the run's block, third octet 62). */
const ip = (n: number) => DC1_IP.replace(/\.55\.1$/, `.62.${n}`);
const IP = { api1: ip(1), api2: ip(2), web: ip(3), gw1: ip(11), gw2: ip(12) };
const UPSTREAM_PORT = 9191;

describe.skipIf(!available || !bin)(
  'stand-in sidecar (Envoy cannot run here) driven by Consul xDS: across datacenters through two bundled gateways',
  () => {
    const consul = inject('consul');
    const addr = { dc1: consul?.dc1 ?? '', dc2: consul?.dc2 ?? '' };
    const dir = mkdtempSync(join(tmpdir(), 'meshcc-xdsx-'));
    const standIns: Record<string, StandIn> = {};
    const apps: Server[] = [];
    const gws: Record<'dc1' | 'dc2', Gateway | undefined> = { dc1: undefined, dc2: undefined };
    const discoveries: ConsulDiscovery[] = [];
    const logs = { dc1: new MemoryLog(), dc2: new MemoryLog() };
    let td = '';
    const web = () => standIns.web as StandIn;
    /**
     * The failover targets of web's upstream, in Consul's order: the children of the aggregate cluster its upstream
     * listener proxies to (Consul names them `failover-target~<n>~...`).
     */
    const targets = (c: StandInConfig): StandInCluster[] => {
      const agg = c.clusters[c.listeners[`xdsx-api:${IP.web}:${UPSTREAM_PORT}`]?.cluster ?? ''];
      return (agg?.children ?? []).map((n) => c.clusters[n]).filter((x): x is StandInCluster => x !== undefined);
    };
    const healthy = (cl: StandInCluster | undefined) => cl?.endpoints.some((e) => e.health === 'HEALTHY') ?? false;

    let releaseCluster: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      // The shared datacenters stay up for the whole file (see holdSharedCluster).
      releaseCluster = await holdSharedCluster(addr.dc1);
      const roots = (await api(addr.dc1, 'GET', '/v1/connect/ca/roots')) as { TrustDomain: string };
      td = roots.TrustDomain;
      const a1 = await echoApp('xdsx-api@dc1');
      const a2 = await echoApp('xdsx-api@dc2');
      apps.push(a1.server, a2.server);
      const m = model('xdsx', {
        clusterId: td.replace(/\.consul$/, ''),
        datacenters: [dcDecl('dc1', 'dc1', 'vm', { servers: 1 }), dcDecl('dc2', 'dc1', 'vm', { servers: 1 })],
        gateways: (['dc1', 'dc2'] as const).map((d) => {
          const g = d === 'dc1' ? IP.gw1 : IP.gw2;
          return gateway(d, g, undefined, {
            implementation: 'meshcc',
            lan: { address: g, port: 8443 },
            wan: { address: g, port: 8444 },
          });
        }),
        instances: [
          instance('xdsx-api', 'dc1', a1.port, { address: IP.api1 }),
          instance('xdsx-api', 'dc2', a2.port, { address: IP.api2 }),
          instance('xdsx-web', 'dc1', 1, {
            address: IP.web,
            meshGateway: 'local',
            upstreams: [upstream('xdsx-api', UPSTREAM_PORT, { localBindAddress: IP.web })],
          }),
        ],
        aclsEnabled: false,
      });
      const mesh = compilation(m);
      for (const s of ['xdsx-api', 'xdsx-web'])
        await api(addr.dc1, 'PUT', '/v1/config', {
          Kind: 'service-defaults',
          Name: s,
          Protocol: 'tcp',
          MutualTLSMode: 'strict',
        });
      await api(addr.dc1, 'PUT', '/v1/config', {
        Kind: 'service-resolver',
        Name: 'xdsx-api',
        Failover: { '*': { Datacenters: ['dc2'] } },
      });
      await api(addr.dc1, 'PUT', '/v1/config', {
        Kind: 'service-intentions',
        Name: 'xdsx-api',
        Sources: [{ Name: 'xdsx-web', Action: 'allow' }],
      });
      // The gateways: meshcc's emitted config, with only what the running test knows changed (Consul's address; a
      // registration id of this file's own, so no other suite's gateway is replaced).
      for (const d of ['dc1', 'dc2'] as const) {
        const emitted = gatewayRuntimeConfig(mesh, m.gateways.find((g) => g.datacenter === d)!);
        const cfg = gatewayConfig({
          ...emitted,
          admin: { address: '127.0.0.1', port: 0 },
          timeouts: { drainMs: 500 },
          consul: {
            ...emitted.consul,
            address: addr[d],
            register: { ...emitted.consul?.register, id: 'xdsx-mesh-gateway' },
          },
        });
        const gw = new Gateway(cfg, logs[d]);
        if (d === 'dc2') gw.relayMode = 'js';
        await gw.start();
        gws[d] = gw;
        const disc = new ConsulDiscovery(cfg, (mm) => gw.setEndpoints(mm));
        discoveries.push(disc);
        await disc.start();
      }
      for (const a of emitServiceRegistrations(mesh).filter((x) => x.path.endsWith('.json'))) {
        const d = a.path.split('/')[0] as 'dc1' | 'dc2';
        const file = join(dir, a.path.replaceAll('/', '_'));
        writeFileSync(file, a.content);
        execFileSync(CONSUL_BIN, ['services', 'register', `-http-addr=${addr[d]}`, file], { stdio: 'pipe' });
      }
      standIns.api1 = await startStandIn(bin as string, `${DC1_IP}:8502`, 'xdsx-api-sidecar-proxy');
      standIns.api2 = await startStandIn(bin as string, `${DC2_IP}:8502`, 'xdsx-api-sidecar-proxy');
      standIns.web = await startStandIn(bin as string, `${DC1_IP}:8502`, 'xdsx-web-sidecar-proxy');
      for (const s of ['api1', 'api2'])
        await (standIns[s] as StandIn).until('public listener bound', (c) => publicListener(c)?.bound === true);
      // Both targets healthy (Consul's TCP checks of the two api sidecars have passed), and web's listener bound.
      await web().until(
        'healthy endpoints for both failover targets',
        (c) => targets(c).length === 2 && targets(c).every(healthy) && Object.values(c.listeners).every((l) => l.bound),
        60_000,
      );
    }, 480_000);

    afterAll(async () => {
      for (const s of Object.values(standIns)) await s.stop();
      for (const d of discoveries) await d.stop();
      for (const g of Object.values(gws)) await g?.drain();
      if (addr.dc1) {
        await api(addr.dc1, 'PUT', '/v1/agent/service/deregister/xdsx-api').catch(() => {});
        await api(addr.dc1, 'PUT', '/v1/agent/service/deregister/xdsx-web').catch(() => {});
        await api(addr.dc2, 'PUT', '/v1/agent/service/deregister/xdsx-api').catch(() => {});
        for (const p of [
          'service-intentions/xdsx-api',
          'service-resolver/xdsx-api',
          'service-defaults/xdsx-api',
          'service-defaults/xdsx-web',
        ])
          await api(addr.dc1, 'DELETE', `/v1/config/${p}`).catch(() => {});
      }
      for (const s of apps) s.close();
      rmSync(dir, { recursive: true, force: true });
      await releaseCluster?.();
    });

    it("takes Consul's failover chain: dc1 first, its gateway for dc2, SNIs and identities as Consul names them", async () => {
      const c = await web().config();
      const agg = c.clusters[c.listeners[`xdsx-api:${IP.web}:${UPSTREAM_PORT}`]?.cluster ?? ''];
      expect(agg?.type).toBe('aggregate');
      const [dc1, dc2] = targets(c);
      expect(dc1?.type).toBe('EDS');
      expect(dc1?.endpoints.map((e) => e.address)).toEqual([`${IP.api1}:21000`]);
      expect(dc1?.tls?.sni).toBe(`xdsx-api.default.dc1.internal.${td}`);
      // Mode local: the dc2 target's endpoint is this datacenter's (bundled) gateway, at its LAN address.
      expect(dc2?.endpoints.map((e) => e.address)).toEqual([`${IP.gw1}:8443`]);
      expect(dc2?.tls?.sni).toBe(`xdsx-api.default.dc2.internal.${td}`);
      expect(dc2?.tls?.subjectAltNames).toEqual([`URI {"exact":"spiffe://${td}/ns/default/dc/dc2/svc/xdsx-api"}`]);
      expect(dc2?.tls?.certificateURIs).toEqual([`spiffe://${td}/ns/default/dc/dc1/svc/xdsx-web`]);
      expect(await roundTrip(IP.web, UPSTREAM_PORT)).toBe('xdsx-api@dc1:ping\n');
    });

    async function untilTarget(what: string, healthyDc1: boolean): Promise<void> {
      await web().until(what, (c) => healthy(targets(c)[0]) === healthyDc1 && healthy(targets(c)[1]), 30_000);
    }

    it('fails over to dc2 through both gateways when dc1 goes critical, and back when it recovers', async () => {
      await api(addr.dc1, 'PUT', '/v1/agent/service/maintenance/xdsx-api?enable=true&reason=failover-test');
      await untilTarget('dc1 critical', false);
      const routed = (d: 'dc1' | 'dc2') => Object.fromEntries(gws[d]!.stats.routes);
      const before = { dc1: routed('dc1')['remote:dc2'] ?? 0, dc2: routed('dc2')['local:xdsx-api'] ?? 0 };
      expect(await roundTrip(IP.web, UPSTREAM_PORT)).toBe('xdsx-api@dc2:ping\n');
      const sni = `xdsx-api.default.dc2.internal.${td}`;
      // One connection through each gateway: dc1's routed it to dc2 (a remote route), dc2's to its local service.
      expect(routed('dc1')['remote:dc2']).toBe(before.dc1 + 1);
      expect(routed('dc2')['local:xdsx-api']).toBe(before.dc2 + 1);
      const arrived = (standIns.api2 as StandIn).events.filter((e) => e.event === 'connected');
      expect(arrived.at(-1)?.peer).toBe(`spiffe://${td}/ns/default/dc/dc1/svc/xdsx-web`);
      // web's sidecar used the second failover target, whose endpoint is dc1's gateway and whose SNI names dc2.
      const last = web()
        .events.filter((e) => e.event === 'connected')
        .at(-1);
      expect(last?.upstream).toBe(`${IP.gw1}:8443`);
      expect((await web().config()).clusters[String(last?.via)]?.tls?.sni).toBe(sni);
      await api(addr.dc1, 'PUT', '/v1/agent/service/maintenance/xdsx-api?enable=false');
      await untilTarget('dc1 healthy again', true);
      expect(await roundTrip(IP.web, UPSTREAM_PORT)).toBe('xdsx-api@dc1:ping\n');
    }, 60_000);

    it("refuses the failed-over connection at dc2's sidecar once a deny intention is written", async () => {
      await api(addr.dc1, 'PUT', '/v1/agent/service/deregister/xdsx-api');
      await untilTarget('dc1 instance gone', false);
      expect(await roundTrip(IP.web, UPSTREAM_PORT)).toBe('xdsx-api@dc2:ping\n');
      await api(addr.dc1, 'PUT', '/v1/config', {
        Kind: 'service-intentions',
        Name: 'xdsx-api',
        Sources: [{ Name: 'xdsx-web', Action: 'deny' }],
      });
      await (standIns.api2 as StandIn).until('the deny in RBAC', (c) =>
        JSON.stringify(publicListener(c)?.rbac).includes('/svc/xdsx-web$'),
      );
      expect(await roundTrip(IP.web, UPSTREAM_PORT)).toBe('');
      const denied = (standIns.api2 as StandIn).events.filter((e) => e.event === 'rbac-denied');
      expect(denied.at(-1)?.peer).toBe(`spiffe://${td}/ns/default/dc/dc1/svc/xdsx-web`);
    }, 60_000);
  },
);
