/** One-line rendering of a diagnostic for the gateway's stderr. */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.severity} ${d.code}: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}`;
}
