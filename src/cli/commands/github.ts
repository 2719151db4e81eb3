/**
 * `meshcc github comment|check|drift-issue|apply-result|summary`: publishes plan, validation and drift results to
 * GitHub from the JSON files `meshcc plan --json`, `meshcc validate --format json` and `meshcc drift --json` write.
 * Works inside Actions (reads GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_SHA, GITHUB_STEP_SUMMARY, GITHUB_API_URL)
 * and outside it (pass --repo, --pr, --sha). The token comes from GITHUB_TOKEN and is never printed.
 *
 * The plan is never lost: it is written to the job summary (and --out) before anything is sent to GitHub.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyMarker, pullRequestsForCommit, renderApplyComment } from '../../github/apply-comment.ts';
import { checkConclusion, checkSummary, publishCheckRun, toAnnotations } from '../../github/check-run.ts';
import {
  createGitHubClient,
  describeGitHubError,
  type GitHubClient,
  parseRepo,
  type RepoRef,
} from '../../github/client.ts';
import { planHasChanges, planHeadline, planMarker, renderPlanComment } from '../../github/comment-body.ts';
import { syncDriftIssue } from '../../github/drift-issue.ts';
import { appendJobSummary, summaryRoom, utf8Bytes } from '../../github/job-summary.ts';
import { secretsFromEnv } from '../../github/scrub.ts';
import { upsertStickyComment } from '../../github/sticky-comment.ts';
import {
  InputShapeError,
  type PlanDocument,
  parseDriftDocument,
  parsePlanDocument,
  parseValidationDocument,
  type ValidationDocument,
} from '../../github/types.ts';
import { type CliIO, type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';

const usage = `Usage: meshcc github <action> [options]

Publishes meshcc results to GitHub. The token is read from GITHUB_TOKEN (never printed); the repository from
--repo or GITHUB_REPOSITORY; the pull request and commit from --pr/--sha or the Actions event (GITHUB_EVENT_PATH).

Actions:
  comment       sticky plan comment on the pull request, one per environment (marker
                <!-- meshcc:plan env=NAME -->), updated in place; also appends the plan to the job summary
  check         check run 'meshcc / ENV' with a conclusion from validation + plan and annotations at file lines
  drift-issue   open/update the environment's drift issue while drift exists, close it when clean
  apply-result  sticky comment on the merged pull request of --sha saying whether the apply succeeded
  summary       only append the plan to the job summary (no token needed)

Options:
  --plan FILE         plan JSON (meshcc plan --json)                       [comment, check, summary]
  --validation FILE   validation JSON (meshcc validate --format json)      [comment, check, summary]
  --drift FILE        drift JSON (meshcc drift --json)                      [drift-issue]
  --env NAME          environment name (default: from the JSON)
  --repo OWNER/NAME   repository (default: GITHUB_REPOSITORY)
  --pr N              pull request number (default: from the Actions event)
  --sha SHA           commit (default: the PR head from the event, else GITHUB_SHA)
  --outcome success|failure   apply outcome                                 [apply-result]
  --log FILE          apply output to show (elided)                          [apply-result]
  --out FILE          also write the rendered markdown to FILE
  --summary-file F    job summary file (default: GITHUB_STEP_SUMMARY)
  --root DIR          repository root for annotation paths (default: GITHUB_WORKSPACE or cwd)
  --dry-run           print the markdown instead of calling GitHub

A peered environment's plan and drift JSON (schema version 2) are shown per cluster, with a table of the peerings
and their states; a peering not active is drift. Documents of a newer schema version are refused.

Exit codes: 0 published (or skipped with a reason, e.g. PR closed), 1 input or GitHub error.
`;

const options = {
  plan: { type: 'string' },
  validation: { type: 'string' },
  drift: { type: 'string' },
  env: { type: 'string' },
  repo: { type: 'string' },
  pr: { type: 'string' },
  sha: { type: 'string' },
  outcome: { type: 'string' },
  log: { type: 'string' },
  out: { type: 'string' },
  'summary-file': { type: 'string' },
  root: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof options>>['values'];

interface Ctx {
  readonly io: CliIO;
  readonly v: Values;
  readonly secrets: string[];
}

/** An input file that cannot be read or parsed: reported in one line, without the usage text. */
class InputFileError extends Error {
  override readonly name = 'InputFileError';
}

function readJson(io: CliIO, file: string, what: string): unknown {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputFileError(
      `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputFileError(
      `${what} ${file} is not JSON (${(e as Error).message}); did the command that writes it fail?`,
    );
  }
}

function shaped<T>(f: () => T, file: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InputShapeError) throw new InputFileError(`${file}: ${e.message}`);
    throw e;
  }
}

function loadPlan(c: Ctx): PlanDocument | undefined {
  if (!c.v.plan) return undefined;
  const json = readJson(c.io, c.v.plan, 'plan');
  return shaped(() => parsePlanDocument(json), c.v.plan);
}

function loadValidation(c: Ctx, env?: string): ValidationDocument | undefined {
  if (!c.v.validation) return undefined;
  const json = readJson(c.io, c.v.validation, 'validation');
  return shaped(() => parseValidationDocument(json, c.v.env ?? env), c.v.validation);
}

interface ActionsEvent {
  pull_request?: { number?: number; head?: { sha?: string } };
  number?: number;
}

function event(io: CliIO): ActionsEvent {
  const p = io.env.GITHUB_EVENT_PATH;
  if (!p) return {};
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as ActionsEvent;
  } catch {
    return {};
  }
}

function repoOf(c: Ctx): RepoRef {
  const r = parseRepo(c.v.repo ?? c.io.env.GITHUB_REPOSITORY);
  if (!r) throw new UsageError('no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY');
  return r;
}

function prOf(c: Ctx): number {
  const raw = c.v.pr ?? String(event(c.io).pull_request?.number ?? '');
  const n = Number(raw);
  if (!raw || !Number.isInteger(n) || n <= 0)
    throw new UsageError('no pull request: pass --pr N (or run on a pull_request event)');
  return n;
}

function shaIfAny(c: Ctx): string | undefined {
  return c.v.sha ?? event(c.io).pull_request?.head?.sha ?? c.io.env.GITHUB_SHA;
}

function shaOf(c: Ctx): string {
  const sha = shaIfAny(c);
  if (!sha || !/^[0-9a-f]{7,64}$/i.test(sha)) throw new UsageError('no commit: pass --sha SHA (or set GITHUB_SHA)');
  return sha;
}

function runUrl(io: CliIO): string | undefined {
  const { GITHUB_SERVER_URL: s, GITHUB_REPOSITORY: r, GITHUB_RUN_ID: id } = io.env;
  return s && r && id ? `${s}/${r}/actions/runs/${id}` : undefined;
}

/** The client, or undefined (with a message) when there is no token. */
function client(c: Ctx, what: string): GitHubClient | undefined {
  const token = c.io.env.GITHUB_TOKEN ?? c.io.env.GH_TOKEN;
  if (!token) {
    c.io.stderr(`meshcc github: GITHUB_TOKEN is not set; ${what} not published\n`);
    return undefined;
  }
  return createGitHubClient({
    token,
    ...(c.io.env.GITHUB_API_URL ? { baseUrl: c.io.env.GITHUB_API_URL } : {}),
    warn: (m) => c.io.stderr(`meshcc github: ${m}\n`),
    ...(c.io.env.MESHCC_GITHUB_FAST === '1' ? { timeUnitMs: 1, pacing: false } : {}),
  });
}

/** Writes the plan to the job summary and --out; returns whether it was kept somewhere. */
function keepPlan(c: Ctx, plan: PlanDocument, validation: ValidationDocument | undefined, commentBody: string): void {
  if (c.v.out) writeFileSync(resolve(c.io.cwd, c.v.out), commentBody);
  const file = c.v['summary-file'] ?? c.io.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  const sha = shaIfAny(c);
  const url = runUrl(c.io);
  const md = renderPlanComment(plan, validation, {
    limit: summaryRoom(file) - 1,
    measure: utf8Bytes,
    maxFindings: 1000,
    secrets: c.secrets,
    ...(sha ? { sha } : {}),
    ...(url ? { runUrl: url } : {}),
  });
  if (!appendJobSummary(file, md)) c.io.stderr('meshcc github: the job summary is full; plan not added to it\n');
}

async function comment(c: Ctx): Promise<number> {
  const plan = loadPlan(c);
  if (!plan) throw new UsageError('comment needs --plan FILE');
  const validation = loadValidation(c, plan.environment);
  const url = runUrl(c.io);
  const sha = shaIfAny(c);
  const body = renderPlanComment(plan, validation, {
    secrets: c.secrets,
    ...(sha ? { sha } : {}),
    ...(url ? { runUrl: url } : {}),
  });
  keepPlan(c, plan, validation, body);
  if (c.v['dry-run']) {
    c.io.stdout(body);
    return Exit.ok;
  }
  const gh = client(c, 'plan comment');
  if (!gh) return Exit.error;
  const repo = repoOf(c);
  const pr = prOf(c);
  try {
    const r = await upsertStickyComment(gh, { ...repo, issueNumber: pr, marker: planMarker(plan.environment) }, body, {
      requireOpen: true,
    });
    if (r.action === 'skipped') c.io.stdout(`plan comment for ${plan.environment} not posted: ${r.reason}\n`);
    else c.io.stdout(`plan comment for ${plan.environment} ${r.action}: ${r.url}\n`);
    return Exit.ok;
  } catch (e) {
    c.io.stderr(`meshcc github: ${describeGitHubError(e, `posting the plan comment on #${pr}`)}\n`);
    c.io.stderr('meshcc github: the plan is in the job summary and the plan artifact\n');
    return Exit.error;
  }
}

async function check(c: Ctx): Promise<number> {
  const plan = loadPlan(c);
  const validation = loadValidation(c, plan?.environment);
  if (!plan && !validation) throw new UsageError('check needs --validation FILE and/or --plan FILE');
  const env = c.v.env ?? plan?.environment ?? validation!.environment;
  const conclusion = checkConclusion(validation, plan);
  const root = resolve(c.io.cwd, c.v.root ?? c.io.env.GITHUB_WORKSPACE ?? '.');
  const annotations = toAnnotations([...(validation?.diagnostics ?? []), ...(plan?.diagnostics ?? [])], root);
  const summary = checkSummary(validation, plan);
  const title = plan
    ? `${env}: ${planHasChanges(plan) ? planHeadline(plan) : 'no changes'} (${conclusion})`
    : `${env}: validation ${conclusion}`;
  if (c.v['dry-run']) {
    c.io.stdout(`${title}\n\n${summary}\n\n${annotations.length} annotations\n`);
    return Exit.ok;
  }
  const gh = client(c, 'check run');
  if (!gh) return Exit.error;
  const repo = repoOf(c);
  const headSha = shaOf(c);
  const url = runUrl(c.io);
  const text = plan ? renderPlanComment(plan, validation, { limit: 65_535, secrets: c.secrets }) : undefined;
  try {
    const r = await publishCheckRun(gh, {
      ...repo,
      name: `meshcc / ${env}`,
      headSha,
      conclusion,
      title,
      summary,
      annotations,
      ...(text ? { text } : {}),
      ...(url ? { detailsUrl: url } : {}),
    });
    c.io.stdout(
      `check run 'meshcc / ${env}' ${conclusion}: ${annotations.length} annotations in ${r.requests} requests\n`,
    );
    return Exit.ok;
  } catch (e) {
    c.io.stderr(`meshcc github: ${describeGitHubError(e, `creating the check run for ${env}`)}\n`);
    return Exit.error;
  }
}

async function driftIssue(c: Ctx): Promise<number> {
  if (!c.v.drift) throw new UsageError('drift-issue needs --drift FILE');
  const json = readJson(c.io, c.v.drift, 'drift');
  const doc = shaped(() => parseDriftDocument(json), c.v.drift);
  const url = runUrl(c.io);
  const gh = client(c, 'drift issue');
  if (!gh) return Exit.error;
  const repo = repoOf(c);
  try {
    const r = await syncDriftIssue(gh, repo, doc, { secrets: c.secrets, ...(url ? { runUrl: url } : {}) });
    c.io.stdout(
      r.action === 'none'
        ? `drift issue for ${doc.environment}: nothing to do (${r.reason})\n`
        : `drift issue for ${doc.environment} ${r.action}: #${r.number} ${r.url}\n`,
    );
    return Exit.ok;
  } catch (e) {
    c.io.stderr(`meshcc github: ${describeGitHubError(e, `updating the drift issue of ${doc.environment}`)}\n`);
    return Exit.error;
  }
}

async function applyResult(c: Ctx): Promise<number> {
  const env = c.v.env;
  if (!env) throw new UsageError('apply-result needs --env NAME');
  const outcome = c.v.outcome;
  if (outcome !== 'success' && outcome !== 'failure')
    throw new UsageError('apply-result needs --outcome success|failure');
  const sha = shaOf(c);
  let log: string | undefined;
  if (c.v.log) {
    try {
      log = readFileSync(resolve(c.io.cwd, c.v.log), 'utf8');
    } catch {
      log = `(apply output ${c.v.log} could not be read)`;
    }
  }
  const url = runUrl(c.io);
  const body = renderApplyComment(
    { environment: env, outcome, sha, ...(log ? { log } : {}), ...(url ? { runUrl: url } : {}) },
    c.secrets,
  );
  if (c.v['dry-run']) {
    c.io.stdout(body);
    return Exit.ok;
  }
  const gh = client(c, 'apply result');
  if (!gh) return Exit.error;
  const repo = repoOf(c);
  try {
    const prs = c.v.pr ? [prOf(c)] : await pullRequestsForCommit(gh, repo, sha);
    if (prs.length === 0) {
      c.io.stdout(`apply result for ${env}: no merged pull request for ${sha.slice(0, 12)}; not commented\n`);
      return Exit.ok;
    }
    for (const pr of prs) {
      const r = await upsertStickyComment(gh, { ...repo, issueNumber: pr, marker: applyMarker(env) }, body);
      if (r.action !== 'skipped') c.io.stdout(`apply result for ${env} ${r.action} on #${pr}: ${r.url}\n`);
    }
    return Exit.ok;
  } catch (e) {
    c.io.stderr(`meshcc github: ${describeGitHubError(e, `commenting the apply result of ${env}`)}\n`);
    return Exit.error;
  }
}

function summaryOnly(c: Ctx): number {
  const plan = loadPlan(c);
  if (!plan) throw new UsageError('summary needs --plan FILE');
  const validation = loadValidation(c, plan.environment);
  const body = renderPlanComment(plan, validation, { secrets: c.secrets });
  if (!c.v['summary-file'] && !c.io.env.GITHUB_STEP_SUMMARY && !c.v.out) {
    c.io.stdout(body);
    return Exit.ok;
  }
  keepPlan(c, plan, validation, body);
  return Exit.ok;
}

const actions: Record<string, (c: Ctx) => number | Promise<number>> = {
  comment,
  check,
  'drift-issue': driftIssue,
  'apply-result': applyResult,
  summary: summaryOnly,
};

const github: Command = {
  name: 'github',
  summary: 'publish plans, check runs, drift issues and apply results to GitHub',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, options);
    const [action, ...extra] = positionals;
    if (!action) throw new UsageError('expected an action: comment, check, drift-issue, apply-result or summary');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const c: Ctx = { io, v: values, secrets: secretsFromEnv(io.env) };
    const act = actions[action];
    if (!act) throw new UsageError(`unknown action '${action}'`);
    try {
      return await act(c);
    } catch (e) {
      if (!(e instanceof InputFileError)) throw e;
      io.stderr(`meshcc github: ${e.message}\n`);
      return Exit.error;
    }
  },
};

export default github;
