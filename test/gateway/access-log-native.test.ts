/**
 * The native accept path writes the access log itself when it goes to a file or stdout (no per-connection event
 * reaches JavaScript) and keeps the counters on its thread. The line must be the one `formatAccessRecord` writes:
 * the C formatter is checked byte for byte against it (odd strings included: quotes, backslashes, control characters,
 * DEL, U+2028, astral characters, lone surrogates in the names JavaScript encodes), and the same traffic through a
 * gateway that logs natively and one whose lines go through JavaScript gives the same records and counters.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessRecord, formatAccessRecord, openAccessLog } from '../../src/gateway/access-log.ts';
import { nativeAccept } from '../../src/gateway/native-relay.ts';
import { Gateway } from '../../src/gateway/server.ts';
import { statsJson } from '../../src/gateway/stats.ts';
import { clientHello, clientHelloMessage, records } from './hello-fixture.ts';
import { type OkBackend, startOkBackend } from './ok-backend.ts';
import { gatewayConfig, MemoryLog } from './tls-fixture.ts';

const native = nativeAccept();
const TD = 'abc.consul';
const sni = (svc: string) => `${svc}.default.dc1.internal.${TD}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the native log writes for `r` (strings the thread gets from JavaScript are passed JSON-encoded). */
function nativeLine(r: AccessRecord, sniFromJs: boolean): string {
  const n = native as NonNullable<typeof native>;
  const j = (v: string | undefined) => (v === undefined ? null : JSON.stringify(v));
  return n.formatAccess(
    r.start,
    JSON.stringify(r.listener),
    r.client,
    sniFromJs ? null : (r.sni ?? null),
    sniFromJs ? j(r.sni) : null,
    j(r.route),
    j(r.upstream),
    r.bytesIn,
    r.bytesOut,
    r.durationMs,
    JSON.stringify(r.reason),
  );
}

const ODD = [
  '',
  'plain',
  'quote " and backslash \\ and slash /',
  '\u0000\u0001\u0007\b\t\n\u000b\f\r\u000e\u001b\u001f',
  'del \u007f, nbsp \u00a0, é, ß, 中文',
  'line sep \u2028 para sep \u2029',
  'astral 😀 𝄞',
  '\\u0041 not an escape',
  '::ffff:127.0.0.1:65535',
];
/** Lone surrogates: only in strings JavaScript encodes (names from the config), never in the SNI or peer address. */
const LONE = ['\ud800', 'a\udfffb', '\udc00\ud800'];

describe.skipIf(!native)('native access log', () => {
  it('formats the same bytes as formatAccessRecord (fixed odd strings)', () => {
    const base: AccessRecord = {
      start: 1_763_900_000_123,
      listener: 'lan',
      client: '127.0.0.1:5000',
      sni: sni('web'),
      route: 'local:web',
      upstream: '127.0.0.1:8443',
      bytesIn: 431,
      bytesOut: 1,
      durationMs: 12,
      reason: 'done',
    };
    const cases: AccessRecord[] = [base, { ...base, sni: undefined, route: undefined, upstream: undefined }];
    for (const s of ODD) {
      cases.push({ ...base, sni: s, client: s });
      cases.push({ ...base, listener: s, route: s, upstream: s, reason: s as AccessRecord['reason'] });
    }
    for (const s of LONE) cases.push({ ...base, listener: s, route: s, upstream: s });
    for (const start of [0, 1, 999, 1000, 86_399_999, 951_782_400_000, 4_102_444_799_999, 1_763_900_000_010]) {
      cases.push({ ...base, start });
    }
    for (const n of [0, 2 ** 32, 2 ** 53 - 1]) cases.push({ ...base, bytesIn: n, bytesOut: n, durationMs: n });
    cases.push({ ...base, durationMs: -5 });
    for (const r of cases) {
      expect(nativeLine(r, false)).toBe(formatAccessRecord(r));
      if (!r.sni || !LONE.includes(r.sni)) expect(nativeLine(r, true)).toBe(formatAccessRecord(r));
    }
  });

  it('formats the same bytes as formatAccessRecord (property)', () => {
    const wellFormed = fc.string({ unit: 'binary', maxLength: 40 });
    const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
    fc.assert(
      fc.property(
        fc.record({
          start: fc.integer({ min: 0, max: 4_102_444_799_999 }),
          listener: anyUnits,
          client: wellFormed,
          sni: fc.option(wellFormed, { nil: undefined }),
          route: fc.option(anyUnits, { nil: undefined }),
          upstream: fc.option(anyUnits, { nil: undefined }),
          bytesIn: fc.maxSafeNat(),
          bytesOut: fc.maxSafeNat(),
          durationMs: fc.integer({ min: -1000, max: 2 ** 31 }),
          reason: anyUnits as fc.Arbitrary<AccessRecord['reason']>,
        }),
        fc.boolean(),
        (r, fromJs) => {
          expect(nativeLine(r, fromJs)).toBe(formatAccessRecord(r));
        },
      ),
      { numRuns: 2000 },
    );
  });

  describe('same traffic, native log vs JavaScript log', () => {
    let backend: OkBackend;
    let port: number;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'meshcc-native-log-'));
      backend = await startOkBackend();
      port = backend.port;
    });
    afterAll(() => {
      backend.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const config = () =>
      gatewayConfig({
        datacenter: 'dc1',
        trustDomain: TD,
        listeners: [{ name: 'lan', address: '127.0.0.1', port: 0 }],
        timeouts: { drainMs: 300, clientHelloMs: 1_500 }, // long enough for a loaded machine; the last case waits it out
        limits: { maxConnections: 50, maxPendingHandshakes: 50 },
        routes: {
          local: [
            { sni: sni('web'), service: 'web', endpoints: [{ address: '127.0.0.1', port }] },
            { sni: sni('named'), service: 'named', endpoints: [{ address: 'localhost', port }] },
            {
              sni: sni('down'),
              service: 'down',
              endpoints: [
                { address: '127.0.0.1', port: 1 },
                { address: '127.0.0.1', port },
              ],
            },
            { sni: sni('dead'), service: 'dead', endpoints: [{ address: '127.0.0.1', port: 1 }] },
          ],
          remote: [],
        },
      });

    /** Sends `bytes` (in `parts` writes), reads until the gateway answers "ok" or closes, then ends. */
    function ask(gwPort: number, bytes: Buffer, parts = 1): Promise<string> {
      return new Promise((resolve) => {
        let data = '';
        const s = connect({ host: '127.0.0.1', port: gwPort, allowHalfOpen: true, noDelay: true }, async () => {
          const step = Math.ceil(bytes.length / parts);
          for (let i = 0; i < bytes.length; i += step) {
            s.write(bytes.subarray(i, i + step));
            await sleep(5);
          }
        });
        s.on('data', (d) => {
          data += d;
          if (data === 'ok') s.end();
        });
        s.on('error', () => {});
        s.on('end', () => s.end());
        s.on('close', () => resolve(data));
      });
    }

    /** One gateway through the whole script; returns its `/stats` document before drain. */
    async function run(gw: Gateway): Promise<{ stats: Record<string, unknown> }> {
      gw.relayMode = 'native';
      await gw.start();
      const p = gw.bound.get('lan')?.port as number;
      const answers = [
        await ask(p, clientHello({ sni: [sni('web')] })), // routed on the thread
        await ask(p, records(clientHelloMessage({ sni: [sni('web')] }), 50), 4), // hello over records: JS
        await ask(p, clientHello({ sni: [sni('named')] })), // host-name endpoint: JS resolves
        await ask(p, clientHello({ sni: [sni('down')] })), // first endpoint refuses: failover
        await ask(p, clientHello({ sni: [sni('dead')] })), // every endpoint refuses
        await ask(p, clientHello({ sni: [sni('nope')] })), // no route
        await ask(p, Buffer.from('GET / HTTP/1.1\r\n\r\n')), // not TLS
        await ask(p, clientHello({ sni: [sni('web')] }).subarray(0, 30)), // hello timeout
      ];
      expect(answers).toEqual(['ok', 'ok', 'ok', 'ok', '', '', '', '']);
      await sleep(50);
      const stats = statsJson(gw.stats, { active: gw.activeConnections, pending: gw.pendingHandshakes, ready: true });
      await gw.drain();
      return { stats };
    }

    /** A line's fields without the ones that differ between runs (time, duration, client port). */
    const norm = (line: string) => {
      const r = JSON.parse(line) as Record<string, unknown>;
      for (const k of ['time', 'durationMs', 'client']) delete r[k];
      return JSON.stringify(r);
    };

    it('writes the same lines (natively) and counts the same as when JavaScript logs', async () => {
      const path = join(dir, 'access.log');
      const fileLog = openAccessLog({ enabled: true, path });
      const a = new Gateway(config(), fileLog);
      const ra = await run(a);
      fileLog.close();
      const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);

      const mem = new MemoryLog();
      const b = new Gateway(config(), mem);
      const rb = await run(b);

      expect(lines).toHaveLength(8);
      const parsed = lines.map((l) => JSON.parse(l) as AccessRecord & { time: string });
      for (const [i, l] of lines.entries()) {
        const r = parsed[i] as AccessRecord & { time: string };
        // The line is exactly what formatAccessRecord makes of its own fields.
        expect(l).toBe(formatAccessRecord({ ...r, start: Date.parse(r.time) }).trimEnd());
        expect(r.client).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(r.durationMs).toBeGreaterThanOrEqual(0);
      }
      expect(lines.map(norm).sort()).toEqual(mem.records.map((r) => norm(formatAccessRecord(r))).sort());
      expect(parsed.map((r) => r.reason).sort()).toEqual(
        ['done', 'done', 'done', 'done', 'connect-failed', 'no-route', 'reject-not-tls', 'hello-timeout'].sort(),
      );
      expect(ra.stats).toEqual(rb.stats);
      expect(ra.stats).toMatchObject({
        accepted: 8,
        connectFailures: 2,
        routed: { 'local:web': 2, 'local:named': 1, 'local:down': 1 },
      });
    });
  });
});
