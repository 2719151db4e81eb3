/**
 * Suppressions: `suppress(construct, code, reason)` on a construct marks matching diagnostics on that construct and
 * everything under it as `suppressed` — still reported, with the reason, never silent, and not counted towards the
 * failure threshold. Only warnings and info can be suppressed: suppressing an error code is itself an error (MC3050),
 * and suppressing a code that does not exist is a warning (MC3051).
 */
import type { Declared, MeshModel } from '../model/types.ts';
import { catalog } from './codes/index.ts';
import { ErrorSuppressionRejected, SuppressionUnknownCode } from './codes/reachability.ts';
import { type Diagnostic, diag } from './diagnostic.ts';

/** Every declaration of the model that can carry suppressions (the root first). */
function declarations(model: MeshModel): Declared[] {
  return [
    {
      path: model.path,
      ...(model.span ? { span: model.span } : {}),
      ...(model.suppressions ? { suppressions: model.suppressions } : {}),
    },
    ...model.datacenters,
    ...model.gateways,
    ...model.services,
    ...model.instances,
    ...model.instances.flatMap((i) => i.upstreams),
    ...model.entries,
  ];
}

function covers(scope: string, path: string, root: string): boolean {
  return scope === root || path === scope || path.startsWith(`${scope}/`) || path.startsWith(`${scope}#`);
}

/**
 * Marks suppressed diagnostics and adds MC3050/MC3051 for invalid suppressions. Pure; the input order is kept and the
 * new diagnostics are appended. Diagnostics already marked suppressed are left as they are.
 */
export function applySuppressions(model: MeshModel, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const severities = new Map(catalog.map((d) => [d.code, d.severity]));
  const active: { scope: string; code: string; reason: string }[] = [];
  const extra: Diagnostic[] = [];
  for (const d of declarations(model)) {
    for (const s of d.suppressions ?? []) {
      const at = { path: d.path, ...(d.span ? { span: d.span } : {}) };
      const severity = severities.get(s.code);
      if (severity === undefined) extra.push(diag(SuppressionUnknownCode, at, { code: s.code, path: d.path }));
      else if (severity === 'error') extra.push(diag(ErrorSuppressionRejected, at, { code: s.code, path: d.path }));
      else active.push({ scope: d.path, code: s.code, reason: s.reason });
    }
  }
  const marked = diagnostics.map((d) => {
    if (d.suppressed || d.severity === 'error') return d;
    const s = active.find((a) => a.code === d.code && covers(a.scope, d.path, model.path));
    return s ? { ...d, suppressed: { reason: s.reason } } : d;
  });
  return [...marked, ...extra];
}

/** Whether any unsuppressed diagnostic reaches the threshold (`error`: errors only; `warning`: errors and warnings). */
export function reachesThreshold(diagnostics: readonly Diagnostic[], threshold: 'error' | 'warning'): boolean {
  return diagnostics.some(
    (d) => !d.suppressed && (d.severity === 'error' || (threshold === 'warning' && d.severity === 'warning')),
  );
}
