/**
 * Diagnostics: every finding meshcc reports, with a stable code, a severity, a message that names the thing, the
 * construct path, the source location and a hint. Passes return them; they never throw for bad user input.
 */

import { flat } from '../model/flat-string.ts';
import type { ConstructPath, SourceSpan } from '../model/types.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface RelatedLocation {
  readonly path: ConstructPath;
  readonly span?: SourceSpan;
  readonly message: string;
}

export interface Diagnostic {
  /** Stable code such as `MC3004`; never reused (see `docs/diagnostics.md`). */
  readonly code: string;
  readonly severity: Severity;
  /** One sentence; names the thing and shows the value found. */
  readonly message: string;
  readonly path: ConstructPath;
  readonly span?: SourceSpan;
  readonly hint?: string;
  readonly related?: readonly RelatedLocation[];
  /** Set when a suppression on the construct matched: reported, but does not count towards the threshold. */
  readonly suppressed?: { readonly reason: string };
}

/** A catalog entry: one per code, defined once in `codes/*.ts`. */
export interface DiagnosticDef<A> {
  readonly code: string;
  readonly severity: Severity;
  readonly title: string;
  readonly message: (args: A) => string;
  readonly hint?: string | ((args: A) => string);
}

/** Defines a catalog entry. */
export function def<A>(
  code: string,
  severity: Severity,
  title: string,
  message: (args: A) => string,
  hint?: string | ((args: A) => string),
): DiagnosticDef<A> {
  return { code, severity, title, message, hint };
}

/** Where a diagnostic points. */
export interface At {
  readonly path: ConstructPath;
  readonly span?: SourceSpan;
  readonly related?: readonly RelatedLocation[];
}

/** Creates a diagnostic from a catalog entry. */
export function diag<A>(d: DiagnosticDef<A>, at: At, args: A): Diagnostic {
  const hint = typeof d.hint === 'function' ? flat(d.hint(args)) : d.hint;
  return {
    code: d.code,
    severity: d.severity,
    message: flat(d.message(args)),
    path: at.path,
    ...(at.span ? { span: at.span } : {}),
    ...(hint ? { hint } : {}),
    ...(at.related && at.related.length > 0 ? { related: at.related } : {}),
  };
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Orders diagnostics by file, line, column, code, path: the same input always prints the same way. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const fa = a.span?.file ?? '\uffff';
  const fb = b.span?.file ?? '\uffff';
  if (fa !== fb) return fa < fb ? -1 : 1;
  const la = a.span?.line ?? 0;
  const lb = b.span?.line ?? 0;
  if (la !== lb) return la - lb;
  const ca = a.span?.column ?? 0;
  const cb = b.span?.column ?? 0;
  if (ca !== cb) return ca - cb;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  if (a.severity !== b.severity) return severityRank[a.severity] - severityRank[b.severity];
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** The result of a pass: a value and the diagnostics found while computing it. */
export interface PassResult<T> {
  readonly value: T;
  readonly diagnostics: readonly Diagnostic[];
}

/** Thrown for bad input that stops loading altogether (unparseable file, environment that throws). */
export class MeshccInputError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('\n'));
    this.name = 'MeshccInputError';
  }
}
