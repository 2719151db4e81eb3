/**
 * GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=MC3004::message`, so findings show up as
 * annotations on the pull request. Suppressed findings are printed as `::notice` with the reason.
 *
 * Escaping follows the runner's rules (actions/toolkit `command.ts`): in the message `%`, `\r`, `\n`; in property
 * values additionally `:` and `,`.
 */
import { relative } from 'node:path';
import { compareDiagnostics, type Diagnostic } from './diagnostic.ts';
import type { RenderOptions } from './render-text.ts';

/** Escapes a workflow-command message. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow-command property value. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(d: Diagnostic): string {
  if (d.suppressed) return 'notice';
  return d.severity === 'info' ? 'notice' : d.severity;
}

/** Renders one diagnostic as one workflow command line. */
export function renderGithubOne(d: Diagnostic, opts: RenderOptions = {}): string {
  const props: string[] = [];
  if (d.span) {
    const file = opts.cwd && d.span.file.startsWith('/') ? relative(opts.cwd, d.span.file) : d.span.file;
    props.push(`file=${escapeProperty(file)}`, `line=${d.span.line}`, `col=${d.span.column}`);
  }
  props.push(`title=${escapeProperty(d.suppressed ? `${d.code} (suppressed)` : d.code)}`);
  const parts = [d.message, `at ${d.path}`];
  for (const r of d.related ?? []) {
    const where = r.span ? `${r.span.file}(${r.span.line},${r.span.column})` : r.path;
    parts.push(`related: ${where}: ${r.message}`);
  }
  if (d.hint) parts.push(`hint: ${d.hint}`);
  if (d.suppressed) parts.push(`suppressed: ${d.suppressed.reason}`);
  return `::${command(d)} ${props.join(',')}::${escapeData(parts.join('\n'))}`;
}

/** Renders diagnostics as workflow commands, one per line, in `compareDiagnostics` order. */
export function renderGithub(diagnostics: readonly Diagnostic[], opts: RenderOptions = {}): string {
  const sorted = [...diagnostics].sort(compareDiagnostics);
  return sorted.length ? `${sorted.map((d) => renderGithubOne(d, opts)).join('\n')}\n` : '';
}
