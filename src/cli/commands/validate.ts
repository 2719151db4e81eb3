/**
 * `meshcc validate <env>`: load, compile and check an environment; print the findings as text, JSON or GitHub
 * workflow commands. `meshcc validate --entries DIR` checks a folder of raw config-entry files on their own.
 */
import { resolve } from 'node:path';
import { compileMesh } from '../../compiler/compile-clusters.ts';
import { buildEntryIndex } from '../../compiler/entry-index.ts';
import { renderReach } from '../../compiler/reach.ts';
import { meshReachReport } from '../../compiler/reach-peered.ts';
import type { Compilation } from '../../compiler/types.ts';
import { validateResolver } from '../../compiler/validate-resolver.ts';
import { ResolverRejected } from '../../diagnostics/codes/reachability.ts';
import { compareDiagnostics, type Diagnostic, diag } from '../../diagnostics/diagnostic.ts';
import { renderGithub } from '../../diagnostics/render-github.ts';
import { renderJson } from '../../diagnostics/render-json.ts';
import { renderText } from '../../diagnostics/render-text.ts';
import { applySuppressions, reachesThreshold } from '../../diagnostics/suppress.ts';
import { loadEntriesDir } from '../../input/entries/load-entries-dir.ts';
import { loadEnvironment } from '../../input/load-environment.ts';
import type { EntryDecl } from '../../model/types.ts';
import { type CliIO, type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';

const usage = `Usage: meshcc validate <env> [--format text|json|github] [--failure-threshold error|warning] [--report]
       meshcc validate --entries DIR [--format ...] [--failure-threshold ...]

Checks an environment before merge: topology, reachability of every upstream target (primary and failover) through
the mesh gateways its mode needs, upstream declarations, intentions (Consul's precedence) and cross-artifact
consistency. Suppressed findings are shown but do not count. With --entries, checks a folder of raw config-entry files
(HCL/JSON/YAML) on their own: duplicates, durations and what Consul's write-time validation rejects.

Options:
  --format F              text (default), json (stable, for tools) or github (workflow commands for annotations)
  --failure-threshold T   error (default): exit 3 on errors; warning: exit 3 on warnings too
  --report                also print every upstream's path hop by hop (as 'meshcc reach'; text format only)
  --entries DIR           validate a folder of config-entry files instead of an environment

Exit codes: 0 clean, 3 findings at or above the threshold, 1 usage or load error.
`;

/** Loads and compiles an environment; diagnostics include loading, compile and validation, suppressions applied. */
export async function loadAndCheck(
  env: string,
  cwd: string,
): Promise<{ compilation: Compilation; diagnostics: Diagnostic[] }> {
  const loaded = await loadEnvironment(env, cwd);
  // Peered clusters are compiled cluster by cluster (compileMesh puts the results side by side).
  const compilation = compileMesh(loaded.model);
  const diagnostics = applySuppressions(loaded.model, [...loaded.diagnostics, ...compilation.diagnostics]).sort(
    compareDiagnostics,
  );
  return { compilation, diagnostics };
}

/** Checks raw config entries on their own: duplicates, durations, and what Consul's write-time validation rejects. */
export function checkEntryDecls(decls: readonly EntryDecl[]): Diagnostic[] {
  const index = buildEntryIndex(decls);
  const out: Diagnostic[] = [...index.diagnostics];
  for (const d of index.value.all) {
    if (d.entry.Kind !== 'service-resolver') continue;
    const message = validateResolver(d.entry);
    if (message) {
      out.push(
        diag(ResolverRejected, { path: d.path, ...(d.span ? { span: d.span } : {}) }, { name: d.entry.Name, message }),
      );
    }
  }
  return out.sort(compareDiagnostics);
}

async function checkEntries(dir: string): Promise<Diagnostic[]> {
  const loaded = await loadEntriesDir(dir);
  return [...loaded.diagnostics, ...checkEntryDecls(loaded.value)].sort(compareDiagnostics);
}

/** Renders diagnostics in one of the supported formats. */
export function render(format: string, diagnostics: readonly Diagnostic[], io: CliIO): string {
  if (format === 'json') return renderJson(diagnostics, { cwd: io.cwd });
  if (format === 'github') return renderGithub(diagnostics, { cwd: io.cwd });
  return renderText(diagnostics, { cwd: io.cwd });
}

function summary(diagnostics: readonly Diagnostic[]): string {
  const n = (s: string) => diagnostics.filter((d) => d.severity === s && !d.suppressed).length;
  const suppressed = diagnostics.filter((d) => d.suppressed).length;
  return `${n('error')} error(s), ${n('warning')} warning(s), ${n('info')} info, ${suppressed} suppressed\n`;
}

const validate: Command = {
  name: 'validate',
  summary: 'check reachability, failover, intentions and consistency before merge',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      format: { type: 'string', short: 'f' },
      'failure-threshold': { type: 'string' },
      report: { type: 'boolean' },
      entries: { type: 'string' },
    });
    const format = values.format ?? 'text';
    if (!['text', 'json', 'github'].includes(format)) throw new UsageError(`unknown --format '${format}'`);
    const threshold = values['failure-threshold'] ?? 'error';
    if (threshold !== 'error' && threshold !== 'warning') {
      throw new UsageError(`--failure-threshold must be 'error' or 'warning', got '${threshold}'`);
    }
    let diagnostics: Diagnostic[];
    let report = '';
    if (values.entries !== undefined) {
      if (positionals.length !== 0) throw new UsageError('--entries takes a directory; give no environment');
      diagnostics = await checkEntries(resolve(io.cwd, values.entries));
    } else {
      if (positionals.length !== 1) throw new UsageError('expected exactly one environment');
      const r = await loadAndCheck(positionals[0] as string, io.cwd);
      diagnostics = r.diagnostics;
      if (values.report) report = renderReach(meshReachReport(r.compilation.model, r.compilation.upstreams));
    }
    io.stdout(render(format, diagnostics, io));
    if (format === 'text') {
      if (report) io.stdout(`\n${report}`);
      io.stderr(summary(diagnostics));
    }
    return reachesThreshold(diagnostics, threshold) ? Exit.findings : Exit.ok;
  },
};

export default validate;
