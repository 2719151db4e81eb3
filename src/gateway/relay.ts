/**
 * The data path: after routing, forward every byte unchanged and in order both ways between the client and the
 * upstream. Uses `stream.pipe` (backpressure through `write()`'s return value and `drain`, no per-byte JavaScript
 * work, the kernel's buffers reused by libuv). Half-close is preserved: when one side ends its writes, the other side
 * sees an end of stream and may keep sending; the connection is finished when both directions have ended, or
 * at once on an error or idle timeout.
 */
import type { Socket } from 'node:net';
import type { CloseReason } from './access-log.ts';

/** Options of {@link relay}. */
export interface RelayOptions {
  /** Idle timeout in ms (0 = none): no bytes either way for this long destroys both sockets. */
  readonly idleMs: number;
  /** Called once when both sockets are closed. */
  readonly onClose: (reason: CloseReason) => void;
}

/** A running relay; `abort` destroys both sides with a reason (used by drain). */
export interface RelayHandle {
  abort(reason: CloseReason): void;
}

/**
 * Starts relaying. `initial` are the bytes already read from the client (the ClientHello and anything after it);
 * they are written to the upstream first, in order. Both sockets must have been created with `allowHalfOpen: true`.
 */
export function relay(client: Socket, upstream: Socket, initial: readonly Buffer[], opts: RelayOptions): RelayHandle {
  let reason: CloseReason | undefined;
  let closed = 0;
  const finish = (r: CloseReason) => {
    if (reason === undefined) reason = r;
  };
  const onClosed = () => {
    closed++;
    if (closed === 2) opts.onClose(reason ?? 'done');
  };
  const abort = (r: CloseReason) => {
    finish(r);
    client.destroy();
    upstream.destroy();
  };
  client.on('error', () => abort('client-error'));
  upstream.on('error', () => abort('upstream-error'));
  client.on('close', onClosed);
  upstream.on('close', onClosed);
  // Once one side is fully closed (not just half-closed), the other has nobody to talk to.
  client.on('close', () => {
    if (!upstream.destroyed && !upstream.writableEnded) upstream.end();
  });
  upstream.on('close', () => {
    if (!client.destroyed && !client.writableEnded) client.end();
  });
  if (opts.idleMs > 0) {
    client.setTimeout(opts.idleMs, () => abort('idle'));
    upstream.setTimeout(opts.idleMs, () => abort('idle'));
  }
  for (const b of initial) upstream.write(b);
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
  return { abort };
}
