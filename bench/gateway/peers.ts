/** Pieces both gateway benchmarks share: a captured real ClientHello, the sink backend, waiting for a port. */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer, connect as tlsConnect } from 'node:tls';

/** The first bytes (the ClientHello) Node's TLS client sends for `servername`. */
export async function captureHello(servername: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const s = createServer((c) =>
      c.once('data', (d: Buffer) => {
        resolve(d);
        c.destroy();
        s.close();
      }),
    );
    s.listen(0, '127.0.0.1', () => {
      const t = tlsConnect({ host: '127.0.0.1', port: (s.address() as AddressInfo).port, servername });
      t.on('error', () => {});
    });
  });
}

/** Backend: answers the first chunk with one byte ('x') and then sinks everything. */
export function startBackend(): Promise<Server> {
  const server = createServer({ allowHalfOpen: false }, (s) => {
    s.on('error', () => {});
    s.once('data', () => s.write('x'));
    s.resume();
  });
  server.maxConnections = 100_000;
  return new Promise((r) => server.listen({ host: '127.0.0.1', port: 0, backlog: 8192 }, () => r(server)));
}

/** Resolves true once something accepts on 127.0.0.1:port, false after `ms`. */
export function waitPort(port: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  return new Promise((resolve) => {
    const attempt = () => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => (Date.now() > until ? resolve(false) : setTimeout(attempt, 100)));
    };
    attempt();
  });
}

/**
 * TLS backend for full-handshake connections: a P-256 self-signed certificate made with openssl in `dir`, TLS 1.3;
 * answers the first byte with one byte. Clients never offer a session, so every connection is a full handshake.
 */
export function startTlsBackend(dir: string): Promise<TlsServer> {
  const key = join(dir, 'tls-backend.key');
  const cert = join(dir, 'tls-backend.crt');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  execFileSync('openssl', ['req', '-new', '-x509', '-key', key, '-out', cert, '-days', '1', '-subj', '/CN=bench']);
  const server = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert), minVersion: 'TLSv1.3' }, (s) => {
    s.on('error', () => {});
    s.once('data', () => s.write('x'));
    s.resume();
  });
  server.maxConnections = 100_000;
  return new Promise((r) => server.listen({ host: '127.0.0.1', port: 0, backlog: 8192 }, () => r(server)));
}
