/**
 * Access log: exactly one JSON line per connection, written when it closes, with a fixed key order so lines diff
 * cleanly. The SNI is logged only after it passed LDH validation; raw client bytes never reach the log.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

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

let isoSecond = -1;
let isoPrefix = '';

/** `new Date(ms).toISOString()`, reusing the formatted second (one Date per second, not per connection). */
function isoTime(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== isoSecond) {
    isoSecond = sec;
    isoPrefix = new Date(sec * 1000).toISOString().slice(0, 20); // "YYYY-MM-DDTHH:MM:SS."
  }
  const frac = ms - sec * 1000;
  return `${isoPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}

const str = (v: string | undefined) => (v === undefined ? 'null' : JSON.stringify(v));

/** Formats a record as one line (trailing newline included); same text as `JSON.stringify` of the fields in order. */
export function formatAccessRecord(r: AccessRecord): string {
  return (
    `{"time":"${isoTime(r.start)}","listener":${JSON.stringify(r.listener)},"client":${JSON.stringify(r.client)},` +
    `"sni":${str(r.sni)},"route":${str(r.route)},"upstream":${str(r.upstream)},"bytesIn":${r.bytesIn},` +
    `"bytesOut":${r.bytesOut},"durationMs":${r.durationMs},"reason":${JSON.stringify(r.reason)}}\n`
  );
}

/** Where lines go. */
export interface AccessLog {
  /** False when nothing is logged (the server then skips work only the log needs). Undefined means true. */
  readonly enabled?: boolean;
  /**
   * Where the lines go (a file, appended, or stdout) when the native accept path writes them itself (the same lines,
   * batched the same way; `native/relay/relay.c`). Absent: every line goes through `write`.
   */
  readonly target?: { readonly path?: string };
  write(r: AccessRecord): void;
  close(): void;
}

/** Lines are batched and written at most every 100 ms or per 64 KiB (one write instead of one per connection). */
const FLUSH_MS = 100;
const FLUSH_BYTES = 64 * 1024;

function batched(sink: (s: string) => void): AccessLog {
  let buf = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (buf.length === 0) return;
    const s = buf;
    buf = '';
    sink(s);
  };
  return {
    enabled: true,
    write: (r) => {
      buf += formatAccessRecord(r);
      if (buf.length >= FLUSH_BYTES) flush();
      else if (!timer) {
        timer = setTimeout(flush, FLUSH_MS);
        timer.unref();
      }
    },
    close: flush,
  };
}

/**
 * Opens the access log: a file (appended), stdout, or nothing. The file is opened on the first line written here (a
 * gateway whose native thread writes the lines itself, see `target`, never opens it here).
 */
export function openAccessLog(opts: { readonly enabled: boolean; readonly path?: string }): AccessLog {
  if (!opts.enabled) return { enabled: false, write: () => {}, close: () => {} };
  const path = opts.path;
  if (path === undefined) return { ...batched((s) => process.stdout.write(s)), target: {} };
  let out: WriteStream | undefined;
  const log = batched((s) => {
    out ??= createWriteStream(path, { flags: 'a' });
    out.write(s);
  });
  return {
    enabled: true,
    target: { path },
    write: log.write,
    close: () => {
      log.close();
      out?.end();
    },
  };
}
