/**
 * Real Consul end to end: a dev-mode Consul agent on 127.0.57.1 issues leaf certificates; `consul connect proxy`
 * terminates mTLS for `currency` in front of a local echo app; the gateway discovers the sidecar from Consul's health
 * API and registers itself as a mesh-gateway. A Node TLS client with the `web` leaf and the SNI Consul assigns to
 * `currency` connects through the gateway: the handshake (verified against Consul's roots and intentions) completes
 * end to end and bytes come back intact.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, connect as netConnect, type Server } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulDiscovery } from '../../src/gateway/consul-discovery.ts';
import { Gateway } from '../../src/gateway/server.ts';
import { CONSUL_BIN, consulAvailable, MISSING_MESSAGE } from '../consul/harness.ts';
import { gatewayConfig, MemoryLog } from './tls-fixture.ts';

const IP = '127.0.57.1';
const ADDR = `http://${IP}:8500`;
const available = consulAvailable();
if (!available) console.warn(`\n${MISSING_MESSAGE}\n`);

async function consul(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${ADDR}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

async function until<T>(f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      if (Date.now() > end) throw e;
    }
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!available)('SNI gateway with real Consul leaf certificates and consul connect proxy', () => {
  let agent: ChildProcess | undefined;
  let proxy: ChildProcess | undefined;
  let app: Server | undefined;
  let gw: Gateway | undefined;
  let discovery: ConsulDiscovery | undefined;
  let trustDomain = '';

  beforeAll(async () => {
    agent = spawn(CONSUL_BIN, ['agent', '-dev', '-bind', IP, '-client', IP, '-hcl', 'ports { dns = -1, grpc = -1 }'], {
      stdio: 'ignore',
    });
    await until(async () => ((await consul('GET', '/v1/status/leader')) ? true : undefined));
    app = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => app?.listen(0, '127.0.0.1', () => r())); // the built-in proxy dials the app on 127.0.0.1
    await consul('PUT', '/v1/agent/service/register', {
      Name: 'currency',
      Address: IP,
      Port: (app.address() as AddressInfo).port,
      Connect: { SidecarService: { Address: IP, Port: 21570, Proxy: { Config: { bind_address: IP } } } },
    });
    proxy = spawn(CONSUL_BIN, ['connect', 'proxy', '-sidecar-for', 'currency', `-http-addr=${ADDR}`], {
      stdio: 'ignore',
    });
    const roots = await until(async () => {
      const r = (await consul('GET', '/v1/agent/connect/ca/roots')) as { TrustDomain?: string };
      return r.TrustDomain ? r : undefined;
    });
    trustDomain = roots.TrustDomain as string;
    await until(async () => {
      const h = (await consul('GET', '/v1/health/connect/currency?passing=1')) as unknown[];
      return h.length > 0 ? true : undefined;
    });
    // The sidecar's public listener is up once it accepts a TCP connection.
    await until(
      () =>
        new Promise<boolean | undefined>((resolve) => {
          const c = netConnect({ host: IP, port: 21570 }, () => {
            c.destroy();
            resolve(true);
          });
          c.on('error', () => resolve(undefined));
        }),
    );
  }, 120_000);

  afterAll(async () => {
    await discovery?.stop();
    await gw?.drain();
    proxy?.kill('SIGKILL');
    agent?.kill('SIGKILL');
    await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
  });

  it('routes a real mTLS handshake to the sidecar found through Consul and registers the gateway', async () => {
    const sni = `currency.default.dc1.internal.${trustDomain}`;
    const cfg = gatewayConfig({
      datacenter: 'dc1',
      trustDomain,
      listeners: [{ name: 'lan', address: IP, port: 0 }],
      timeouts: { drainMs: 500 },
      routes: { local: [{ sni, service: 'currency', endpoints: [] }], remote: [] },
      consul: { address: ADDR, register: { id: 'mgw-dc1', lan: { address: IP, port: 28443 } } },
    });
    gw = new Gateway(cfg, new MemoryLog());
    await gw.start();
    const updated = new Promise<void>((resolve) => {
      discovery = new ConsulDiscovery(cfg, (m) => {
        gw?.setEndpoints(m);
        if ((m.get('local:currency') ?? []).length > 0) resolve();
      });
    });
    await discovery?.start();
    await updated;
    const leaf = (await consul('GET', '/v1/agent/connect/ca/leaf/web')) as { CertPEM: string; PrivateKeyPEM: string };
    const roots = (await consul('GET', '/v1/agent/connect/ca/roots')) as {
      Roots: { RootCert?: string; RootCertPEM?: string }[];
    };
    const payload = randomBytes(64 * 1024);
    const back = await new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      const s = tlsConnect(
        {
          host: IP,
          port: gw?.bound.get('lan')?.port as number,
          servername: sni,
          cert: leaf.CertPEM,
          key: leaf.PrivateKeyPEM,
          ca: roots.Roots.map((r) => (r.RootCert ?? r.RootCertPEM) as string),
          // Consul leaf certificates carry a SPIFFE URI, not a DNS name: check the identity instead of the host name.
          checkServerIdentity: (_host, cert) =>
            cert.subjectaltname?.includes('/svc/currency') ? undefined : new Error(`unexpected ${cert.subjectaltname}`),
        },
        () => s.write(payload),
      );
      s.on('data', (d: Buffer) => {
        parts.push(d);
        if (Buffer.concat(parts).length >= payload.length) {
          s.end();
          resolve(Buffer.concat(parts));
        }
      });
      s.on('error', reject);
    });
    expect(back.equals(payload)).toBe(true);
    expect(gw?.stats.routes.get('local:currency')).toBe(1);
    const services = (await consul('GET', '/v1/agent/services')) as Record<
      string,
      { Kind?: string; TaggedAddresses?: unknown }
    >;
    expect(services['mgw-dc1']?.Kind).toBe('mesh-gateway');
  });
});
