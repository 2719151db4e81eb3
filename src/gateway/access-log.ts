/**
 * Access log: exactly one JSON line per connection, written when it closes, with a fixed key order so lines diff
 * cleanly. The SNI is logged only after it passed LDH validation; raw client bytes never reach the log.
 */
import { createWriteStream } from 'node:fs';

/** Why a connection ended (stable strings, also metric labels). */
export type CloseReason =
  | 'done'
  | 'client-error'
  | 'upstream-error'
  | 'idle'
  | 'drain'
  | 'hello-timeout'
  | 'client-closed'
  | 'no-route'
  | 'no-endpoints'
  | 'connect-failed'
  | 'limit-connections'
  | 'limit-pending'
  | `reject-${string}`;

/** One connection's record. */
export interface AccessRecord {
  readonly start: number;
  readonly listener: string;
  readonly client: string;
  readonly sni?: string;
  readonly route?: string;
  readonly upstream?: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  readonly reason: CloseReason;
}

/** Formats a record as one line (trailing newline included). */
export function formatAccessRecord(r: AccessRecord): string {
  return `${JSON.stringify({
    time: new Date(r.start).toISOString(),
    listener: r.listener,
    client: r.client,
    sni: r.sni ?? null,
    route: r.route ?? null,
    upstream: r.upstream ?? null,
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
    durationMs: r.durationMs,
    reason: r.reason,
  })}\n`;
}

/** Where lines go. */
export interface AccessLog {
  write(r: AccessRecord): void;
  close(): void;
}

/** Opens the access log: a file (appended), stdout, or nothing. */
export function openAccessLog(opts: { readonly enabled: boolean; readonly path?: string }): AccessLog {
  if (!opts.enabled) return { write: () => {}, close: () => {} };
  if (opts.path === undefined) return { write: (r) => process.stdout.write(formatAccessRecord(r)), close: () => {} };
  const out = createWriteStream(opts.path, { flags: 'a' });
  return { write: (r) => out.write(formatAccessRecord(r)), close: () => out.end() };
}
