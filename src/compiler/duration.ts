/**
 * Durations as the compiler handles them: nanoseconds in a `number` (every timeout meshcc handles is far below 2^53
 * ns, about 104 days). Parsing and printing are Go's `time.ParseDuration` / `Duration.String`, implemented once in
 * `model/go-duration.ts`; this module only converts to and from `number`.
 */
import { formatGoDuration as formatNanos, parseGoDuration as parseNanos } from '../model/go-duration.ts';

/**
 * A mesh uses a handful of distinct timeouts, each parsed and printed once per chain: both directions are remembered
 * (bounded, so memory stays flat whatever the input), and every chain shares one string per duration.
 */
const parsed = new Map<string, number | null>();
const formatted = new Map<number, string>();

function remember<K, V>(memo: Map<K, V>, key: K, value: V): void {
  if (memo.size >= 1024) memo.clear();
  memo.set(key, value);
}

/**
 * Parses a Go duration string (`300ms`, `1.5h`, `2h45m`, `0`) into nanoseconds.
 *
 * Returns undefined for anything Go's `time.ParseDuration` would reject.
 */
export function parseGoDuration(text: string): number | undefined {
  let ns = parsed.get(text);
  if (ns === undefined) {
    const r = parseNanos(text);
    ns = r.ok ? Number(r.ns) : null;
    remember(parsed, text, ns);
  }
  return ns ?? undefined;
}

/** Formats nanoseconds the way Go's `time.Duration.String` does: `5s`, `1m30s`, `1h0m0s`, `1.5ms`, `0s`. */
export function formatGoDuration(nanos: number): string {
  let text = formatted.get(nanos);
  if (text === undefined) {
    text = formatNanos(BigInt(Math.round(nanos)));
    remember(formatted, nanos, text);
  }
  return text;
}
