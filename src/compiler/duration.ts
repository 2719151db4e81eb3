/**
 * Durations as the compiler handles them: nanoseconds in a `number` (every timeout meshcc handles is far below 2^53
 * ns, about 104 days). Parsing and printing are Go's `time.ParseDuration` / `Duration.String`, implemented once in
 * `model/go-duration.ts`; this module only converts to and from `number`.
 */
import { formatGoDuration as formatNanos, parseGoDuration as parseNanos } from '../model/go-duration.ts';

/**
 * Parses a Go duration string (`300ms`, `1.5h`, `2h45m`, `0`) into nanoseconds.
 *
 * Returns undefined for anything Go's `time.ParseDuration` would reject.
 */
export function parseGoDuration(text: string): number | undefined {
  const r = parseNanos(text);
  return r.ok ? Number(r.ns) : undefined;
}

/** Formats nanoseconds the way Go's `time.Duration.String` does: `5s`, `1m30s`, `1h0m0s`, `1.5ms`, `0s`. */
export function formatGoDuration(nanos: number): string {
  return formatNanos(BigInt(Math.round(nanos)));
}
