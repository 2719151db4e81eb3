/**
 * The data plane of one datacenter, with real Consul deciding everything: services registered from meshcc's own
 * service definitions (`emitServiceRegistrations`, loaded with `consul services register`) and, in place of Envoy
 * (which cannot run on these machines), the xDS stand-in sidecar (test/support/xds-sidecar; docs/testing.md), which
 * takes its whole configuration from the agent's xDS server and only enforces it.
 *
 * Proven: web → api flows through web's upstream listener and api's public listener with mTLS (Consul's leaf
 * certificates; the SNI and SPIFFE ID web's sidecar checks are the ones Consul sent); a deny intention written as a
 * `service-intentions` entry refuses it at api's public listener (Consul's RBAC, seen in api's counters and event
 * log); and, differentially, for random intention sets over {web, ops, *} the stand-in's accept/refuse for each
 * source equals Consul's own `/v1/connect/intentions/check` answer. Each set carries a deny from a unique probe
 * source, so the test knows when api's sidecar has the RBAC built from exactly that set before it sends traffic.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emitServiceRegistrations } from '../../src/emit/service-registrations.ts';
import { compilation, dc as dcDecl, instance, model, upstream } from '../emit/fixtures.ts';
import {
  consulApi as api,
  echoApp,
  forgedCertificate,
  holdSharedCluster,
  publicListener,
  roundTrip,
  type StandIn,
  startStandIn,
  tlsRoundTrip,
  xdsSidecarBinary,
} from '../support/xds-sidecar.ts';
import { CONSUL_BIN, consulAvailable, DC1_IP, MISSING_MESSAGE } from './harness.ts';

const available = consulAvailable();
if (!available) console.warn(`\n${MISSING_MESSAGE}\n`);
const bin = available ? xdsSidecarBinary() : undefined;

/** This file's own loopback addresses (the run's block, third octet 61): one per service, so ports never collide. */
const IP = {
  api: DC1_IP.replace(/\.55\.1$/, '.61.1'),
  web: DC1_IP.replace(/\.55\.1$/, '.61.2'),
  ops: DC1_IP.replace(/\.55\.1$/, '.61.3'),
  impostor: DC1_IP.replace(/\.55\.1$/, '.61.4'),
};
const UPSTREAM_PORT = 9191;
const SERVICES = ['xds-api', 'xds-web', 'xds-ops'] as const;

type Action = 'allow' | 'deny';
interface IxnSet {
  readonly web?: Action;
  readonly ops?: Action;
  readonly star?: Action;
}

function intentionsEntry(set: IxnSet, probe: string): Record<string, unknown> {
  const sources: { Name: string; Action: Action }[] = [{ Name: probe, Action: 'deny' }];
  if (set.web) sources.push({ Name: 'xds-web', Action: set.web });
  if (set.ops) sources.push({ Name: 'xds-ops', Action: set.ops });
  if (set.star) sources.push({ Name: '*', Action: set.star });
  return { Kind: 'service-intentions', Name: 'xds-api', Sources: sources };
}

describe.skipIf(!available || !bin)(
  'stand-in sidecar (Envoy cannot run here) driven by Consul xDS: one datacenter',
  () => {
    const consul = inject('consul');
    const addr = consul?.dc1 ?? '';
    const xds = `${DC1_IP}:8502`;
    const dir = mkdtempSync(join(tmpdir(), 'meshcc-xds-'));
    const standIns: Record<string, StandIn> = {};
    let app: { server: Server; port: number };
    let probeN = 0;

    const apiSidecar = () => standIns['xds-api'] as StandIn;
    const deniedAtApi = async () => (await apiSidecar().config()).stats[`listener:${apiListenerName}:rbac_denied`] ?? 0;
    let apiListenerName = '';

    /** Writes the set (with a fresh probe source) and waits until api's sidecar enforces the RBAC Consul built from it. */
    async function applyIntentions(set: IxnSet): Promise<void> {
      const probe = `xds-probe-${++probeN}`;
      await api(addr, 'PUT', '/v1/config', intentionsEntry(set, probe));
      await apiSidecar().until(`RBAC naming ${probe}`, (c) =>
        JSON.stringify(publicListener(c)?.rbac ?? null).includes(`/svc/${probe}$`),
      );
    }

    /** What the stand-ins do with one connection from `source`: 'allowed' (api answered) or 'refused'. */
    async function attempt(source: 'web' | 'ops'): Promise<'allowed' | 'refused'> {
      const before = await deniedAtApi();
      const got = await roundTrip(IP[source], UPSTREAM_PORT);
      if (got === 'xds-api:ping\n') return 'allowed';
      expect(got).toBe('');
      // A refusal must be api's RBAC (not a TLS or endpoint failure): its deny counter moved.
      await apiSidecar().until(
        'the RBAC deny counted',
        (c) => (c.stats[`listener:${apiListenerName}:rbac_denied`] ?? 0) > before,
        5000,
      );
      return 'refused';
    }

    async function consulSays(source: 'web' | 'ops'): Promise<'allowed' | 'refused'> {
      const r = (await api(addr, 'GET', `/v1/connect/intentions/check?source=xds-${source}&destination=xds-api`)) as {
        Allowed: boolean;
      };
      return r.Allowed ? 'allowed' : 'refused';
    }

    let releaseCluster: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      // The shared datacenters stay up for the whole file (see holdSharedCluster).
      releaseCluster = await holdSharedCluster(addr);
      app = await echoApp('xds-api');
      // The services as meshcc emits them for a VM datacenter: api, and two callers with an upstream to it.
      const m = model('xds', {
        datacenters: [dcDecl('dc1', 'dc1', 'vm', { servers: 1 })],
        gateways: [],
        instances: [
          instance('xds-api', 'dc1', app.port, { address: IP.api }),
          instance('xds-web', 'dc1', 1, {
            address: IP.web,
            upstreams: [upstream('xds-api', UPSTREAM_PORT, { localBindAddress: IP.web })],
          }),
          instance('xds-ops', 'dc1', 1, {
            address: IP.ops,
            upstreams: [upstream('xds-api', UPSTREAM_PORT, { localBindAddress: IP.ops })],
          }),
        ],
        aclsEnabled: false,
      });
      // TCP services in strict mTLS, whatever proxy-defaults/global other suites write meanwhile.
      for (const s of SERVICES)
        await api(addr, 'PUT', '/v1/config', {
          Kind: 'service-defaults',
          Name: s,
          Protocol: 'tcp',
          MutualTLSMode: 'strict',
        });
      await api(addr, 'PUT', '/v1/config', intentionsEntry({}, 'xds-probe-0'));
      for (const a of emitServiceRegistrations(compilation(m)).filter((x) => x.path.endsWith('.json'))) {
        const file = join(dir, a.path.replaceAll('/', '_'));
        writeFileSync(file, a.content);
        execFileSync(CONSUL_BIN, ['services', 'register', `-http-addr=${addr}`, file], { stdio: 'pipe' });
      }
      for (const s of SERVICES) standIns[s] = await startStandIn(bin as string, xds, `${s}-sidecar-proxy`);
      const c = await apiSidecar().until('api public listener bound', (x) => publicListener(x)?.bound === true);
      apiListenerName = Object.keys(c.listeners).find((n) => n.startsWith('public_listener:')) as string;
      // Callers see api's sidecar as a healthy endpoint once Consul's TCP check of it passes.
      for (const s of ['xds-web', 'xds-ops'])
        await (standIns[s] as StandIn).until(
          'a healthy xds-api endpoint',
          (x) =>
            Object.entries(x.clusters).some(
              ([n, cl]) => n.startsWith('xds-api.') && cl.endpoints.some((e) => e.health === 'HEALTHY'),
            ) && Object.values(x.listeners).every((l) => l.bound),
          60_000,
        );
    }, 480_000);

    afterAll(async () => {
      for (const s of Object.values(standIns)) await s.stop();
      if (addr) {
        for (const s of [...SERVICES, 'xds-api-impostor'])
          await api(addr, 'PUT', `/v1/agent/service/deregister/${s}`).catch(() => {});
        await api(addr, 'DELETE', '/v1/config/service-intentions/xds-api').catch(() => {});
        for (const s of SERVICES) await api(addr, 'DELETE', `/v1/config/service-defaults/${s}`).catch(() => {});
      }
      app?.server.close();
      rmSync(dir, { recursive: true, force: true });
      await releaseCluster?.();
    });

    it('carries web → api over mTLS with the names, certificates and endpoints Consul gave', async () => {
      const roots = (await api(addr, 'GET', '/v1/connect/ca/roots')) as { TrustDomain: string };
      const td = roots.TrustDomain;
      const web = await (standIns['xds-web'] as StandIn).config();
      const clusterName = `xds-api.default.dc1.internal.${td}`;
      const cl = web.clusters[clusterName];
      expect(cl?.type).toBe('EDS');
      expect(cl?.tls?.sni).toBe(clusterName);
      expect(cl?.tls?.subjectAltNames).toEqual([`URI {"exact":"spiffe://${td}/ns/default/dc/dc1/svc/xds-api"}`]);
      expect(cl?.tls?.certificateURIs).toEqual([`spiffe://${td}/ns/default/dc/dc1/svc/xds-web`]);
      expect(cl?.endpoints).toEqual([{ address: `${IP.api}:21000`, health: 'HEALTHY' }]);
      expect(web.listeners[`xds-api:${IP.web}:${UPSTREAM_PORT}`]?.cluster).toBe(clusterName);
      const apiPublic = publicListener(await apiSidecar().config());
      expect(apiPublic?.tls?.requireClientCertificate).toBe(true);
      expect(apiPublic?.tls?.certificateURIs).toEqual([`spiffe://${td}/ns/default/dc/dc1/svc/xds-api`]);

      expect(await roundTrip(IP.web, UPSTREAM_PORT)).toBe('xds-api:ping\n');
      const connected = apiSidecar().events.find((e) => e.event === 'connected' && e.cluster === 'local_app');
      expect(connected?.peer).toBe(`spiffe://${td}/ns/default/dc/dc1/svc/xds-web`);
    });

    it("takes at api's public listener only a client certificate of Consul's CA", async () => {
      const td = ((await api(addr, 'GET', '/v1/connect/ca/roots')) as { TrustDomain: string }).TrustDomain;
      const webId = `spiffe://${td}/ns/default/dc/dc1/svc/xds-web`;
      const refusedBefore = (await apiSidecar().config()).stats[`listener:${apiListenerName}:tls_refused`] ?? 0;
      // xds-web's real leaf certificate (Consul's CA) is accepted; the server presents api's identity.
      const leaf = (await api(addr, 'GET', '/v1/agent/connect/ca/leaf/xds-web')) as {
        CertPEM: string;
        PrivateKeyPEM: string;
      };
      const ok = await tlsRoundTrip(IP.api, 21000, { cert: leaf.CertPEM, key: leaf.PrivateKeyPEM });
      expect(ok.answer).toBe('xds-api:ping\n');
      expect(ok.serverSan).toBe(`URI:spiffe://${td}/ns/default/dc/dc1/svc/xds-api`);
      // The same SPIFFE ID in a certificate Consul's CA did not sign, and no certificate at all: refused in TLS.
      const forged = forgedCertificate(webId);
      expect((await tlsRoundTrip(IP.api, 21000, forged)).answer).toBe('');
      expect((await tlsRoundTrip(IP.api, 21000, {})).answer).toBe('');
      await apiSidecar().until(
        'two TLS refusals counted',
        (c) => (c.stats[`listener:${apiListenerName}:tls_refused`] ?? 0) >= refusedBefore + 2,
        5000,
      );
      const refusals = apiSidecar().events.filter((e) => e.event === 'tls-refused' && !String(e.error).includes('EOF'));
      expect(refusals.map((e) => e.error)).toEqual(
        expect.arrayContaining([
          expect.stringContaining('certificate signed by unknown authority'),
          expect.stringContaining("client didn't provide a certificate"),
        ]),
      );
    });

    it("refuses an api endpoint whose certificate is Consul's but names another service (the SAN Consul set)", async () => {
      const td = ((await api(addr, 'GET', '/v1/connect/ca/roots')) as { TrustDomain: string }).TrustDomain;
      // An impostor instance of xds-api whose "sidecar" presents xds-ops's real leaf (Consul's CA, wrong identity).
      const ops = (await api(addr, 'GET', '/v1/agent/connect/ca/leaf/xds-ops')) as {
        CertPEM: string;
        PrivateKeyPEM: string;
      };
      let handshakes = 0;
      const impostor = createTlsServer({ cert: ops.CertPEM, key: ops.PrivateKeyPEM }, (sock) => {
        handshakes++;
        sock.on('error', () => {});
        sock.once('data', () => sock.end('impostor:ping\n'));
      });
      impostor.on('tlsClientError', () => {});
      await new Promise<void>((r) => impostor.listen(21000, IP.impostor, () => r()));
      try {
        await api(addr, 'PUT', '/v1/agent/service/register', {
          ID: 'xds-api-impostor',
          Name: 'xds-api',
          Address: IP.impostor,
          Port: 1,
          Connect: { SidecarService: { Port: 21000 } },
        });
        await api(addr, 'PUT', '/v1/agent/service/maintenance/xds-api?enable=true&reason=impostor-test');
        const web = standIns['xds-web'] as StandIn;
        await web.until(
          'only the impostor as a healthy endpoint',
          (c) => {
            const eps = c.clusters[`xds-api.default.dc1.internal.${td}`]?.endpoints ?? [];
            const up = eps.filter((e) => e.health === 'HEALTHY').map((e) => e.address);
            return up.length === 1 && up[0] === `${IP.impostor}:21000`;
          },
          60_000,
        );
        expect(await roundTrip(IP.web, UPSTREAM_PORT)).toBe('');
        const failed = web.events.filter((e) => e.event === 'upstream-failed').at(-1);
        expect(String(failed?.error)).toContain(
          `no subject alt name of [spiffe://${td}/ns/default/dc/dc1/svc/xds-ops]`,
        );
        expect(handshakes).toBe(0);
      } finally {
        await api(addr, 'PUT', '/v1/agent/service/deregister/xds-api-impostor');
        await api(addr, 'PUT', '/v1/agent/service/maintenance/xds-api?enable=false');
        impostor.close();
      }
      await (standIns['xds-web'] as StandIn).until(
        'the real api healthy again',
        (c) =>
          (c.clusters[`xds-api.default.dc1.internal.${td}`]?.endpoints ?? []).some(
            (e) => e.health === 'HEALTHY' && e.address === `${IP.api}:21000`,
          ),
        30_000,
      );
      expect(await attempt('web')).toBe('allowed');
    }, 90_000);

    it('refuses web → api once a deny intention is written, and carries it again after an allow', async () => {
      await applyIntentions({ web: 'deny' });
      expect(await consulSays('web')).toBe('refused');
      expect(await attempt('web')).toBe('refused');
      expect(await attempt('ops')).toBe('allowed');
      const denied = apiSidecar().events.filter((e) => e.event === 'rbac-denied');
      expect(denied.at(-1)?.peer).toMatch(/\/svc\/xds-web$/);
      await applyIntentions({ web: 'allow', star: 'deny' });
      expect(await attempt('web')).toBe('allowed');
      expect(await attempt('ops')).toBe('refused');
    }, 60_000);

    it("accepts or refuses exactly as Consul's intention check says, for random intention sets (fast-check)", async () => {
      const action = fc.option(fc.constantFrom<Action>('allow', 'deny'), { nil: undefined });
      const sets = fc.record({ web: action, ops: action, star: action }, { requiredKeys: [] });
      await fc.assert(
        fc.asyncProperty(sets, async (set) => {
          const clean = JSON.parse(JSON.stringify(set)) as IxnSet;
          await applyIntentions(clean);
          for (const source of ['web', 'ops'] as const) expect(await attempt(source)).toBe(await consulSays(source));
        }),
        {
          numRuns: 8,
          seed: 14,
          examples: [[{ star: 'deny', web: 'allow' }], [{ star: 'allow', ops: 'deny' }], [{}]],
        },
      );
    }, 150_000);

    it('fails closed on what it does not implement: an HTTP service is refused, never carried unchecked', async () => {
      await applyIntentions({});
      expect(await attempt('web')).toBe('allowed');
      // As http, Consul gives api's public listener an http_connection_manager with HTTP RBAC (L7): out of scope.
      await api(addr, 'PUT', '/v1/config', {
        Kind: 'service-defaults',
        Name: 'xds-api',
        Protocol: 'http',
        MutualTLSMode: 'strict',
      });
      try {
        await apiSidecar().until('the public listener refused as unsupported', (c) =>
          String(publicListener(c)?.error ?? '').includes('envoy.filters.network.http_connection_manager'),
        );
        expect(await roundTrip(IP.web, UPSTREAM_PORT)).toBe('');
      } finally {
        await api(addr, 'PUT', '/v1/config', {
          Kind: 'service-defaults',
          Name: 'xds-api',
          Protocol: 'tcp',
          MutualTLSMode: 'strict',
        });
      }
      await apiSidecar().until('tcp again', (c) => publicListener(c)?.error === undefined);
      await (standIns['xds-web'] as StandIn).until('web back on tcp', (c) =>
        Object.values(c.listeners).every((l) => l.error === undefined),
      );
      expect(await attempt('web')).toBe('allowed');
    }, 60_000);
  },
);
