/**
 * The relay path both ways: the native splice relay (when `npm run build:relay` was run) and the JavaScript relay
 * (always). Byte-exact in both directions, half-close either way, a slow reader (backpressure), many small writes
 * (ordering), an upstream reset, the idle timeout and drain (abort), and the access-log byte counts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../src/gateway/access-log.ts';
import { nativeAccept, nativeRelayAvailable } from '../../src/gateway/native-relay.ts';
import { Gateway } from '../../src/gateway/server.ts';
import { clientHello } from './hello-fixture.ts';
import { gatewayConfig, MemoryLog } from './tls-fixture.ts';

const TD = '11111111-2222-3333-4444-555555555555.consul';
const sni = (svc: string) => `${svc}.default.dc1.internal.${TD}`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the `server-first` backend received from each connection, by connection order. */
const serverFirstGot: Promise<Buffer>[] = [];
const resolveServerFirst: ((b: Buffer) => void)[] = [];

function listen(handler: (s: Socket) => void): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    handler(s);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

const servers: Server[] = [];
const port = (s: Server) => (s.address() as AddressInfo).port;

async function startBackends(): Promise<Record<string, number>> {
  // echo: writes back everything, ends its side after the client ended (half-close).
  const echo = await listen((s) => s.pipe(s));
  // server-first: sends 1 MiB and ends its side at once, keeps reading until the client ends.
  const first = await listen((s) => {
    const resolve = resolveServerFirst.shift();
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.on('end', () => {
      resolve?.(Buffer.concat(got));
      s.end();
    });
    s.end(SERVER_FIRST);
  });
  // reset: answers the first bytes with a TCP reset.
  const reset = await listen((s) => s.once('data', () => s.resetAndDestroy()));
  servers.push(echo, first, reset);
  return { echo: port(echo), first: port(first), reset: port(reset) };
}

const SERVER_FIRST = randomBytes(1024 * 1024 + 17);

function makeGateway(ports: Record<string, number>, log: MemoryLog, timeouts: Record<string, number> = {}): Gateway {
  return new Gateway(
    gatewayConfig({
      datacenter: 'dc1',
      trustDomain: TD,
      listeners: [{ name: 'lan', address: '127.0.0.1', port: 0 }],
      timeouts: { drainMs: 300, ...timeouts },
      routes: {
        local: Object.entries(ports).map(([svc, p]) => ({
          sni: sni(svc),
          service: svc,
          endpoints: [{ address: '127.0.0.1', port: p }],
        })),
        remote: [],
      },
    }),
    log,
  );
}

/** Waits until the log holds a record for a connection routed to `svc` that was not seen before. */
async function nextRecord(log: MemoryLog, svc: string, seen: Set<AccessRecord>): Promise<AccessRecord> {
  for (let i = 0; i < 500; i++) {
    const r = log.records.find((x) => x.route === `local:${svc}` && !seen.has(x));
    if (r) {
      seen.add(r);
      return r;
    }
    await sleep(10);
  }
  throw new Error(`no access record for ${svc}`);
}

interface Result {
  readonly data: Buffer;
  readonly ended: boolean;
  readonly error?: string;
}

/** Opens a connection through the gateway, runs `drive` and collects what comes back until the socket closes. */
function through(
  gwPort: number,
  svc: string,
  drive: (s: Socket) => void,
  opts: { pauseMs?: number; endOnEnd?: boolean } = {},
): Promise<Result> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let ended = false;
    let error: string | undefined;
    const s = connect({ host: '127.0.0.1', port: gwPort, allowHalfOpen: true, noDelay: true }, () => {
      s.write(clientHello({ sni: [sni(svc)] }));
      drive(s);
    });
    if (opts.pauseMs) {
      s.pause();
      setTimeout(() => s.resume(), opts.pauseMs);
    }
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => {
      ended = true;
      // The gateway ended our read side: end ours too unless the test keeps talking (half-open client).
      if (opts.endOnEnd !== false && !s.writableEnded) s.end();
    });
    s.on('error', (e) => {
      error = (e as NodeJS.ErrnoException).code ?? e.message;
    });
    s.on('close', () => resolve({ data: Buffer.concat(parts), ended, error }));
  });
}

const modes: { name: 'native' | 'handover' | 'js'; skip: boolean }[] = [
  { name: 'native', skip: !nativeAccept() },
  { name: 'handover', skip: !nativeRelayAvailable() },
  { name: 'js', skip: false },
];

let ports: Record<string, number>;
beforeAll(async () => {
  ports = await startBackends();
});
afterAll(() => {
  for (const s of servers) s.close();
});

for (const mode of modes) {
  describe.skipIf(mode.skip)(`relay (${mode.name})`, () => {
    const log = new MemoryLog();
    const seen = new Set<AccessRecord>();
    let gw: Gateway;
    let gwPort: number;

    beforeAll(async () => {
      gw = makeGateway(ports, log);
      gw.relayMode = mode.name;
      await gw.start();
      gwPort = gw.bound.get('lan')?.port as number;
    });
    afterAll(async () => {
      await gw.drain();
    });

    it('relays 8 MiB byte-exact both ways with a client half-close, and logs the byte counts', async () => {
      const hello = clientHello({ sni: [sni('echo')] });
      const payload = randomBytes(8 * 1024 * 1024 + 3);
      const r = await through(gwPort, 'echo', (s) => s.end(payload));
      expect(r.error).toBeUndefined();
      expect(r.ended).toBe(true);
      expect(r.data.length).toBe(hello.length + payload.length);
      expect(sha(r.data)).toBe(sha(Buffer.concat([hello, payload])));
      const rec = await nextRecord(log, 'echo', seen);
      expect(rec.reason).toBe('done');
      expect(rec.bytesIn).toBe(hello.length + payload.length);
      expect(rec.bytesOut).toBe(hello.length + payload.length);
    });

    it('keeps order over many small writes and survives a slow reader (backpressure)', async () => {
      const hello = clientHello({ sni: [sni('echo')] });
      const chunks = Array.from({ length: 3000 }, (_, i) => randomBytes(1 + ((i * 7919) % 3000)));
      const r = await through(
        gwPort,
        'echo',
        (s) => {
          let i = 0;
          const next = () => {
            while (i < chunks.length) {
              const ok = s.write(chunks[i++] as Buffer);
              if (i % 97 === 0) return void setImmediate(next);
              if (!ok) return void s.once('drain', next);
            }
            s.end();
          };
          next();
        },
        { pauseMs: 400 },
      );
      expect(r.error).toBeUndefined();
      expect(sha(r.data)).toBe(sha(Buffer.concat([hello, ...chunks])));
      expect((await nextRecord(log, 'echo', seen)).reason).toBe('done');
    });

    it('preserves an upstream half-close: the client still sends after the server ended', async () => {
      const got = new Promise<Buffer>((r) => resolveServerFirst.push(r));
      serverFirstGot.push(got);
      const hello = clientHello({ sni: [sni('first')] });
      const later = randomBytes(2 * 1024 * 1024 + 5);
      const r = await through(
        gwPort,
        'first',
        (s) => {
          s.on('end', () => s.end(later));
        },
        { endOnEnd: false },
      );
      expect(r.error).toBeUndefined();
      expect(r.ended).toBe(true);
      expect(sha(r.data)).toBe(sha(SERVER_FIRST));
      expect(sha(await got)).toBe(sha(Buffer.concat([hello, later])));
      const rec = await nextRecord(log, 'first', seen);
      expect(rec.reason).toBe('done');
      expect(rec.bytesIn).toBe(hello.length + later.length);
      expect(rec.bytesOut).toBe(SERVER_FIRST.length);
    });

    it('closes the client when the upstream resets', async () => {
      const r = await through(gwPort, 'reset', () => {});
      expect(r.data.length).toBe(0);
      expect((await nextRecord(log, 'reset', seen)).reason).toBe('upstream-error');
    });

    it('closes idle connections and aborts open ones on drain', async () => {
      const log2 = new MemoryLog();
      const gw2 = makeGateway(ports, log2, { idleMs: 300, drainMs: 200 });
      gw2.relayMode = mode.name;
      await gw2.start();
      const p2 = gw2.bound.get('lan')?.port as number;
      const t0 = Date.now();
      const idle = await through(p2, 'echo', () => {});
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(idle.data.length).toBe(clientHello({ sni: [sni('echo')] }).length);
      expect((await nextRecord(log2, 'echo', new Set())).reason).toBe('idle');
      // A connection kept busy (no idle expiry) is aborted by drain.
      let timer: NodeJS.Timeout | undefined;
      const busy = through(p2, 'echo', (s) => {
        timer = setInterval(() => s.write('ping'), 50);
      });
      await sleep(150);
      await gw2.drain();
      clearInterval(timer);
      await busy;
      expect(log2.records.map((r) => r.reason)).toEqual(['idle', 'drain']);
      expect(gw2.activeConnections).toBe(0);
    });
  });
}
