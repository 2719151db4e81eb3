/**
 * The native accept path (addon built): what only it has — the route table pushed to the thread on start, reload
 * and discovery; routes whose endpoints need DNS (JavaScript resolves, the thread dials); hellos the thread leaves
 * to the JS parser (fragmented over records); close reports arriving in batches; the gauges and drain with
 * connections still reading their hello. The shared behaviour runs under every data path in relay.test.ts.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeAccept } from '../../src/gateway/native-relay.ts';
import { Gateway } from '../../src/gateway/server.ts';
import { clientHello, clientHelloMessage, records } from './hello-fixture.ts';
import { type OkBackend, startOkBackend } from './ok-backend.ts';
import { gatewayConfig, MemoryLog } from './tls-fixture.ts';

const TD = 'abc.consul';
const sni = (svc: string) => `${svc}.default.dc1.internal.${TD}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let backend: OkBackend;
let port: number;

beforeAll(async () => {
  backend = await startOkBackend();
  port = backend.port;
});
afterAll(() => backend.close());

function gateway(local: { sni: string; service: string; address: string }[], log: MemoryLog, extra = {}): Gateway {
  const gw = new Gateway(
    gatewayConfig({
      datacenter: 'dc1',
      trustDomain: TD,
      listeners: [{ name: 'lan', address: '127.0.0.1', port: 0 }],
      timeouts: { drainMs: 300, clientHelloMs: 400 },
      routes: {
        local: local.map((l) => ({ sni: l.sni, service: l.service, endpoints: [{ address: l.address, port }] })),
        remote: [],
      },
      ...extra,
    }),
    log,
  );
  gw.relayMode = 'native';
  return gw;
}

/** Sends `hello` (in `parts` writes) and resolves with what came back once the gateway answered or closed. */
function ask(gwPort: number, hello: Buffer, parts = 1): Promise<{ data: string; sock: Socket }> {
  return new Promise((resolve) => {
    let data = '';
    const s = connect({ host: '127.0.0.1', port: gwPort, allowHalfOpen: true, noDelay: true }, async () => {
      const step = Math.ceil(hello.length / parts);
      for (let i = 0; i < hello.length; i += step) {
        s.write(hello.subarray(i, i + step));
        await sleep(5);
      }
    });
    s.on('data', (d) => {
      data += d;
      if (data === 'ok') resolve({ data, sock: s });
    });
    s.on('error', () => {});
    // Refused: the gateway ended its side; end ours so the socket closes.
    s.on('end', () => data !== 'ok' && s.end());
    s.on('close', () => resolve({ data, sock: s }));
  });
}

async function waitFor<T>(f: () => T | undefined, ms = 2000): Promise<T> {
  for (let t = 0; t < ms; t += 10) {
    const v = f();
    if (v !== undefined) return v;
    await sleep(10);
  }
  throw new Error('timed out');
}

describe.skipIf(!nativeAccept())('native accept path', () => {
  it('routes natively, leaves fragmented hellos and DNS endpoints to JavaScript, and logs each the same way', async () => {
    const log = new MemoryLog();
    const gw = gateway(
      [
        { sni: sni('web'), service: 'web', address: '127.0.0.1' },
        { sni: sni('named'), service: 'named', address: 'localhost' },
      ],
      log,
    );
    await gw.start();
    const p = gw.bound.get('lan')?.port as number;
    const a = await ask(p, clientHello({ sni: [sni('web')] }));
    const b = await ask(p, records(clientHelloMessage({ sni: [sni('web')] }), 50), 4);
    const c = await ask(p, clientHello({ sni: [sni('named')] }));
    expect([a.data, b.data, c.data]).toEqual(['ok', 'ok', 'ok']);
    expect(gw.activeConnections).toBe(3);
    expect(gw.stats.routes.get('local:web')).toBe(2);
    for (const x of [a, b, c]) x.sock.end();
    const recs = await waitFor(() => (log.records.length === 3 ? log.records : undefined));
    expect(recs.map((r) => [r.route, r.upstream, r.reason]).sort()).toEqual(
      [
        ['local:named', `localhost:${port}`, 'done'],
        ['local:web', `127.0.0.1:${port}`, 'done'],
        ['local:web', `127.0.0.1:${port}`, 'done'],
      ].sort(),
    );
    for (const r of recs) {
      expect(r.client).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(r.listener).toBe('lan');
      expect(r.sni).toBe(r.route === 'local:web' ? sni('web') : sni('named'));
      expect(r.bytesOut).toBe(2);
    }
    expect(gw.activeConnections).toBe(0);
    expect(gw.stats.accepted).toBe(3);
    await gw.drain();
  });

  it('applies a reload to new connections only (the thread gets the new table)', async () => {
    const log = new MemoryLog();
    const gw = gateway([{ sni: sni('web'), service: 'web', address: '127.0.0.1' }], log);
    await gw.start();
    const p = gw.bound.get('lan')?.port as number;
    const open = await ask(p, clientHello({ sni: [sni('web')] }));
    expect(open.data).toBe('ok');
    const next = gatewayConfig({
      datacenter: 'dc1',
      trustDomain: TD,
      listeners: [{ name: 'lan', address: '127.0.0.1', port: 0 }],
      timeouts: { drainMs: 300 },
      routes: { local: [{ sni: sni('api'), service: 'api', endpoints: [{ address: '127.0.0.1', port }] }], remote: [] },
    });
    gw.reload(next);
    await sleep(20);
    expect((await ask(p, clientHello({ sni: [sni('web')] }))).data).toBe('');
    expect((await ask(p, clientHello({ sni: [sni('api')] }))).data).toBe('ok');
    // The connection opened before the reload still relays.
    const more = await new Promise<string>((resolve) => {
      let got = '';
      open.sock.on('data', (d) => (got += d));
      open.sock.on('end', () => resolve(got));
      open.sock.end('bye');
    });
    expect(more).toBe('');
    const reasons = await waitFor(() => {
      const r = log.records.map((x) => `${x.route ?? '-'} ${x.reason}`).sort();
      return r.length >= 2 && r.includes('local:web done') ? r : undefined;
    });
    expect(reasons).toContain('- no-route');
    expect(reasons).toContain('local:web done');
    await gw.drain();
    // The `api` connection was still open: drain aborted it.
    expect(log.records.map((r) => r.reason).sort()).toEqual(['done', 'drain', 'no-route']);
  });

  it('reports many closes in batches with the right counts, and drains a connection still reading its hello', async () => {
    const log = new MemoryLog();
    const gw = gateway([{ sni: sni('web'), service: 'web', address: '127.0.0.1' }], log, {
      timeouts: { drainMs: 200, clientHelloMs: 5000 },
    });
    await gw.start();
    const p = gw.bound.get('lan')?.port as number;
    const conns = await Promise.all(Array.from({ length: 200 }, () => ask(p, clientHello({ sni: [sni('web')] }))));
    expect(conns.every((c) => c.data === 'ok')).toBe(true);
    expect(gw.activeConnections).toBe(200);
    // Half a hello: pending until drain closes it.
    const half = connect({ host: '127.0.0.1', port: p }, () =>
      half.write(clientHello({ sni: [sni('web')] }).subarray(0, 20)),
    );
    half.on('error', () => {});
    await waitFor(() => (gw.pendingHandshakes === 1 ? true : undefined));
    for (const c of conns) c.sock.end();
    await waitFor(() => (log.records.length === 200 ? true : undefined));
    expect(log.records.every((r) => r.reason === 'done' && r.bytesOut === 2 && r.bytesIn > 100)).toBe(true);
    expect(gw.stats.bytesOut).toBe(400);
    await gw.drain();
    expect(log.records.at(-1)?.reason).toBe('client-closed');
    expect(log.records.at(-1)?.bytesIn).toBe(20);
    expect(gw.activeConnections).toBe(0);
    expect(gw.pendingHandshakes).toBe(0);
  });
});
