/**
 * The markdown meshcc posts for a plan: one sticky comment per environment (and the same text in the job summary).
 * Pure: builds a string from a plan and validation findings, never touches the network.
 *
 * Layout: the hidden marker, then the summary (`Plan: N to create, M to update, K to delete` per datacenter), then
 * one `<details>` per datacenter with the diff, the findings, and the Mermaid picture. A peered environment's plan
 * has a row and a `<details>` per cluster (planned against its primary) and a table of its peerings with both
 * sides' states and whether apply establishes them. The body always fits the
 * limit (GitHub's 65,536 characters per comment): findings are capped, the picture dropped, then the middle of the
 * longest diffs elided; the summary is never cut.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { scrubSecrets } from './scrub.ts';
import type { DatacenterPlan, PeeringStatus, PlanDocument, ValidationDocument } from './types.ts';

/** GitHub's maximum length of an issue or pull-request comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** The hidden marker that identifies the sticky plan comment of an environment. */
export function planMarker(environment: string): string {
  return `<!-- meshcc:plan env=${environment} -->`;
}

/** `Plan: N to create, M to update, K to delete` (or `No changes.`). */
export function planSummaryLine(p: Pick<DatacenterPlan, 'create' | 'update' | 'delete'>): string {
  if (p.create + p.update + p.delete === 0) return 'No changes.';
  return `Plan: ${p.create} to create, ${p.update} to update, ${p.delete} to delete`;
}

/** Totals over all datacenters. */
export function planTotals(plan: PlanDocument): { create: number; update: number; delete: number; failed: number } {
  let create = 0;
  let update = 0;
  let del = 0;
  let failed = 0;
  for (const d of plan.datacenters) {
    if (d.error) failed++;
    create += d.create;
    update += d.update;
    del += d.delete;
  }
  return { create, update, delete: del, failed };
}

/** Peerings a peered plan will establish (not active on both sides). */
export function peeringsToEstablish(plan: PlanDocument): number {
  return (plan.peerings ?? []).filter((p) => !p.active).length;
}

/** Whether the plan changes anything (entries, or a peering to establish). */
export function planHasChanges(plan: PlanDocument): boolean {
  const t = planTotals(plan);
  return t.create + t.update + t.delete > 0 || peeringsToEstablish(plan) > 0;
}

/** The one-line result: `Plan: 1 to create, ...`, with `, 1 peering to establish` for a peered plan. */
export function planHeadline(plan: PlanDocument): string {
  const t = planTotals(plan);
  const n = peeringsToEstablish(plan);
  const peerings = n > 0 ? `${n} peering${n === 1 ? '' : 's'} to establish` : '';
  if (t.create + t.update + t.delete === 0) return peerings ? `Plan: ${peerings}` : 'No changes.';
  return `${planSummaryLine(t)}${peerings ? `, ${peerings}` : ''}`;
}

/** The name of a datacenter's plan in tables and budgets: `cluster/datacenter` in a peered plan. */
function planName(d: DatacenterPlan): string {
  return d.cluster ? `${d.cluster}/${d.datacenter}` : d.datacenter;
}

/** A side's state as shown: `ACTIVE`, or `missing` when it has no such peering. */
export function sideState(s: { readonly state?: string }): string {
  return s.state ?? 'missing';
}

/** A fenced code block whose fence is longer than any backtick run inside `text`. */
export function fence(text: string, lang = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(Math.max(3, longest + 1));
  return `${f}${lang}\n${text.replace(/\n+$/, '')}\n${f}`;
}

/**
 * Shortens `text` to about `maxChars` by keeping whole lines from the head and the tail and replacing the middle
 * with one line saying how many lines were elided. Returns `text` unchanged when it fits.
 */
export function elideMiddle(text: string, maxChars: number, where = 'the job summary or the plan artifact'): string {
  if (text.length <= maxChars) return text;
  const lines = text.split('\n');
  const note = (n: number) => `… ${n} lines elided (full diff in ${where}) …`;
  const budget = Math.max(0, maxChars - note(lines.length).length - 1);
  const head: string[] = [];
  const tail: string[] = [];
  let used = 0;
  let i = 0;
  let j = lines.length - 1;
  // Alternate head and tail so both ends stay visible; head gets the first line.
  let takeHead = true;
  while (i <= j) {
    const line = takeHead ? lines[i]! : lines[j]!;
    if (used + line.length + 1 > budget) break;
    used += line.length + 1;
    if (takeHead) head.push(lines[i++]!);
    else tail.unshift(lines[j--]!);
    takeHead = !takeHead;
  }
  const elided = j - i + 1;
  if (elided <= 0) return text;
  return [...head, note(elided), ...tail].join('\n');
}

export interface PlanCommentOptions {
  /** Maximum size of the body (default: GitHub's comment limit). */
  readonly limit?: number;
  /** How size is measured (default: string length; use bytes for the job summary). */
  readonly measure?: (s: string) => number;
  /** Commit the plan was made for (shown in the footer). */
  readonly sha?: string;
  /** Link to the workflow run (shown in the footer). */
  readonly runUrl?: string;
  /** Maximum findings listed before "and N more" (default 50). */
  readonly maxFindings?: number;
  /** Known secret values to scrub in addition to token-like patterns. */
  readonly secrets?: readonly (string | undefined)[];
}

interface RenderState {
  readonly diffBudgets: ReadonlyMap<string, number> | undefined;
  readonly maxFindings: number;
  readonly withPicture: boolean;
}

function severityLabel(d: Diagnostic): string {
  const s = d.severity === 'error' ? '🛑 error' : d.severity === 'warning' ? '⚠️ warning' : 'ℹ️ info';
  return d.suppressed ? `${s} (suppressed)` : s;
}

function location(d: Diagnostic): string {
  if (!d.span) return d.path ? `\`${d.path}\`` : '';
  return `\`${d.span.file}:${d.span.line}:${d.span.column}\``;
}

/** One line, safe in a markdown list item. */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').replace(/</g, '&lt;');
}

function findingCounts(ds: readonly Diagnostic[]): string {
  const n = (sev: string) => ds.filter((d) => d.severity === sev && !d.suppressed).length;
  const parts: string[] = [];
  const e = n('error');
  const w = n('warning');
  const i = n('info');
  if (e) parts.push(`${e} error${e === 1 ? '' : 's'}`);
  if (w) parts.push(`${w} warning${w === 1 ? '' : 's'}`);
  if (i) parts.push(`${i} info`);
  const s = ds.filter((d) => d.suppressed).length;
  if (s) parts.push(`${s} suppressed`);
  return parts.length === 0 ? 'no findings' : parts.join(', ');
}

function render(
  plan: PlanDocument,
  findings: readonly Diagnostic[],
  opts: PlanCommentOptions,
  st: RenderState,
): string {
  const out: string[] = [planMarker(plan.environment), `### meshcc plan: \`${plan.environment}\``, ''];
  const t = planTotals(plan);
  const changes = planHasChanges(plan);
  const n = plan.datacenters.length;
  const peered = plan.datacenters.some((d) => d.cluster !== undefined);
  const where = peered
    ? `across ${n} cluster${n === 1 ? '' : 's'}`
    : n === 1 && plan.datacenters[0]
      ? `in \`${plan.datacenters[0].datacenter}\``
      : `across ${n} datacenter${n === 1 ? '' : 's'}`;
  const headline = changes
    ? `**${planHeadline(plan)}** ${where}`
    : t.failed > 0
      ? '**No changes planned in the datacenters that could be reached.**'
      : '**No changes.** Consul already matches this environment.';
  out.push(`${headline} · ${findingCounts(findings)}`, '');
  if (peered) {
    // One row per cluster (planned against its primary); its other datacenters get the entries by replication.
    out.push('| Cluster | Datacenter | Plan |', '|---|---|---|');
    for (const d of plan.datacenters) {
      const result = d.error ? `⚠️ plan failed: ${oneLine(d.error)}` : planSummaryLine(d);
      out.push(`| \`${d.cluster ?? ''}\` | \`${d.datacenter}\` (primary) | ${result} |`);
      for (const r of d.replicas ?? [])
        out.push(`| \`${d.cluster ?? ''}\` | \`${r}\` | same entries, replicated from \`${d.datacenter}\` |`);
    }
    out.push('');
  } else if (plan.datacenters.length > 0) {
    out.push('| Datacenter | Plan |', '|---|---|');
    for (const d of plan.datacenters) {
      out.push(`| \`${d.datacenter}\` | ${d.error ? `⚠️ plan failed: ${oneLine(d.error)}` : planSummaryLine(d)} |`);
    }
    const from = plan.datacenters.length === 1 ? `\`${plan.datacenters[0]?.datacenter}\`` : 'the primary';
    for (const r of plan.replicas ?? []) out.push(`| \`${r}\` | same entries, replicated from ${from} |`);
    out.push('');
  }
  if (plan.peerings && plan.peerings.length > 0) {
    out.push('#### Peerings', '', '| Peering | Acceptor | Dialer | Plan |', '|---|---|---|---|');
    for (const p of plan.peerings) {
      const side = (s: PeeringStatus['acceptor']) => `\`${s.cluster}\` (as \`${s.peerName}\`): ${sideState(s)}`;
      const what = p.active
        ? '✅ active, unchanged'
        : p.blocker
          ? `⚠️ cannot be established now: ${oneLine(p.blocker)}`
          : '🔗 will be established (token never shown)';
      out.push(`| \`${p.key}\` | ${side(p.acceptor)} | ${side(p.dialer)} | ${what} |`);
    }
    out.push('');
  }
  for (const d of plan.datacenters) {
    if (!d.diff.trim()) continue;
    const budget = st.diffBudgets?.get(planName(d));
    const diff = budget === undefined ? d.diff : elideMiddle(d.diff, budget);
    const title = d.cluster
      ? `cluster <code>${d.cluster}</code> (<code>${d.datacenter}</code>)`
      : `<code>${d.datacenter}</code>`;
    out.push(`<details><summary>${title}: ${planSummaryLine(d)}</summary>`, '');
    out.push(fence(diff, 'diff'), '', '</details>', '');
  }
  if (findings.length > 0) {
    out.push(`#### Findings (${findings.length})`, '');
    for (const d of findings.slice(0, st.maxFindings)) {
      const loc = location(d);
      const hint = d.hint ? ` — _${oneLine(d.hint)}_` : '';
      out.push(`- ${severityLabel(d)} **${d.code}**${loc ? ` ${loc}` : ''}: ${oneLine(d.message)}${hint}`);
    }
    if (findings.length > st.maxFindings) {
      out.push(`- … and ${findings.length - st.maxFindings} more (see the check run and the job summary)`);
    }
    out.push('');
  }
  if (plan.mermaid) {
    if (st.withPicture) {
      out.push('<details><summary>Mesh picture (changed edges marked)</summary>', '');
      out.push(fence(plan.mermaid, 'mermaid'), '', '</details>', '');
    } else {
      out.push('_Mesh picture omitted to fit the comment; it is in the job summary._', '');
    }
  }
  const foot: string[] = [];
  if (opts.sha) foot.push(`commit \`${opts.sha.slice(0, 12)}\``);
  if (opts.runUrl) foot.push(`[workflow run](${opts.runUrl})`);
  foot.push(`full plan in the job summary and the \`meshcc-plan-${plan.environment}\` artifact`);
  out.push(`<sub>${foot.join(' · ')}</sub>`, '');
  return scrubSecrets(out.join('\n'), opts.secrets);
}

/** Shares `budget` characters between diffs: short diffs keep everything, long ones share the rest evenly. */
function shareBudget(diffs: readonly DatacenterPlan[], budget: number): Map<string, number> {
  const out = new Map<string, number>();
  const sorted = [...diffs].filter((d) => d.diff.trim()).sort((a, b) => a.diff.length - b.diff.length);
  let left = Math.max(0, budget);
  sorted.forEach((d, i) => {
    const fair = Math.floor(left / (sorted.length - i));
    const give = Math.min(d.diff.length, fair);
    out.set(planName(d), give);
    left -= give;
  });
  return out;
}

/**
 * Renders the sticky plan comment for one environment. Findings from validation (if given) come first, then the
 * plan's own; secrets are scrubbed. The result never exceeds `opts.limit`.
 */
export function renderPlanComment(
  plan: PlanDocument,
  validation?: ValidationDocument,
  opts: PlanCommentOptions = {},
): string {
  const limit = opts.limit ?? GITHUB_COMMENT_LIMIT;
  const measure = opts.measure ?? ((s: string) => s.length);
  const findings = [...(validation?.diagnostics ?? []), ...plan.diagnostics];
  let st: RenderState = { diffBudgets: undefined, maxFindings: opts.maxFindings ?? 50, withPicture: true };
  // Diffs alone over the limit: skip rendering (and scrubbing) megabytes that cannot be posted.
  const raw = plan.datacenters.reduce((n, d) => n + d.diff.length, 0);
  let body: string;
  if (raw <= limit) {
    body = render(plan, findings, opts, st);
    if (measure(body) <= limit) return body;
    st = { ...st, withPicture: false };
    body = render(plan, findings, opts, st);
    if (measure(body) <= limit) return body;
  } else {
    st = { ...st, withPicture: false };
  }
  st = { ...st, maxFindings: Math.min(st.maxFindings, 20) };
  const empty = shareBudget(plan.datacenters, 0);
  const fixed = measure(render(plan, findings, opts, { ...st, diffBudgets: empty }));
  // Shrink the shared diff budget until the body fits (measure may count bytes, so iterate).
  let budget = limit - fixed - 64 * plan.datacenters.length;
  for (let attempt = 0; attempt < 20 && budget > 0; attempt++) {
    body = render(plan, findings, opts, { ...st, diffBudgets: shareBudget(plan.datacenters, budget) });
    const size = measure(body);
    if (size <= limit) return body;
    budget -= Math.max(size - limit, Math.ceil(budget / 10));
  }
  // Last resort (thousands of datacenters or findings): cut the tail; the marker and summary are at the top.
  body = render(plan, findings, opts, { ...st, maxFindings: 0, diffBudgets: empty });
  const note = '\n\n_… truncated to fit; see the job summary and the plan artifact._\n';
  let cut = body.slice(0, Math.max(0, limit - note.length));
  while (measure(cut + note) > limit) cut = cut.slice(0, Math.floor(cut.length * 0.95));
  return cut + note;
}
