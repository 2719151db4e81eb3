/**
 * Common base of meshcc constructs: records the user's source span and offers argument checks that throw
 * `ConstructArgError` naming the construct path.
 */
import { Construct } from 'constructs';
import { formatGoDuration, parseGoDuration } from '../../model/go-duration.ts';
import type { GatewayMode, SourceSpan, Suppression } from '../../model/types.ts';
import { ConstructArgError } from './errors.ts';
import { captureUserSpan } from './source-span.ts';

const SUPPRESS_KEY = 'meshcc:suppress';
const GATEWAY_MODES: readonly string[] = ['none', 'local', 'remote'];
/** Consul service / datacenter names: DNS-compatible labels (lower case, digits, dashes). */
const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Go `time.ParseDuration` syntax, as Consul accepts it. */
const DURATION_RE = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export abstract class MeshConstruct extends Construct {
  /** Where the user's code created this construct. */
  readonly span: SourceSpan | undefined;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.span = captureUserSpan();
  }

  protected fail(property: string, expected: string, got: unknown): never {
    throw new ConstructArgError(this.node.path, property, expected, JSON.stringify(got) ?? String(got), this.span);
  }

  protected checkPort(property: string, port: number | undefined, allowZero = false): void {
    if (port === undefined) return;
    if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535)
      this.fail(property, `must be a TCP port ${allowZero ? 0 : 1}-65535`, port);
  }

  protected checkName(property: string, name: string): void {
    if (typeof name !== 'string' || !NAME_RE.test(name))
      this.fail(property, 'must be a DNS label (lower-case letters, digits and dashes, at most 63)', name);
  }

  protected checkMode(property: string, mode: GatewayMode | undefined): void {
    if (mode !== undefined && !GATEWAY_MODES.includes(mode))
      this.fail(property, "must be one of 'none', 'local', 'remote'", mode);
  }

  protected checkDuration(property: string, d: string | undefined): void {
    if (d !== undefined && (typeof d !== 'string' || !DURATION_RE.test(d)))
      this.fail(property, "must be a duration such as '3s' or '500ms'", d);
  }

  /**
   * Refuses an argument Consul's own validation would refuse (`consul` is Consul's message, quoted as Consul words
   * it so a search for the Consul error finds this one).
   */
  protected checkConsul(property: string, consul: string | undefined, got: unknown): void {
    if (consul !== undefined) this.fail(property, `is refused by Consul: ${consul}`, got);
  }

  protected checkPositiveInt(property: string, n: number | undefined): void {
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) this.fail(property, 'must be a whole number >= 1', n);
  }
}

/**
 * Suppresses a warning or info diagnostic on a construct, with a reason. Suppressed findings are still shown (marked
 * suppressed); errors cannot be suppressed.
 */
export function suppress(scope: Construct, code: string, reason: string): void {
  if (!/^MC\d{4}$/.test(code)) throw new Error(`suppress(): '${code}' is not a meshcc diagnostic code (MCnnnn)`);
  if (!reason.trim()) throw new Error(`suppress(${code}): a reason is required`);
  scope.node.addMetadata(SUPPRESS_KEY, { code, reason } satisfies Suppression);
}

/** Suppressions declared on a construct (not inherited). */
export function suppressionsOf(scope: Construct): Suppression[] {
  return scope.node.metadata.filter((m) => m.type === SUPPRESS_KEY).map((m) => m.data as Suppression);
}

/** A Go duration as Consul renders it (`30m` → `30m0s`), so a lowered entry equals the one Consul reads back. */
export function canonicalDuration(d: string): string {
  const p = parseGoDuration(d);
  return p.ok ? formatGoDuration(p.ns) : d;
}
