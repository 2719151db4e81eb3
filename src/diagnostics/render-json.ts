/**
 * JSON rendering: a stable document (sorted keys, diagnostics in `compareDiagnostics` order) for tools and CI.
 * `{ "version": 1, "summary": { error, warning, info, suppressed }, "diagnostics": [...] }`.
 */
import { relative } from 'node:path';
import { stableJson } from '../emit/artifact.ts';
import type { SourceSpan } from '../model/types.ts';
import { compareDiagnostics, type Diagnostic } from './diagnostic.ts';
import type { RenderOptions } from './render-text.ts';

function rel(span: SourceSpan | undefined, opts: RenderOptions): SourceSpan | undefined {
  if (!span) return undefined;
  return opts.cwd && span.file.startsWith('/') ? { ...span, file: relative(opts.cwd, span.file) } : span;
}

/** Renders diagnostics as deterministic JSON (trailing newline). */
export function renderJson(diagnostics: readonly Diagnostic[], opts: RenderOptions = {}): string {
  const sorted = [...diagnostics].sort(compareDiagnostics);
  const count = (f: (d: Diagnostic) => boolean) => sorted.filter(f).length;
  return stableJson({
    version: 1,
    summary: {
      error: count((d) => d.severity === 'error' && !d.suppressed),
      warning: count((d) => d.severity === 'warning' && !d.suppressed),
      info: count((d) => d.severity === 'info' && !d.suppressed),
      suppressed: count((d) => d.suppressed !== undefined),
    },
    diagnostics: sorted.map((d) => ({
      ...d,
      span: rel(d.span, opts),
      related: d.related?.map((r) => ({ ...r, span: rel(r.span, opts) })),
    })),
  });
}
