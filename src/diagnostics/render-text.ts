/**
 * Text rendering in the style of TypeScript's baselines:
 * `environments/multi-dc/mesh.ts(42,5): error MC3004: message`, then the construct path, related locations and hint.
 */
import { relative } from 'node:path';
import type { SourceSpan } from '../model/types.ts';
import type { Diagnostic } from './diagnostic.ts';

export interface RenderOptions {
  /** Paths are shown relative to this directory. */
  readonly cwd?: string;
}

export function formatSpan(span: SourceSpan | undefined, opts: RenderOptions = {}): string {
  if (!span) return 'meshcc';
  const file = opts.cwd && span.file.startsWith('/') ? relative(opts.cwd, span.file) : span.file;
  return `${file}(${span.line},${span.column})`;
}

export function renderOne(d: Diagnostic, opts: RenderOptions = {}): string {
  const sev = d.suppressed ? `${d.severity} (suppressed: ${d.suppressed.reason})` : d.severity;
  const lines = [`${formatSpan(d.span, opts)}: ${sev} ${d.code}: ${d.message}`, `  at ${d.path}`];
  for (const r of d.related ?? []) lines.push(`  related: ${formatSpan(r.span, opts)}: ${r.message} (${r.path})`);
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines.join('\n');
}

export function renderText(diagnostics: readonly Diagnostic[], opts: RenderOptions = {}): string {
  return diagnostics.length === 0 ? '' : `${diagnostics.map((d) => renderOne(d, opts)).join('\n')}\n`;
}
