/** Renders a plan as text (`+ ~ -` per entry, field-level changes) or JSON. Pure and deterministic. */
import { stableJson } from '../emit/artifact.ts';
import type { FieldChange } from './normalize.ts';
import { type Plan, planCounts } from './plan.ts';

function show(v: unknown): string {
  return v === undefined ? '(none)' : JSON.stringify(v);
}

/** The sign of each action type in a plan's `+ ~ -` lines. */
export const ACTION_SIGN = { create: '+', update: '~', adopt: '~', delete: '-', noop: ' ' } as const;

/**
 * One field change as its sign and text (`path = value` when added or removed, `path: before -> after` when changed);
 * the caller places the sign (indented here, in the first column for a GitHub `diff` block).
 */
export function fieldChangeLine(c: FieldChange): { sign: '+' | '-' | '~'; text: string } {
  if (c.before === undefined) return { sign: '+', text: `${c.path} = ${show(c.after)}` };
  if (c.after === undefined) return { sign: '-', text: `${c.path} = ${show(c.before)}` };
  return { sign: '~', text: `${c.path}: ${show(c.before)} -> ${show(c.after)}` };
}

function renderChange(c: FieldChange): string {
  const { sign, text } = fieldChangeLine(c);
  return `      ${sign} ${text}`;
}

/** The summary line, as Terraform prints it. */
export function summaryLine(plan: Plan): string {
  const n = planCounts(plan);
  return `Plan: ${n.create} to create, ${n.update} to update, ${n.delete} to delete.`;
}

/** Human-readable plan. */
export function renderPlanText(plan: Plan, opts: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const a of plan.actions) {
    if (a.type === 'noop') continue;
    lines.push(`  ${ACTION_SIGN[a.type]} ${a.key}${a.type === 'adopt' ? ' (adopt: take ownership)' : ''}`);
    if (a.type !== 'delete' || opts.verbose) for (const c of a.changes) lines.push(renderChange(c));
  }
  if (plan.unmanaged.length > 0) {
    lines.push('', `Unmanaged entries in Consul (left untouched): ${plan.unmanaged.length}`);
    for (const k of plan.unmanaged) lines.push(`    ${k}`);
  }
  if (!plan.actions.some((a) => a.type !== 'noop'))
    lines.push(`No changes. Consul matches environment ${plan.environment}.`);
  lines.push('', summaryLine(plan));
  return `${lines.join('\n').replace(/^\n+/, '')}\n`;
}

/** Where the plan was computed and what to draw; printed with the plan in `--json`. */
export interface PlanContext {
  /** The datacenter planned against (the primary, or `--dc`); absent when the token may not read the agent. */
  readonly datacenter?: string;
  /** The other datacenters, which receive the primary's config entries by replication. */
  readonly replicas?: readonly string[];
  /** A Mermaid picture of the mesh with the edges this plan changes marked. */
  readonly mermaid?: string;
}

/** Machine-readable plan (`--json`). */
export function renderPlanJson(plan: Plan, context: PlanContext = {}): string {
  const n = planCounts(plan);
  return stableJson({
    environment: plan.environment,
    ...(context.datacenter ? { datacenter: context.datacenter } : {}),
    ...(context.replicas && context.replicas.length > 0 ? { replicas: context.replicas } : {}),
    ...(context.mermaid ? { mermaid: context.mermaid } : {}),
    summary: n,
    actions: plan.actions
      .filter((a) => a.type !== 'noop')
      .map((a) => ({ type: a.type, key: a.key, modifyIndex: a.modifyIndex, changes: a.changes })),
    unmanaged: plan.unmanaged,
    diagnostics: plan.diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message })),
  });
}
