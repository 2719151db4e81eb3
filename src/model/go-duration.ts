/**
 * Go `time.Duration` parsing and printing, as Consul's decoder (`mapstructure.StringToTimeDurationHookFunc`) and its
 * JSON encoder (`Duration.String()`) do them. Durations are kept as nanosecond `bigint`s so no precision is lost.
 */

const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Result of `parseGoDuration`: nanoseconds, or Go's error message. */
export type DurationParse = { readonly ok: true; readonly ns: bigint } | { readonly ok: false; readonly error: string };

/**
 * Answers by input (frozen, so shared safely): a mesh writes a few distinct durations (`"3s"`, `"5s"`) on thousands of
 * entries, each validated more than once per compile. Bounded: past `PARSED_LIMIT` strings it starts over.
 */
const parsed = new Map<string, DurationParse>();
const PARSED_LIMIT = 1024;

/** Parses a duration string the way Go's `time.ParseDuration` does (`"3s"`, `"1m30s"`, `"1.5h"`, `"-2ms"`, `"0"`). */
export function parseGoDuration(input: string): DurationParse {
  let r = parsed.get(input);
  if (r === undefined) {
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    r = Object.freeze(parse(input));
    parsed.set(input, r);
  }
  return r;
}

function parse(input: string): DurationParse {
  const orig = input;
  const invalid = (): DurationParse => ({ ok: false, error: `time: invalid duration ${JSON.stringify(orig)}` });
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ns: 0n };
  if (s === '') return invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s);
    const intPart = m?.[1] ?? '';
    const fracPart = m?.[2];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) return invalid();
    s = s.slice(m?.[0].length ?? 0);
    const u = /^[^\d.]+/.exec(s)?.[0];
    if (u === undefined) return { ok: false, error: `time: missing unit in duration ${JSON.stringify(orig)}` };
    const unit = UNITS[u];
    if (unit === undefined) {
      return { ok: false, error: `time: unknown unit ${JSON.stringify(u)} in duration ${JSON.stringify(orig)}` };
    }
    s = s.slice(u.length);
    let v = BigInt(intPart === '' ? '0' : intPart) * unit;
    if (fracPart !== undefined && fracPart !== '') {
      v += (BigInt(fracPart) * unit) / 10n ** BigInt(fracPart.length);
    }
    total += v;
    if (total > 9_223_372_036_854_775_807n) return invalid();
  }
  return { ok: true, ns: neg ? -total : total };
}

function fmtFrac(v: bigint, prec: number): { v: bigint; frac: string } {
  let digits = '';
  let print = false;
  let rest = v;
  for (let i = 0; i < prec; i++) {
    const d = rest % 10n;
    print = print || d !== 0n;
    if (print) digits = `${d}${digits}`;
    rest /= 10n;
  }
  return { v: rest, frac: print ? `.${digits}` : '' };
}

/** Formats nanoseconds like Go's `Duration.String()`: `3s`, `1m0s`, `1.5s`, `90ns`, `0s`. */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    let prec: number;
    let unit: string;
    if (u < 1_000n) return `${neg ? '-' : ''}${u}ns`;
    if (u < 1_000_000n) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const f = fmtFrac(u, prec);
    out = `${f.v}${f.frac}${unit}`;
  } else {
    const f = fmtFrac(u, 9);
    u = f.v;
    out = `${u % 60n}${f.frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return `${neg ? '-' : ''}${out}`;
}
