/**
 * The data path: after routing, forward every byte unchanged and in order both ways between the client and the
 * upstream, with backpressure and half-close (when one side ends its writes, the other side sees an end of stream
 * and may keep sending; the connection is finished when both directions have ended, or at once on an error, idle
 * timeout or abort).
 *
 * Two implementations:
 * * native (`native-relay.ts`, when `npm run build:relay` was run): both descriptors go to an epoll thread that
 *   splices through pooled pipes; the JS sockets are destroyed right after the hand-over, so the relayed connection
 *   costs no JavaScript until it closes;
 * * JavaScript: `stream.pipe` (backpressure through `write()`'s return value and `drain`, no per-byte JavaScript
 *   work, libuv's read buffers).
 */
import type { Socket } from 'node:net';
import type { CloseReason } from './access-log.ts';
import { NATIVE_CLOSE, nativeRelay } from './native-relay.ts';

/** Options of {@link relay}. */
export interface RelayOptions {
  /** Idle timeout in ms (0 = none): no bytes either way for this long destroys both sockets. */
  readonly idleMs: number;
  /** Try the native relay first (falls back to JavaScript when it is not loaded or refuses). */
  readonly native?: boolean;
  /** Called once when both sockets are closed, with the bytes read from and written to the client in total. */
  readonly onClose: (reason: CloseReason, bytesFromClient: number, bytesToClient: number) => void;
}

/** A running relay; `abort` destroys both sides with a reason (used by drain). */
export interface RelayHandle {
  readonly native: boolean;
  abort(reason: CloseReason): void;
}

const noop = () => {};

function fdOf(s: Socket): number {
  const h = (s as unknown as { _handle?: { fd?: unknown } | null })._handle;
  return typeof h?.fd === 'number' ? h.fd : -1;
}

function drainReadable(s: Socket, into: Buffer[]): void {
  // `read()` on an empty buffer would restart reading; only take what Node already holds.
  if (s.readableLength === 0) return;
  for (let b = s.read() as Buffer | null; b !== null; b = s.read() as Buffer | null) into.push(b);
}

function concat(bufs: readonly Buffer[]): Buffer | null {
  if (bufs.length === 0) return null;
  return bufs.length === 1 ? (bufs[0] as Buffer) : Buffer.concat(bufs);
}

/**
 * Starts relaying. `initial` are the bytes already read from the client (the ClientHello and anything after it);
 * they are written to the upstream first, in order. Both sockets must have been created with `allowHalfOpen: true`,
 * and the upstream should be paused (not reading) until now.
 */
export function relay(client: Socket, upstream: Socket, initial: readonly Buffer[], opts: RelayOptions): RelayHandle {
  const toUpstream = [...initial];
  const toClient: Buffer[] = [];
  if (opts.native) {
    const cfd = fdOf(client);
    const ufd = fdOf(upstream);
    if (cfd >= 0 && ufd >= 0 && !client.destroyed && !upstream.destroyed) {
      // Whatever Node already buffered goes first, in order; the rest is still in the kernel.
      drainReadable(client, toUpstream);
      drainReadable(upstream, toClient);
      const readBefore = client.bytesRead;
      const writtenBefore = client.bytesWritten;
      let abortReason: CloseReason | undefined;
      const h = nativeRelay(cfd, ufd, concat(toUpstream), concat(toClient), opts.idleMs, (fromC, toC, code) =>
        opts.onClose(
          code === 4 ? (abortReason ?? 'drain') : (NATIVE_CLOSE[code] ?? 'done'),
          readBefore + fromC,
          writtenBefore + toC,
        ),
      );
      if (h) {
        for (const s of [client, upstream]) {
          s.removeAllListeners();
          s.on('error', noop);
          s.destroy();
        }
        return {
          native: true,
          abort: (r) => {
            abortReason ??= r;
            h.abort();
          },
        };
      }
    }
  }
  return jsRelay(client, upstream, toUpstream, toClient, opts);
}

function jsRelay(
  client: Socket,
  upstream: Socket,
  toUpstream: readonly Buffer[],
  toClient: readonly Buffer[],
  opts: RelayOptions,
): RelayHandle {
  let reason: CloseReason | undefined;
  let closed = 0;
  const onClosed = () => {
    closed++;
    if (closed === 2) opts.onClose(reason ?? 'done', client.bytesRead, client.bytesWritten);
  };
  const abort = (r: CloseReason) => {
    reason ??= r;
    client.destroy();
    upstream.destroy();
  };
  client.on('error', () => abort('client-error'));
  upstream.on('error', () => abort('upstream-error'));
  // Once one side is fully closed (not just half-closed), the other has nobody to talk to.
  client.on('close', () => {
    onClosed();
    if (!upstream.destroyed && !upstream.writableEnded) upstream.end();
  });
  upstream.on('close', () => {
    onClosed();
    if (!client.destroyed && !client.writableEnded) client.end();
  });
  if (opts.idleMs > 0) {
    const idle = () => abort('idle');
    client.setTimeout(opts.idleMs, idle);
    upstream.setTimeout(opts.idleMs, idle);
  }
  for (const b of toUpstream) upstream.write(b);
  for (const b of toClient) client.write(b);
  client.pipe(upstream);
  upstream.pipe(client);
  // With allowHalfOpen, a socket closes only when both its directions are done; destroy once both are ended.
  const maybeDone = () => {
    if (client.readableEnded && upstream.readableEnded) {
      client.end();
      upstream.end();
    }
  };
  client.on('end', maybeDone);
  upstream.on('end', maybeDone);
  return { native: false, abort };
}
