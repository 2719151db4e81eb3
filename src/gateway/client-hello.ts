/**
 * Incremental TLS ClientHello parser: extracts the SNI host name without terminating TLS.
 *
 * Feed it the bytes of a new connection as they arrive (`push`); it answers `need-more`, `sni` or `reject`. It
 * reassembles a ClientHello split across TCP segments and across several TLS handshake records, decides on sizes from
 * the headers before buffering (record length > 16384 or handshake length over the cap → reject), grows its buffers
 * only by bytes actually received and copies each byte at most a constant number of times, so a trickling sender costs
 * linear work. "Need more" never turns into "no SNI": the caller closes on deadline expiry instead.
 *
 * Rules follow RFC 8446 §4.1.2/§5.1 and RFC 6066 §3; see docs/gateway.md for the reasons each input is rejected.
 */

/** Why a ClientHello was rejected (stable strings: they appear in access logs and metrics). */
export type RejectReason =
  | 'not-tls'
  | 'sslv2'
  | 'bad-record'
  | 'record-overflow'
  | 'not-client-hello'
  | 'hello-too-large'
  | 'too-many-records'
  | 'malformed'
  | 'no-sni'
  | 'bad-sni';

export type HelloResult =
  | { readonly kind: 'need-more' }
  | { readonly kind: 'sni'; readonly sni: string }
  | { readonly kind: 'reject'; readonly reason: RejectReason };

/** Largest TLS plaintext record body (RFC 8446 §5.1, 2^14). */
export const MAX_RECORD_LENGTH = 16384;
/** Default and largest cap on the ClientHello handshake message (header + body). */
export const DEFAULT_MAX_HELLO_BYTES = 16384;
/** A hello fragmented into more records than this is rejected (bounds header overhead). */
export const MAX_HELLO_RECORDS = 64;

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
const NAME_TYPE_HOST = 0x00;

const NEED_MORE: HelloResult = { kind: 'need-more' };

function reject(reason: RejectReason): HelloResult {
  return { kind: 'reject', reason };
}

/** Chunks with a read cursor; `take` copies only when a range spans chunks. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  byteAt(i: number): number {
    let off = this.head + i;
    for (const c of this.chunks) {
      if (off < c.length) return c[off] as number;
      off -= c.length;
    }
    throw new RangeError('ByteQueue.byteAt out of range');
  }

  take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      this.length -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0] as Buffer;
      const avail = c.length - this.head;
      const k = Math.min(avail, n - filled);
      c.copy(out, filled, this.head, this.head + k);
      filled += k;
      this.head += k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.length -= n;
    return out;
  }
}

/** Options of {@link ClientHelloParser}. */
export interface ClientHelloParserOptions {
  /** Cap on the ClientHello handshake message (4-byte header + body), 512..16384; default 16384. */
  readonly maxHelloBytes?: number;
}

/**
 * One parser per connection. After a final answer (`sni` or `reject`) further pushes return the same answer.
 */
export class ClientHelloParser {
  private readonly maxHello: number;
  private readonly raw = new ByteQueue();
  private readonly hs: Buffer[] = [];
  private hsLength = 0;
  private hsExpected = -1;
  private records = 0;
  private result: HelloResult = NEED_MORE;

  constructor(opts: ClientHelloParserOptions = {}) {
    this.maxHello = Math.min(opts.maxHelloBytes ?? DEFAULT_MAX_HELLO_BYTES, DEFAULT_MAX_HELLO_BYTES);
  }

  /** Feeds received bytes; returns the current decision. */
  push(chunk: Buffer): HelloResult {
    if (this.result.kind !== 'need-more') return this.result;
    this.raw.push(chunk);
    this.result = this.advance();
    return this.result;
  }

  private advance(): HelloResult {
    for (;;) {
      if (this.raw.length === 0) return NEED_MORE;
      const type = this.raw.byteAt(0);
      if (type !== RECORD_HANDSHAKE) {
        if (this.records === 0 && (type & 0x80) !== 0) return reject('sslv2');
        return reject(this.records === 0 ? 'not-tls' : 'bad-record');
      }
      if (this.raw.length < 2) return NEED_MORE;
      if (this.raw.byteAt(1) !== 3) return reject(this.records === 0 ? 'not-tls' : 'bad-record');
      if (this.raw.length < 5) return NEED_MORE;
      const len = (this.raw.byteAt(3) << 8) | this.raw.byteAt(4);
      if (len > MAX_RECORD_LENGTH) return reject('record-overflow');
      if (len === 0) return reject('bad-record');
      if (this.records >= MAX_HELLO_RECORDS) return reject('too-many-records');
      if (this.raw.length < 5 + len) {
        // Judge the handshake header early if this record already carries it.
        const early = this.peekHandshakeHeader(Math.min(len, this.raw.length - 5));
        return early ?? NEED_MORE;
      }
      this.raw.take(5);
      const body = this.raw.take(len);
      this.records++;
      this.hs.push(body);
      this.hsLength += body.length;
      if (this.hsExpected < 0 && this.hsLength >= 4) {
        const h = this.hsLength === body.length ? body : Buffer.concat(this.hs, this.hsLength);
        const verdict = this.checkHeader(h);
        if (verdict) return verdict;
      }
      if (this.hsExpected >= 0 && this.hsLength >= this.hsExpected) {
        const msg = this.hs.length === 1 ? body : Buffer.concat(this.hs, this.hsLength);
        return parseClientHelloBody(msg.subarray(4, this.hsExpected));
      }
    }
  }

  /** Checks the handshake type and length as soon as the first 4 handshake bytes are visible. */
  private peekHandshakeHeader(availableInRecord: number): HelloResult | undefined {
    if (this.hsExpected >= 0) return undefined;
    const need = 4 - this.hsLength;
    if (need <= 0 || availableInRecord < need) return undefined;
    const hdr = Buffer.alloc(4);
    let i = 0;
    for (const f of this.hs) for (const b of f) hdr[i++] = b;
    for (let k = 0; i < 4; k++) hdr[i++] = this.raw.byteAt(5 + k);
    return this.checkHeader(hdr);
  }

  private checkHeader(h: Buffer): HelloResult | undefined {
    if (h[0] !== HANDSHAKE_CLIENT_HELLO) return reject('not-client-hello');
    const bodyLen = ((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number);
    if (4 + bodyLen > this.maxHello) return reject('hello-too-large');
    this.hsExpected = 4 + bodyLen;
    return undefined;
  }
}

/**
 * The common case without a parser object: `chunk` (the first bytes of a connection) holds one handshake record that
 * holds the whole ClientHello. Returns the decision a fresh {@link ClientHelloParser} fed `chunk` would return, or
 * `undefined` when `chunk` is anything else (then use the parser).
 */
export function parseWholeHello(chunk: Buffer, maxHelloBytes = DEFAULT_MAX_HELLO_BYTES): HelloResult | undefined {
  if (chunk.length < 9 || chunk[0] !== RECORD_HANDSHAKE || chunk[1] !== 3) return undefined;
  const len = ((chunk[3] as number) << 8) | (chunk[4] as number);
  if (len < 4 || len > MAX_RECORD_LENGTH || chunk.length < 5 + len || chunk[5] !== HANDSHAKE_CLIENT_HELLO)
    return undefined;
  const bodyLen = ((chunk[6] as number) << 16) | ((chunk[7] as number) << 8) | (chunk[8] as number);
  if (4 + bodyLen > len || 4 + bodyLen > Math.min(maxHelloBytes, DEFAULT_MAX_HELLO_BYTES)) return undefined;
  return parseClientHelloBody(chunk.subarray(9, 9 + bodyLen));
}

/** Parses a complete ClientHello body (after the 4-byte handshake header) and returns its SNI decision. */
export function parseClientHelloBody(b: Buffer): HelloResult {
  let p = 0;
  const left = () => b.length - p;
  // legacy_version(2) + random(32)
  if (left() < 34) return reject('malformed');
  if (b[p] !== 3) return reject('malformed');
  p += 34;
  // legacy_session_id<0..32>
  if (left() < 1) return reject('malformed');
  const sidLen = b[p++] as number;
  if (sidLen > 32 || left() < sidLen) return reject('malformed');
  p += sidLen;
  // cipher_suites<2..2^16-2>
  if (left() < 2) return reject('malformed');
  const csLen = b.readUInt16BE(p);
  p += 2;
  if (csLen < 2 || csLen % 2 !== 0 || left() < csLen) return reject('malformed');
  p += csLen;
  // legacy_compression_methods<1..2^8-1>
  if (left() < 1) return reject('malformed');
  const cmLen = b[p++] as number;
  if (cmLen < 1 || left() < cmLen) return reject('malformed');
  p += cmLen;
  if (left() === 0) return reject('no-sni');
  if (left() < 2) return reject('malformed');
  const extLen = b.readUInt16BE(p);
  p += 2;
  if (left() !== extLen) return reject('malformed');
  let sni: string | undefined;
  const seen = new Set<number>();
  while (left() > 0) {
    if (left() < 4) return reject('malformed');
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    p += 4;
    if (left() < len) return reject('malformed');
    if (seen.has(type)) return reject('malformed');
    seen.add(type);
    if (type === EXT_SERVER_NAME) {
      const r = parseServerName(b.subarray(p, p + len));
      if (r.kind === 'reject') return r;
      if (r.kind === 'sni') sni = r.sni;
    }
    p += len;
  }
  if (sni === undefined) return reject('no-sni');
  return { kind: 'sni', sni };
}

function parseServerName(e: Buffer): HelloResult {
  if (e.length < 2) return reject('malformed');
  const listLen = e.readUInt16BE(0);
  if (listLen !== e.length - 2 || listLen === 0) return reject('malformed');
  let p = 2;
  let host: string | undefined;
  while (p < e.length) {
    if (e.length - p < 3) return reject('malformed');
    const nameType = e[p] as number;
    const len = e.readUInt16BE(p + 1);
    p += 3;
    if (e.length - p < len) return reject('malformed');
    if (nameType === NAME_TYPE_HOST) {
      if (host !== undefined) return reject('malformed');
      host = e.toString('latin1', p, p + len);
    }
    p += len;
  }
  if (host === undefined) return reject('no-sni');
  const lower = host.toLowerCase();
  if (!isLdhHostname(lower)) return reject('bad-sni');
  return { kind: 'sni', sni: lower };
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** True when `name` (lower case) is an LDH host name: ≤ 253 bytes, labels 1–63 of `[a-z0-9-]`, no edge hyphens, no trailing dot. */
export function isLdhHostname(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  for (const label of name.split('.')) if (!LABEL.test(label)) return false;
  return true;
}
