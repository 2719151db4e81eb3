import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientHelloParser, type HelloResult, isLdhHostname, parseWholeHello } from '../../src/gateway/client-hello.ts';
import { captureNodeHello, clientHello, clientHelloMessage, records } from './hello-fixture.ts';

const SNI = 'currency.default.dc2.internal.11111111-2222-3333-4444-555555555555.consul';

function parseAll(buf: Buffer, max?: number): HelloResult {
  return new ClientHelloParser(max ? { maxHelloBytes: max } : {}).push(buf);
}

function parseSplit(buf: Buffer, cuts: readonly number[]): HelloResult {
  const p = new ClientHelloParser();
  let last: HelloResult = { kind: 'need-more' };
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    last = p.push(buf.subarray(prev, c));
    prev = c;
    if (last.kind !== 'need-more') break;
  }
  return last;
}

describe('ClientHello parser', () => {
  it('extracts the SNI from a complete hello in one record', () => {
    expect(parseAll(clientHello({ sni: [SNI] }))).toEqual({ kind: 'sni', sni: SNI });
  });

  it('extracts the SNI from a real node:tls ClientHello', async () => {
    const real = await captureNodeHello(SNI);
    expect(parseAll(real)).toEqual({ kind: 'sni', sni: SNI });
  });

  it('gives the same answer when the hello is split into two segments at every byte offset', () => {
    const buf = clientHello({ sni: [SNI] });
    for (let i = 1; i < buf.length; i++) expect(parseSplit(buf, [i])).toEqual({ kind: 'sni', sni: SNI });
  });

  it('answers need-more on every strict prefix of the hello', () => {
    const buf = clientHello({ sni: [SNI] });
    for (let i = 0; i < buf.length; i++) expect(parseAll(buf.subarray(0, i)).kind).toBe('need-more');
  });

  it('reassembles a hello spread over several TLS records, split at every byte offset', () => {
    const buf = records(clientHelloMessage({ sni: [SNI] }), 37);
    expect(parseAll(buf)).toEqual({ kind: 'sni', sni: SNI });
    for (let i = 1; i < buf.length; i++) expect(parseSplit(buf, [i])).toEqual({ kind: 'sni', sni: SNI });
  });

  it('handles a trickling sender one byte at a time', () => {
    const buf = records(clientHelloMessage({ sni: [SNI], padding: 3000 }), 1000);
    const cuts = Array.from({ length: buf.length - 1 }, (_, i) => i + 1);
    expect(parseSplit(buf, cuts)).toEqual({ kind: 'sni', sni: SNI });
  });

  it('lower-cases an upper-case SNI', () => {
    expect(parseAll(clientHello({ sni: [SNI.toUpperCase()] }))).toEqual({ kind: 'sni', sni: SNI });
  });

  it('accepts a large hello up to the 16 KiB cap', () => {
    const msg = clientHelloMessage({ sni: [SNI], padding: 16_000 });
    expect(msg.length).toBeLessThanOrEqual(16_384);
    expect(parseAll(records(msg, 4000))).toEqual({ kind: 'sni', sni: SNI });
  });

  it('rejects a hello whose handshake length exceeds the cap from the header alone', () => {
    const msg = clientHelloMessage({ sni: [SNI], padding: 16_400 });
    const buf = records(msg, 16_384);
    // Only the record header and handshake header are needed for the decision.
    expect(parseAll(buf.subarray(0, 9))).toEqual({ kind: 'reject', reason: 'hello-too-large' });
    expect(parseAll(clientHello({ sni: [SNI], padding: 2000 }), 1024)).toEqual({
      kind: 'reject',
      reason: 'hello-too-large',
    });
  });

  it('rejects a record longer than 2^14 bytes from its header', () => {
    expect(parseAll(Buffer.from([0x16, 3, 1, 0x40, 0x01]))).toEqual({ kind: 'reject', reason: 'record-overflow' });
  });

  it('rejects non-TLS bytes, SSLv2-style hellos and a non-ClientHello handshake', () => {
    expect(parseAll(Buffer.from('GET / HTTP/1.1\r\n'))).toEqual({ kind: 'reject', reason: 'not-tls' });
    expect(parseAll(Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01]))).toEqual({ kind: 'reject', reason: 'sslv2' });
    expect(parseAll(Buffer.from([0x16, 2, 0]))).toEqual({ kind: 'reject', reason: 'not-tls' });
    expect(parseAll(Buffer.from([0x16, 3, 1, 0, 4, 2, 0, 0, 0]))).toEqual({
      kind: 'reject',
      reason: 'not-client-hello',
    });
  });

  it('rejects a hello without the server_name extension or without any extensions', () => {
    expect(parseAll(clientHello({}))).toEqual({ kind: 'reject', reason: 'no-sni' });
    expect(parseAll(clientHello({ noExtensions: true }))).toEqual({ kind: 'reject', reason: 'no-sni' });
  });

  it('rejects an SNI that is not an LDH host name', () => {
    for (const bad of [
      'a..b',
      'a_b.consul',
      'x:443',
      '-a.consul',
      'a.consul.',
      `${'a'.repeat(64)}.consul`,
      'é.consul',
    ]) {
      expect(parseAll(clientHello({ sni: [bad] }))).toEqual({ kind: 'reject', reason: 'bad-sni' });
    }
  });

  it('rejects two host names in one server_name extension', () => {
    expect(parseAll(clientHello({ sni: ['a.consul', 'b.consul'] }))).toEqual({ kind: 'reject', reason: 'malformed' });
  });

  it('rejects a truncated hello whose lengths do not add up', () => {
    const msg = clientHelloMessage({ sni: [SNI] });
    const cut = Buffer.from(msg);
    cut.writeUIntBE(msg.length - 4 - 10, 1, 3); // claims 10 bytes fewer than the extensions need
    expect(parseAll(records(cut.subarray(0, msg.length - 10)))).toEqual({ kind: 'reject', reason: 'malformed' });
  });

  it('rejects a non-handshake record in the middle of a fragmented hello', () => {
    const buf = records(clientHelloMessage({ sni: [SNI] }), 50);
    const bad = Buffer.from(buf);
    bad[55] = 0x17; // second record header: application_data
    expect(parseAll(bad)).toEqual({ kind: 'reject', reason: 'bad-record' });
  });

  it('never throws and never answers sni for random garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
        const r = parseAll(Buffer.from(bytes));
        expect(r.kind).not.toBe('sni');
      }),
    );
  });

  it('decides the same way however the bytes are split (property)', () => {
    const hello = fc
      .record({
        sni: fc.option(fc.constantFrom(SNI, 'WEB.default.dc1.internal.abc.consul', 'bad_name.consul'), {
          nil: undefined,
        }),
        padding: fc.nat(3000),
        recordSize: fc.integer({ min: 1, max: 16384 }),
        corrupt: fc.option(fc.nat(), { nil: undefined }),
      })
      .map(({ sni, padding, recordSize, corrupt }) => {
        const buf = records(clientHelloMessage({ ...(sni ? { sni: [sni] } : {}), padding }), recordSize);
        if (corrupt !== undefined) buf[corrupt % buf.length] = (buf[corrupt % buf.length] as number) ^ 0x5a;
        return buf;
      });
    fc.assert(
      fc.property(hello, fc.array(fc.nat(), { maxLength: 8 }), (buf, rawCuts) => {
        const cuts = [...new Set(rawCuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
        expect(parseSplit(buf, cuts)).toEqual(parseAll(buf));
      }),
      { numRuns: 300 },
    );
  });

  it('the one-record fast path decides like the parser, or defers to it (property)', () => {
    const hello = fc
      .record({
        sni: fc.option(fc.constantFrom(SNI, 'WEB.default.dc1.internal.abc.consul', 'bad_name.consul'), {
          nil: undefined,
        }),
        padding: fc.nat(17000),
        recordSize: fc.integer({ min: 1, max: 20000 }),
        corrupt: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }),
        cut: fc.option(fc.nat(), { nil: undefined }),
        max: fc.integer({ min: 512, max: 16384 }),
      })
      .map(({ sni, padding, recordSize, corrupt, cut, max }) => {
        let buf = records(clientHelloMessage({ ...(sni ? { sni: [sni] } : {}), padding }), recordSize);
        for (const [at, v] of corrupt) buf[at % buf.length] = v;
        if (cut !== undefined) buf = buf.subarray(0, cut % (buf.length + 1));
        return { buf, max };
      });
    let fast = 0;
    fc.assert(
      fc.property(hello, ({ buf, max }) => {
        const r = parseWholeHello(buf, max);
        if (r === undefined) return;
        fast++;
        expect(r).toEqual(parseAll(buf, max));
      }),
      { numRuns: 1000 },
    );
    // Garbage and the corpus above too.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), (bytes) => {
        const b = Buffer.from(bytes);
        const r = parseWholeHello(b);
        if (r !== undefined) expect(r).toEqual(parseAll(b));
      }),
    );
    expect(fast).toBeGreaterThan(20);
    expect(parseWholeHello(clientHello({ sni: [SNI] }))).toEqual({ kind: 'sni', sni: SNI });
  });

  it('checks LDH host names', () => {
    expect(isLdhHostname('a-b.c1.consul')).toBe(true);
    expect(isLdhHostname('a'.repeat(63))).toBe(true);
    expect(isLdhHostname(`${'a.'.repeat(127)}a`)).toBe(false);
  });
});
