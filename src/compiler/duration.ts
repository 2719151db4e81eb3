/**
 * Go `time.Duration` parsing and formatting, so durations read from config entries and written into compiled chains
 * look exactly as Consul prints them (`5s`, `1m30s`, `500ms`, `1.5s`).
 *
 * Mirrors Go's `time.ParseDuration` and `time.Duration.String` (src/time/format.go, src/time/time.go). Durations are
 * held as nanoseconds in a `number`; every timeout meshcc handles is far below 2^53 ns (about 104 days).
 */

const unitNanos: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 micro sign
  μs: 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const NANOS_PER_SECOND = 1_000_000_000n;

/**
 * Parses a Go duration string (`300ms`, `1.5h`, `2h45m`, `0`) into nanoseconds.
 *
 * Returns undefined for anything Go's `time.ParseDuration` would reject.
 */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  const part = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
  while (s.length > 0) {
    const m = part.exec(s);
    if (!m) return undefined;
    const [whole, intPart = '', fracPart, unit = ''] = m;
    if (intPart === '' && (fracPart === undefined || fracPart === '')) return undefined;
    const scale = unitNanos[unit];
    if (scale === undefined) return undefined;
    const value = Number(`${intPart || '0'}.${fracPart ?? '0'}`);
    total += value * scale;
    s = s.slice(whole.length);
  }
  return sign * Math.round(total);
}

/** Go's fmtFrac: the fraction of v/10^prec without trailing zeros, and the integer part. */
function fmtFrac(v: bigint, prec: number): { text: string; rest: bigint } {
  let digits = '';
  let printed = false;
  let u = v;
  for (let i = 0; i < prec; i++) {
    const digit = u % 10n;
    printed = printed || digit !== 0n;
    if (printed) digits = `${digit}${digits}`;
    u /= 10n;
  }
  return { text: printed ? `.${digits}` : '', rest: u };
}

/** Formats nanoseconds the way Go's `time.Duration.String` does: `5s`, `1m30s`, `1h0m0s`, `1.5ms`, `0s`. */
export function formatGoDuration(nanos: number): string {
  let u = BigInt(Math.round(nanos));
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < NANOS_PER_SECOND) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < 1000n) {
      prec = 0;
      unit = 'ns';
    } else if (u < 1_000_000n) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const { text, rest } = fmtFrac(u, prec);
    out = `${rest}${text}${unit}`;
  } else {
    const { text, rest } = fmtFrac(u, 9);
    const seconds = rest % 60n;
    const minutesTotal = rest / 60n;
    out = `${seconds}${text}s`;
    if (minutesTotal > 0n) {
      out = `${minutesTotal % 60n}m${out}`;
      const hours = minutesTotal / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}
