/**
 * The check run of a plan: its conclusion comes from validation and plan, its annotations point at the lines of the
 * environment files. GitHub accepts at most 50 annotations per request, so the run is created with the first 50
 * and updated with the rest, 50 at a time.
 */
import { isAbsolute, relative, sep } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { GitHubClient, RepoRef } from './client.ts';
import { planHeadline, planSummaryLine, sideState } from './comment-body.ts';
import { scrubSecrets } from './scrub.ts';
import type { PlanDocument, ValidationDocument } from './types.ts';

/** GitHub's maximum annotations per create/update request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** GitHub's maximum length of `output.summary` and `output.text`. */
export const CHECK_OUTPUT_LIMIT = 65_535;

export type CheckConclusion = 'success' | 'failure' | 'neutral';

export interface CheckAnnotation {
  readonly path: string;
  readonly start_line: number;
  readonly end_line: number;
  readonly start_column?: number;
  readonly end_column?: number;
  readonly annotation_level: 'notice' | 'warning' | 'failure';
  readonly message: string;
  readonly title: string;
}

/**
 * Failure when validation found unsuppressed errors or a datacenter could not be planned; neutral with only
 * warnings; success otherwise (changes are not a failure: they are what the PR is for).
 */
export function checkConclusion(validation?: ValidationDocument, plan?: PlanDocument): CheckConclusion {
  const ds = [...(validation?.diagnostics ?? []), ...(plan?.diagnostics ?? [])].filter((d) => !d.suppressed);
  if (ds.some((d) => d.severity === 'error')) return 'failure';
  if (plan?.datacenters.some((d) => d.error)) return 'failure';
  if (ds.some((d) => d.severity === 'warning')) return 'neutral';
  return 'success';
}

/** Diagnostics with a source span as annotations, paths relative to the repository root (POSIX separators). */
export function toAnnotations(diagnostics: readonly Diagnostic[], repoRoot: string): CheckAnnotation[] {
  const out: CheckAnnotation[] = [];
  for (const d of diagnostics) {
    if (!d.span || d.suppressed) continue;
    let path = isAbsolute(d.span.file) ? relative(repoRoot, d.span.file) : d.span.file;
    path = path.split(sep).join('/');
    if (path.startsWith('../')) continue; // outside the repository: GitHub cannot show it
    const line = Math.max(1, d.span.line);
    out.push({
      path,
      start_line: line,
      end_line: line,
      ...(d.span.column > 0 ? { start_column: d.span.column, end_column: d.span.column } : {}),
      annotation_level: d.severity === 'error' ? 'failure' : d.severity === 'warning' ? 'warning' : 'notice',
      title: `${d.code} (${d.path})`,
      message: scrubSecrets(d.hint ? `${d.message}\nhint: ${d.hint}` : d.message),
    });
  }
  return out;
}

/** Splits into batches of at most `size`. */
export function batches<T>(items: readonly T[], size = ANNOTATIONS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The check run's summary: counts per datacenter and findings. */
export function checkSummary(validation?: ValidationDocument, plan?: PlanDocument): string {
  const lines: string[] = [];
  if (plan) {
    lines.push(`**${planHeadline(plan)}**`, '');
    for (const d of plan.datacenters)
      lines.push(
        `- ${d.cluster ? `cluster \`${d.cluster}\` (\`${d.datacenter}\`)` : `\`${d.datacenter}\``}: ${d.error ? `plan failed: ${d.error}` : planSummaryLine(d)}`,
      );
    for (const p of plan.peerings ?? [])
      lines.push(
        `- peering \`${p.key}\`: acceptor ${sideState(p.acceptor)}, dialer ${sideState(p.dialer)}${p.active ? '' : p.blocker ? ` (cannot be established now: ${p.blocker})` : ' (will be established)'}`,
      );
    lines.push('');
  }
  const ds = [...(validation?.diagnostics ?? []), ...(plan?.diagnostics ?? [])];
  const n = (s: string) => ds.filter((d) => d.severity === s && !d.suppressed).length;
  lines.push(`Findings: ${n('error')} errors, ${n('warning')} warnings, ${n('info')} info.`);
  const text = scrubSecrets(lines.join('\n'));
  return text.length <= CHECK_OUTPUT_LIMIT ? text : `${text.slice(0, CHECK_OUTPUT_LIMIT - 20)}\n… (truncated)`;
}

export interface CheckRunInput extends RepoRef {
  readonly name: string;
  readonly headSha: string;
  readonly conclusion: CheckConclusion;
  readonly title: string;
  readonly summary: string;
  /** Longer markdown (the plan); cut to 65,535 characters. */
  readonly text?: string;
  readonly annotations: readonly CheckAnnotation[];
  readonly detailsUrl?: string;
}

/** Creates the completed check run with the first batch of annotations and appends the rest. Returns its id and request count. */
export async function publishCheckRun(
  gh: GitHubClient,
  c: CheckRunInput,
): Promise<{ id: number; requests: number; url: string }> {
  const [first = [], ...rest] = batches(c.annotations);
  const text =
    c.text && c.text.length > CHECK_OUTPUT_LIMIT
      ? `${c.text.slice(0, CHECK_OUTPUT_LIMIT - 40)}\n\n… (truncated; see the job summary)`
      : c.text;
  const output = { title: c.title, summary: c.summary, ...(text ? { text } : {}) };
  const created = await gh.rest.checks.create({
    owner: c.owner,
    repo: c.repo,
    name: c.name,
    head_sha: c.headSha,
    status: 'completed',
    conclusion: c.conclusion,
    ...(c.detailsUrl ? { details_url: c.detailsUrl } : {}),
    output: { ...output, annotations: [...first] },
  });
  let requests = 1;
  for (const batch of rest) {
    await gh.rest.checks.update({
      owner: c.owner,
      repo: c.repo,
      check_run_id: created.data.id,
      output: { ...output, annotations: [...batch] },
    });
    requests++;
  }
  return { id: created.data.id, requests, url: created.data.html_url ?? '' };
}
