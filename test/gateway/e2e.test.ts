import { createHash, randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { type AddressInfo, connect as netConnect, type Server, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect, createServer as tlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin } from '../../src/gateway/admin.ts';
import { Gateway } from '../../src/gateway/server.ts';
import { captureNodeHello } from './hello-fixture.ts';
import { gatewayConfig, MemoryLog, makePki, type Pki } from './tls-fixture.ts';

const TD = '11111111-2222-3333-4444-555555555555.consul';
const SNI = `currency.default.dc2.internal.${TD}`;

let pki: Pki;
let backend: Server;
let backendPort: number;
const backendSockets = new Set<Socket>();
let gw1: Gateway;
let gw2: Gateway;
const log1 = new MemoryLog();
const log2 = new MemoryLog();

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Backend: TLS echo server that ends its side after the client ends (tests half-close). */
function startBackend(): Promise<void> {
  backend = tlsServer({ cert: pki.cert, key: pki.key, allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  backend.on('connection', (s: Socket) => {
    backendSockets.add(s);
    s.on('close', () => backendSockets.delete(s));
  });
  return new Promise((r) =>
    backend.listen(0, '127.0.0.1', () => {
      backendPort = (backend.address() as AddressInfo).port;
      r();
    }),
  );
}

function gw1Port(): number {
  return gw1.bound.get('lan')?.port as number;
}

/** Connects through dc1's gateway, sends `payload`, half-closes, and resolves with what came back. */
function roundTrip(payload: Buffer, servername = SNI): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const s: TLSSocket = tlsConnect({ host: '127.0.0.1', port: gw1Port(), servername, ca: pki.ca }, () => {
      s.end(payload);
    });
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
  });
}

/** Resolves when a raw TCP connection that sent `bytes` is closed by the gateway (and with what came back). */
function rawClosed(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve) => {
    let got = 0;
    const s = netConnect({ host: '127.0.0.1', port }, () => {
      if (bytes.length) s.write(bytes);
    });
    s.on('data', (d: Buffer) => {
      got += d.length;
    });
    s.on('error', () => {});
    s.on('close', () => resolve(got));
  });
}

beforeAll(async () => {
  pki = makePki([SNI]);
  await startBackend();
  gw2 = new Gateway(
    gatewayConfig({
      datacenter: 'dc2',
      trustDomain: TD,
      listeners: [{ name: 'lan', address: '127.0.0.1', port: 0 }],
      timeouts: { drainMs: 500 },
      routes: {
        local: [{ sni: SNI, service: 'currency', endpoints: [{ address: '127.0.0.1', port: backendPort }] }],
        remote: [],
      },
    }),
    log2,
  );
  await gw2.start();
  gw1 = new Gateway(
    gatewayConfig({
      datacenter: 'dc1',
      trustDomain: TD,
      listeners: [{ name: 'lan', address: '127.0.0.1', port: 0 }],
      timeouts: { clientHelloMs: 300, drainMs: 500 },
      routes: {
        local: [],
        // The first gateway endpoint refuses connections: the gateway must fall through to the next one.
        remote: [
          {
            datacenter: 'dc2',
            gateways: [
              { address: '127.0.0.1', port: 1 },
              { address: '127.0.0.1', port: gw2.bound.get('lan')?.port as number },
            ],
          },
        ],
      },
    }),
    log1,
  );
  await gw1.start();
});

afterAll(async () => {
  await gw1?.drain();
  await gw2?.drain();
  for (const s of backendSockets) s.destroy();
  await new Promise<void>((r) => backend?.close(() => r()));
});

describe('SNI gateway end to end (dc1 gateway → dc2 gateway → TLS server)', () => {
  it('completes the TLS handshake end to end and relays 4 MiB intact both ways with half-close', async () => {
    const payload = randomBytes(4 * 1024 * 1024);
    const back = await roundTrip(payload);
    expect(back.length).toBe(payload.length);
    expect(sha(back)).toBe(sha(payload));
  });

  it('falls through to the next remote gateway when one refuses the connection', async () => {
    for (let i = 0; i < 4; i++) expect((await roundTrip(Buffer.from(`ping ${i}`))).toString()).toBe(`ping ${i}`);
    expect(gw1.stats.connectFailures).toBeGreaterThan(0);
  });

  it('writes one access-log line per connection with SNI, route, upstream and bytes', async () => {
    const before = log1.records.length;
    await roundTrip(Buffer.from('hello'));
    await new Promise((r) => setTimeout(r, 50));
    const rec = log1.records.slice(before).find((r) => r.reason === 'done');
    expect(rec?.sni).toBe(SNI);
    expect(rec?.route).toBe('remote:dc2');
    expect(rec?.upstream).toBe(`127.0.0.1:${gw2.bound.get('lan')?.port}`);
    expect(rec?.bytesIn).toBeGreaterThan(5);
    expect(log2.records.some((r) => r.route === 'local:currency' && r.upstream === `127.0.0.1:${backendPort}`)).toBe(
      true,
    );
  });

  it('closes connections with an unknown SNI, non-TLS bytes, or no hello before the deadline', async () => {
    const unknown = await captureNodeHello(`currency.default.dc9.internal.${TD}`);
    expect(await rawClosed(gw1Port(), unknown)).toBe(0);
    expect(await rawClosed(gw1Port(), Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(0);
    expect(await rawClosed(gw1Port(), Buffer.alloc(0))).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    const reasons = log1.records.map((r) => r.reason);
    expect(reasons).toContain('no-route');
    expect(reasons).toContain('reject-not-tls');
    expect(reasons).toContain('hello-timeout');
  });

  it('routes a ClientHello trickled byte by byte', async () => {
    const hello = await captureNodeHello(SNI);
    const got = await new Promise<boolean>((resolve) => {
      const s = netConnect({ host: '127.0.0.1', port: gw2.bound.get('lan')?.port as number }, async () => {
        s.setNoDelay(true);
        for (const b of hello) {
          s.write(Buffer.from([b]));
          await new Promise((r) => setImmediate(r));
        }
      });
      // The backend answers the (replayed) hello with a ServerHello: a TLS handshake record.
      s.once('data', (d: Buffer) => {
        resolve(d[0] === 0x16);
        s.destroy();
      });
      s.on('error', () => resolve(false));
    });
    expect(got).toBe(true);
  });

  it('keeps open connections through a reload and routes new ones by the new table', async () => {
    const payload = randomBytes(256 * 1024);
    const inflight = Array.from({ length: 20 }, () => roundTrip(payload));
    gw1.reload(gw1.config);
    const results = await Promise.all(inflight);
    for (const r of results) expect(sha(r)).toBe(sha(payload));
    expect(gw1.stats.reloads).toBe(1);
  });

  it('serves /ready, /routes, /stats and /metrics on the admin port', async () => {
    const admin = await startAdmin(gw1, '127.0.0.1', 0);
    const port = (admin.address() as AddressInfo).port;
    const fetchText = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
    try {
      expect((await fetchText('/ready')).status).toBe(200);
      expect(JSON.parse((await fetchText('/routes')).body).routes[0].key).toBe('remote:dc2');
      const stats = JSON.parse((await fetchText('/stats')).body);
      expect(stats.routed['remote:dc2']).toBeGreaterThan(0);
      expect((await fetchText('/metrics')).body).toMatch(/^meshcc_gateway_routed_total\{route="remote:dc2"\} \d+$/m);
      expect((await fetchText('/nope')).status).toBe(404);
    } finally {
      await new Promise<void>((r) => admin.close(() => r()));
    }
  });
});

describe('SNI gateway drain and connection limits', () => {
  it('drains without dropping open connections and refuses new ones', async () => {
    const log = new MemoryLog();
    const gw = new Gateway(
      gatewayConfig({
        datacenter: 'dc2',
        trustDomain: TD,
        listeners: [{ name: 'lan', address: '127.0.0.1', port: 0 }],
        timeouts: { drainMs: 20_000 },
        routes: {
          local: [{ sni: SNI, service: 'currency', endpoints: [{ address: '127.0.0.1', port: backendPort }] }],
          remote: [],
        },
      }),
      log,
    );
    await gw.start();
    const port = gw.bound.get('lan')?.port as number;
    const sockets = await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          new Promise<TLSSocket>((resolve, reject) => {
            const s = tlsConnect({ host: '127.0.0.1', port, servername: SNI, ca: pki.ca }, () => resolve(s));
            s.on('error', reject);
          }),
      ),
    );
    const drained = gw.drain();
    expect(gw.ready).toBe(false);
    // New connections are refused once draining.
    const refused = await new Promise<boolean>((resolve) => {
      const s = netConnect({ host: '127.0.0.1', port });
      s.on('error', () => resolve(true));
      s.on('connect', () => {
        s.destroy();
        resolve(false);
      });
    });
    expect(refused).toBe(true);
    // Open connections keep working until their clients finish.
    const echoes = await Promise.all(
      sockets.map(
        (s, i) =>
          new Promise<string>((resolve) => {
            let got = '';
            s.on('data', (d) => (got += d));
            s.on('end', () => resolve(got));
            s.end(`still here ${i}`);
          }),
      ),
    );
    expect(echoes).toEqual(sockets.map((_, i) => `still here ${i}`));
    await drained;
    expect(log.records.filter((r) => r.reason === 'done').length).toBe(10);
    expect(log.records.some((r) => r.reason === 'drain')).toBe(false);
  });

  it('closes connections over the pre-routing limit at once', async () => {
    const log = new MemoryLog();
    const gw = new Gateway(
      gatewayConfig({
        datacenter: 'dc2',
        trustDomain: TD,
        listeners: [{ name: 'lan', address: '127.0.0.1', port: 0 }],
        limits: { maxPendingHandshakes: 2 },
        timeouts: { drainMs: 0 },
        routes: { local: [], remote: [] },
      }),
      log,
    );
    await gw.start();
    const port = gw.bound.get('lan')?.port as number;
    const idle = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<ReturnType<typeof netConnect>>((r) => {
            const s = netConnect({ host: '127.0.0.1', port }, () => r(s));
            s.on('error', () => {});
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(await rawClosed(port, Buffer.alloc(0))).toBe(0);
    // The native path reports closes in batches, just after the client saw the close.
    for (let i = 0; i < 100 && !log.records.some((r) => r.reason === 'limit-pending'); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(log.records.map((r) => r.reason)).toContain('limit-pending');
    for (const s of idle) s.destroy();
    await gw.drain();
  });
});
