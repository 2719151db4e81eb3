import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConsulDiscovery,
  endpointsOf,
  peeringServersOf,
  serversOf,
  watchesOf,
} from '../../src/gateway/consul-discovery.ts';
import { type Endpoint, PEERING_SERVERS_KEY, SERVERS_KEY } from '../../src/gateway/route-table.ts';
import { gatewayConfig } from './tls-fixture.ts';

const TD = 'abc.consul';
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A fake Consul agent: health answers come from `health`, blocking until `index` moves past the caller's. */
function fakeConsul(
  state: { index: number; health: Record<string, unknown[]> },
  seen: { method: string; url: string; token?: string; body: string }[],
) {
  const waiting: (() => void)[] = [];
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        token: req.headers['x-consul-token'] as string | undefined,
        body,
      });
      const url = new URL(req.url ?? '/', 'http://x');
      const answer = () => {
        res.writeHead(200, { 'x-consul-index': String(state.index), 'content-type': 'application/json' });
        res.end(JSON.stringify(state.health[url.pathname] ?? []));
      };
      if (req.method === 'PUT') {
        res.writeHead(200);
        res.end();
      } else if (Number(url.searchParams.get('index') ?? 0) >= state.index) waiting.push(answer);
      else answer();
    });
  });
  return {
    bump: () => {
      state.index++;
      for (const w of waiting.splice(0)) w();
    },
    listen: () =>
      new Promise<number>((r) => {
        const srv = server as Server;
        srv.listen(0, '127.0.0.1', () => r((srv.address() as AddressInfo).port));
      }),
  };
}

const entry = (address: string, port: number) => ({
  Node: { Address: '10.0.0.1' },
  Service: { Address: address, Port: port },
});

describe('Consul discovery', () => {
  it('picks service addresses, falling back to the node address, or the WAN tagged address', () => {
    expect(
      endpointsOf([entry('127.0.0.5', 21000), { Node: { Address: '127.0.0.9' }, Service: { Port: 21001 } }]),
    ).toEqual([
      { address: '127.0.0.5', port: 21000 },
      { address: '127.0.0.9', port: 21001 },
    ]);
    expect(
      endpointsOf(
        [
          {
            Service: { Address: '10.0.0.2', Port: 8443, TaggedAddresses: { wan: { Address: '127.0.0.2', Port: 443 } } },
          },
        ],
        'wan',
      ),
    ).toEqual([{ address: '127.0.0.2', port: 443 }]);
  });

  it('follows health changes with blocking queries and registers the gateway with its tagged addresses', async () => {
    const seen: { method: string; url: string; token?: string; body: string }[] = [];
    const state = {
      index: 5,
      health: { '/v1/health/connect/currency': [entry('127.0.0.5', 21000), entry('127.0.0.6', 21000)] } as Record<
        string,
        unknown[]
      >,
    };
    const fake = fakeConsul(state, seen);
    const port = await fake.listen();
    process.env.MESHCC_TEST_TOKEN = 'secret-token';
    const cfg = gatewayConfig({
      datacenter: 'dc1',
      trustDomain: TD,
      listeners: [{ name: 'lan', address: '127.0.0.1', port: 8443 }],
      routes: {
        local: [{ sni: `currency.default.dc1.internal.${TD}`, service: 'currency', endpoints: [] }],
        remote: [],
      },
      consul: {
        address: `http://127.0.0.1:${port}`,
        tokenEnv: 'MESHCC_TEST_TOKEN',
        register: { id: 'mgw-dc1', wan: { address: '127.0.0.2', port: 443 } },
      },
    });
    expect(watchesOf(cfg).map((w) => w.key)).toEqual(['local:currency']);
    const updates: Endpoint[][] = [];
    let notify: () => void = () => {};
    const d = new ConsulDiscovery(cfg, (m) => {
      updates.push([...(m.get('local:currency') ?? [])]);
      notify();
    });
    const next = () => new Promise<void>((r) => (notify = r));
    let p = next();
    await d.start();
    await p;
    expect(updates.at(-1)?.map((e) => e.address)).toEqual(['127.0.0.5', '127.0.0.6']);
    // One instance fails its health check: the next blocking answer drops it.
    p = next();
    state.health['/v1/health/connect/currency'] = [entry('127.0.0.6', 21000)];
    fake.bump();
    await p;
    expect(updates.at(-1)).toEqual([{ address: '127.0.0.6', port: 21000 }]);
    await d.stop();
    const reg = seen.find((s) => s.url === '/v1/agent/service/register');
    expect(JSON.parse(reg?.body ?? '{}')).toEqual({
      Kind: 'mesh-gateway',
      Name: 'mesh-gateway',
      ID: 'mgw-dc1',
      Address: '127.0.0.1',
      Port: 8443,
      TaggedAddresses: { lan: { Address: '127.0.0.1', Port: 8443 }, wan: { Address: '127.0.0.2', Port: 443 } },
      // Consul's own gateway registration (`consul connect envoy -register`) has this check.
      Check: {
        Name: 'mesh-gateway listening',
        TCP: '127.0.0.1:8443',
        Interval: '10s',
        DeregisterCriticalServiceAfter: '6h',
        Status: 'passing',
      },
    });
    expect(seen.every((s) => s.token === 'secret-token')).toBe(true);
    expect(seen.some((s) => s.url.includes('index=5'))).toBe(true);
    expect(seen.some((s) => s.url === '/v1/agent/service/deregister/mgw-dc1')).toBe(true);
  });

  it("finds this datacenter's servers (RPC port, and gRPC TLS port of voters for peering) from the consul service", () => {
    const srv = (node: string, address: string, meta: Record<string, string>) => ({
      Node: { Node: node, Address: address },
      Service: { Service: 'consul', Port: 8300, Meta: meta },
    });
    const entries = [
      srv('srv-b', '10.0.0.2', { grpc_tls_port: '8503' }),
      srv('srv-a', '10.0.0.1', { grpc_tls_port: '8503', read_replica: 'false' }),
      srv('replica', '10.0.0.3', { grpc_tls_port: '8503', read_replica: 'true' }),
      srv('no-tls', '10.0.0.4', {}),
    ];
    expect(serversOf(entries).map((e) => `${e.node}=${e.address}:${e.port}`)).toEqual([
      'no-tls=10.0.0.4:8300',
      'replica=10.0.0.3:8300',
      'srv-a=10.0.0.1:8300',
      'srv-b=10.0.0.2:8300',
    ]);
    expect(peeringServersOf(entries).map((e) => `${e.node}=${e.address}:${e.port}`)).toEqual([
      'srv-a=10.0.0.1:8503',
      'srv-b=10.0.0.2:8503',
    ]);
  });

  it('watches the consul service for server routes and registers with the WAN federation meta, retrying', async () => {
    const seen: { method: string; url: string; token?: string; body: string }[] = [];
    const state = {
      index: 3,
      health: {
        '/v1/health/service/consul': [
          { Node: { Node: 'dc1-srv', Address: '127.0.0.9' }, Service: { Port: 8300, Meta: { grpc_tls_port: '8503' } } },
        ],
      } as Record<string, unknown[]>,
    };
    // Consul is not there yet when the gateway starts: registration fails, then succeeds once it is.
    const cfgFor = (port: number) =>
      gatewayConfig({
        datacenter: 'dc1',
        trustDomain: TD,
        listeners: [{ name: 'lan', address: '127.0.0.1', port: 8443 }],
        routes: { local: [], remote: [], servers: { domain: 'consul', local: [] }, peering: { servers: [] } },
        consul: { address: `http://127.0.0.1:${port}`, register: { id: 'mgw-dc1' } },
      });
    const fake = fakeConsul(state, seen);
    const port = await fake.listen();
    const cfg = cfgFor(port);
    expect(watchesOf(cfg).map((w) => w.path)).toEqual(['/v1/health/service/consul?passing=1']);
    server?.close();
    server?.closeAllConnections();
    const errors: string[] = [];
    let notify: () => void = () => {};
    const maps: ReadonlyMap<string, readonly Endpoint[]>[] = [];
    const d = new ConsulDiscovery(
      cfg,
      (m) => {
        maps.push(m);
        notify();
      },
      (e) => errors.push(e),
    );
    await d.start();
    expect(errors[0]).toMatch(/^consul registration: .*; retrying$/);
    // Consul comes up on the same port.
    await new Promise<void>((r) => server?.listen(port, '127.0.0.1', () => r()));
    await new Promise<void>((r) => {
      notify = r;
      if (maps.length > 0) r();
    });
    for (let i = 0; i < 100 && !seen.some((s) => s.url === '/v1/agent/service/register'); i++)
      await new Promise((r) => setTimeout(r, 50));
    await d.stop();
    const last = maps.at(-1);
    expect(last?.get(SERVERS_KEY)).toEqual([{ node: 'dc1-srv', address: '127.0.0.9', port: 8300 }]);
    expect(last?.get(PEERING_SERVERS_KEY)).toEqual([{ node: 'dc1-srv', address: '127.0.0.9', port: 8503 }]);
    const reg = seen.find((s) => s.url === '/v1/agent/service/register');
    expect(JSON.parse(reg?.body ?? '{}').Meta).toEqual({ 'consul-wan-federation': '1' });
  });
});
