/** Test helpers: build TLS ClientHellos byte by byte, split them into records, and capture a real one from node:tls. */
import { type AddressInfo, createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/** A server_name extension body with the given host names (name_type 0). */
export function serverNameExt(names: readonly string[]): Buffer {
  const list = Buffer.concat(
    names.map((n) => Buffer.concat([Buffer.from([0]), u16(Buffer.byteLength(n, 'latin1')), Buffer.from(n, 'latin1')])),
  );
  return Buffer.concat([u16(list.length), list]);
}

export interface HelloOptions {
  /** SNI host names; none = no server_name extension. */
  readonly sni?: readonly string[];
  /** Extra padding extension bytes (to make the hello large). */
  readonly padding?: number;
  /** Omit the extensions block entirely. */
  readonly noExtensions?: boolean;
}

/** A ClientHello handshake message (4-byte header + body). */
export function clientHelloMessage(o: HelloOptions = {}): Buffer {
  const exts: Buffer[] = [];
  if (o.sni) {
    const e = serverNameExt(o.sni);
    exts.push(Buffer.concat([u16(0), u16(e.length), e]));
  }
  exts.push(Buffer.concat([u16(0x002b), u16(3), Buffer.from([2, 3, 4])])); // supported_versions: TLS 1.3
  if (o.padding) exts.push(Buffer.concat([u16(0x0015), u16(o.padding), Buffer.alloc(o.padding)]));
  const ext = Buffer.concat(exts);
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32, 7),
    Buffer.from([32]),
    Buffer.alloc(32, 9),
    u16(4),
    Buffer.from([0x13, 0x01, 0x13, 0x02]),
    Buffer.from([1, 0]),
    ...(o.noExtensions ? [] : [u16(ext.length), ext]),
  ]);
  return Buffer.concat([Buffer.from([1]), u24(body.length), body]);
}

/** Wraps a handshake message in TLS records of at most `recordSize` bytes each. */
export function records(msg: Buffer, recordSize = 16384): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < msg.length; i += recordSize) {
    const frag = msg.subarray(i, i + recordSize);
    out.push(Buffer.from([0x16, 3, 1]), u16(frag.length), frag);
  }
  return Buffer.concat(out);
}

/** A complete ClientHello in one record. */
export function clientHello(o: HelloOptions = {}): Buffer {
  return records(clientHelloMessage(o));
}

/** The first flight node:tls sends for `servername` (a real ClientHello, TLS 1.3 capable). */
export async function captureNodeHello(servername: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => {
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      const c = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
      c.on('error', () => {});
      c.on('close', () => {});
      setTimeout(() => c.destroy(), 200).unref();
    });
    server.on('error', reject);
  });
}
