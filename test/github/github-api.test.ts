import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { publishCheckRun, toAnnotations } from '../../src/github/check-run.ts';
import { createGitHubClient, describeGitHubError, type GitHubClient } from '../../src/github/client.ts';
import { GITHUB_COMMENT_LIMIT, planMarker, renderPlanComment } from '../../src/github/comment-body.ts';
import { DRIFT_LABEL, driftMarker, syncDriftIssue } from '../../src/github/drift-issue.ts';
import { upsertStickyComment } from '../../src/github/sticky-comment.ts';
import { runCli } from '../cli/run-cli.ts';
import { FakeGitHub } from './fake-github.ts';

/** What `meshcc plan --json` / `drift --json` really print (test/github/real/regenerate.sh). */
const realOutput = (f: string) => join(import.meta.dirname, 'real', f);

import { diffLines, drift, noChanges, plan, validation } from './fixtures.ts';

const repo = { owner: 'acme', repo: 'mesh' };
let fake: FakeGitHub;
let gh: GitHubClient;
let warnings: string[];

beforeEach(async () => {
  fake = new FakeGitHub();
  await fake.start();
  warnings = [];
  gh = createGitHubClient({
    token: fake.token,
    baseUrl: fake.url,
    timeUnitMs: 1,
    pacing: false,
    warn: (m) => warnings.push(m),
  });
  fake.pulls.set(7, { state: 'open', merged: false });
});

afterEach(async () => {
  await fake.stop();
});

const target = (env = 'multi-dc') => ({ ...repo, issueNumber: 7, marker: planMarker(env) });

describe('against a fake GitHub REST server: sticky plan comment', () => {
  it('creates the comment once, then updates the same comment in place', async () => {
    const first = await upsertStickyComment(gh, target(), renderPlanComment(plan()), { requireOpen: true });
    expect(first.action).toBe('created');
    const second = await upsertStickyComment(gh, target(), renderPlanComment(noChanges()), { requireOpen: true });
    expect(second.action).toBe('updated');
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]!.body).toContain('**No changes.**');
    expect(fake.writes().map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  it('leaves an identical body alone', async () => {
    await upsertStickyComment(gh, target(), renderPlanComment(plan()));
    const again = await upsertStickyComment(gh, target(), renderPlanComment(plan()));
    expect(again.action).toBe('unchanged');
    expect(fake.writes()).toHaveLength(1);
  });

  it('keeps one comment per environment and ignores comments that only quote a marker', async () => {
    fake.comments.push({ id: 1, issue: 7, body: `> ${planMarker('multi-dc')}\n> old plan`, html_url: 'u1' });
    await upsertStickyComment(gh, target('multi-dc'), renderPlanComment(plan()));
    await upsertStickyComment(gh, target('gateway-modes'), renderPlanComment(plan({ environment: 'gateway-modes' })));
    expect(fake.comments).toHaveLength(3);
    expect(fake.comments[0]!.body.startsWith('> ')).toBe(true);
    expect(fake.comments.filter((c) => c.body.startsWith(planMarker('multi-dc')))).toHaveLength(1);
  });

  it('finds the marked comment on a later page of a long conversation', async () => {
    for (let i = 0; i < 250; i++) fake.comments.push({ id: i + 1, issue: 7, body: `chatter ${i}`, html_url: `u${i}` });
    fake.comments.splice(180, 0, { id: 999, issue: 7, body: `${planMarker('multi-dc')}\nold`, html_url: 'u999' });
    const r = await upsertStickyComment(gh, target(), renderPlanComment(plan()));
    expect(r).toMatchObject({ action: 'updated', id: 999 });
    expect(fake.requests.filter((q) => q.path.endsWith('/comments') && q.method === 'GET')).toHaveLength(3);
  });

  it('posts a huge plan that GitHub accepts: under 65,536 characters with the summary kept', async () => {
    const big = plan({
      datacenters: [{ datacenter: 'dc1', create: 100_000, update: 0, delete: 0, diff: diffLines(100_000) }],
    });
    const r = await upsertStickyComment(gh, target(), renderPlanComment(big));
    expect(r.action).toBe('created');
    expect(fake.comments[0]!.body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(fake.comments[0]!.body).toContain('Plan: 100000 to create, 0 to update, 0 to delete');
  });

  it('skips with a reason when the pull request was closed meanwhile', async () => {
    fake.pulls.set(7, { state: 'closed', merged: false });
    const r = await upsertStickyComment(gh, target(), renderPlanComment(plan()), { requireOpen: true });
    expect(r).toEqual({ action: 'skipped', reason: 'pull request #7 is closed' });
    expect(fake.writes()).toHaveLength(0);
  });
});

describe('against a fake GitHub REST server: check runs', () => {
  it('sends 120 findings as annotations in 3 requests of at most 50', async () => {
    const anns = toAnnotations(validation(120).diagnostics, '/work/main');
    const r = await publishCheckRun(gh, {
      ...repo,
      name: 'meshcc / multi-dc',
      headSha: 'abc1234',
      conclusion: 'failure',
      title: 't',
      summary: 's',
      annotations: anns,
    });
    expect(r.requests).toBe(3);
    const sizes = fake
      .writes()
      .map((q) => (q.body?.output as { annotations?: unknown[] } | undefined)?.annotations?.length);
    expect(sizes).toEqual([50, 50, 20]);
    expect(fake.writes().map((q) => q.method)).toEqual(['POST', 'PATCH', 'PATCH']);
    expect(fake.checkRuns[0]!.annotations).toHaveLength(120);
    expect(fake.checkRuns[0]!.annotations[0]).toMatchObject({
      path: 'environments/multi-dc/mesh.ts',
      start_line: 10,
      annotation_level: 'failure',
    });
  });

  it('reports a 422 from GitHub as a clear message without retrying', async () => {
    fake.faults.push({
      method: 'POST',
      path: /check-runs$/,
      status: 422,
      message: 'Validation Failed: head_sha is not a commit',
    });
    const err = await publishCheckRun(gh, {
      ...repo,
      name: 'n',
      headSha: 'dead',
      conclusion: 'success',
      title: 't',
      summary: 's',
      annotations: [],
    }).catch((e: unknown) => e);
    expect(describeGitHubError(err, 'creating the check run')).toBe(
      'creating the check run: GitHub refused the request (422 Validation Failed: head_sha is not a commit)',
    );
    expect(fake.requests.filter((q) => q.path.endsWith('check-runs'))).toHaveLength(1);
  });
});

describe('against a fake GitHub REST server: errors and rate limits', () => {
  it('explains a 403 permission error and does not retry it', async () => {
    fake.faults.push({
      method: 'POST',
      path: /\/issues\/7\/comments$/,
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const err = await upsertStickyComment(gh, target(), renderPlanComment(plan())).catch((e: unknown) => e);
    expect(describeGitHubError(err, 'posting')).toMatch(
      /^posting: the token lacks permission \(403 Resource not accessible by integration\)/,
    );
    expect(fake.requests.filter((q) => q.method === 'POST')).toHaveLength(1);
  });

  it('waits out a primary rate limit (403, x-ratelimit-remaining: 0) and then succeeds', async () => {
    fake.faults.push({
      method: 'POST',
      path: /\/issues\/7\/comments$/,
      status: 403,
      message: 'API rate limit exceeded for installation',
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
    });
    const r = await upsertStickyComment(gh, target(), renderPlanComment(plan()));
    expect(r.action).toBe('created');
    expect(fake.requests.filter((q) => q.method === 'POST')).toHaveLength(2);
    expect(warnings.some((w) => w.startsWith('GitHub primary rate limit on POST'))).toBe(true);
  });

  it('retries a secondary rate limit (429 with retry-after) and gives up with a clear message when it persists', async () => {
    fake.faults.push({
      method: 'POST',
      path: /\/issues\/7\/comments$/,
      status: 429,
      message: 'You have exceeded a secondary rate limit',
      headers: { 'retry-after': '1' },
      times: 50,
    });
    const err = await upsertStickyComment(gh, target(), renderPlanComment(plan())).catch((e: unknown) => e);
    expect(describeGitHubError(err, 'posting')).toMatch(
      /^posting: GitHub rate limit still exceeded after retries \(429/,
    );
    expect(warnings.filter((w) => w.includes('secondary rate limit')).length).toBeGreaterThanOrEqual(3);
  });

  it('retries a 502 from GitHub and succeeds', async () => {
    fake.faults.push({ method: 'GET', path: /\/pulls\/7$/, status: 502, message: 'Bad Gateway' });
    const r = await upsertStickyComment(gh, target(), renderPlanComment(plan()), { requireOpen: true });
    expect(r.action).toBe('created');
    expect(fake.requests.filter((q) => q.path.endsWith('/pulls/7'))).toHaveLength(2);
  });
});

describe('against a fake GitHub REST server: drift issue', () => {
  it('opens an issue while drift exists, updates it, and closes it when clean', async () => {
    const opened = await syncDriftIssue(gh, repo, drift());
    expect(opened.action).toBe('opened');
    expect(fake.issues).toHaveLength(1);
    const issue = fake.issues[0]!;
    expect(issue.labels).toEqual([{ name: DRIFT_LABEL }]);
    expect(issue.body.startsWith(driftMarker('multi-dc'))).toBe(true);
    expect(issue.body).toContain(
      '| `dc1` | `service-resolver/payments` | changed out of band | meshcc:environments/multi-dc |',
    );
    expect(issue.body).toContain('| `dc2` | `service-defaults/adhoc` | unmanaged, new | not managed by meshcc |');
    expect(issue.body).toContain('run the drift workflow with `heal: true`');

    const less = drift({ items: [drift().items[0]!] });
    expect((await syncDriftIssue(gh, repo, less)).action).toBe('updated');
    expect(fake.issues[0]!.body).not.toContain('adhoc');
    expect((await syncDriftIssue(gh, repo, less)).action).toBe('unchanged');

    expect(await syncDriftIssue(gh, repo, drift({ items: [] }))).toMatchObject({
      action: 'closed',
      number: issue.number,
    });
    expect(fake.issues[0]!.state).toBe('closed');
    expect(fake.comments.at(-1)!.body).toContain('No drift left in `multi-dc`: closing.');
    expect((await syncDriftIssue(gh, repo, drift({ items: [] }))).action).toBe('none');
  });

  it('keeps an open issue open while a datacenter is unreachable, and opens none for unreachable alone', async () => {
    const unreachable = drift({
      items: [{ datacenter: 'dc2', class: 'dc-unreachable', detail: 'No path to datacenter' }],
    });
    expect((await syncDriftIssue(gh, repo, unreachable)).action).toBe('none');
    expect(fake.issues).toHaveLength(0);
    await syncDriftIssue(gh, repo, drift());
    expect((await syncDriftIssue(gh, repo, unreachable)).action).toBe('updated');
    expect(fake.issues[0]!.state).toBe('open');
    expect(fake.issues[0]!.body).toContain('datacenter unreachable');
  });
});

describe('against a fake GitHub REST server: meshcc github CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshcc-gh-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = () => ({
    GITHUB_TOKEN: fake.token,
    GITHUB_API_URL: fake.url,
    GITHUB_REPOSITORY: 'acme/mesh',
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    MESHCC_GITHUB_FAST: '1',
  });

  it('posts the plan comment, writes the job summary, and never prints the token', async () => {
    copyFileSync(realOutput('plan-create.json'), join(dir, 'plan.json'));
    writeFileSync(join(dir, 'validate.json'), JSON.stringify(validation(2, 'warning')));
    const r = await runCli(
      ['github', 'comment', '--plan', join(dir, 'plan.json'), '--validation', join(dir, 'validate.json'), '--pr', '7'],
      env(),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^plan comment for multi-dc created: https:\/\/github\.test\/acme\/mesh\/pull\/7#issuecomment-\d+\n$/,
    );
    expect(fake.comments[0]!.body).toContain('#### Findings (2)');
    expect(fake.comments[0]!.body).toContain('```mermaid');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('Plan: 4 to create, 0 to update, 0 to delete');
    expect(r.stdout + r.stderr).not.toContain(fake.token);
  });

  it('keeps the plan in the job summary and explains the failure when GitHub refuses the comment', async () => {
    copyFileSync(realOutput('plan-create.json'), join(dir, 'plan.json'));
    const e = { ...env(), GITHUB_STEP_SUMMARY: join(dir, 'summary-403.md') };
    fake.faults.push({
      method: 'POST',
      path: /comments$/,
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const r = await runCli(['github', 'comment', '--plan', join(dir, 'plan.json'), '--pr', '7'], e);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "meshcc github: posting the plan comment on #7: the token lacks permission (403 Resource not accessible by integration); the workflow needs 'pull-requests: write'",
    );
    expect(r.stderr).toContain('the plan is in the job summary and the plan artifact');
    expect(readFileSync(join(dir, 'summary-403.md'), 'utf8')).toContain(planMarker('multi-dc'));
  });

  it('says clearly that GITHUB_TOKEN is missing', async () => {
    copyFileSync(realOutput('plan-create.json'), join(dir, 'plan.json'));
    const r = await runCli(['github', 'comment', '--plan', join(dir, 'plan.json'), '--pr', '7'], {
      ...env(),
      GITHUB_TOKEN: undefined,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('meshcc github: GITHUB_TOKEN is not set; plan comment not published\n');
    expect(fake.requests).toHaveLength(0);
  });

  it('creates a check run from validation JSON with annotations in batches of 50', async () => {
    writeFileSync(join(dir, 'validate.json'), JSON.stringify(validation(120)));
    const r = await runCli(['github', 'check', '--validation', join(dir, 'validate.json'), '--sha', 'abc1234'], env());
    expect(r.stdout).toBe("check run 'meshcc / multi-dc' failure: 120 annotations in 3 requests\n");
    expect(r.code).toBe(0);
  });

  it('comments a failed apply on the merged pull request of the commit', async () => {
    fake.pulls.set(9, { state: 'closed', merged: true, merge_commit_sha: 'feed1234' });
    writeFileSync(
      join(dir, 'apply.log'),
      `error: writing service-resolver/payments: 500 rpc error\nCONSUL_HTTP_TOKEN=${'a'.repeat(36)}`,
    );
    const r = await runCli(
      [
        'github',
        'apply-result',
        '--env',
        'multi-dc',
        '--outcome',
        'failure',
        '--sha',
        'feed1234',
        '--log',
        join(dir, 'apply.log'),
      ],
      env(),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^apply result for multi-dc created on #9: /);
    const body = fake.comments.find((c) => c.issue === 9)!.body;
    expect(body).toContain('❌ **Apply failed** for `multi-dc`');
    expect(body).toContain('500 rpc error');
    expect(body).not.toContain('a'.repeat(36));
  });

  it('reads the JSON that meshcc validate --format json writes (no environment field) when --env is given', async () => {
    const doc = {
      version: 1,
      summary: { error: 1, warning: 0, info: 0, suppressed: 0 },
      diagnostics: validation(1).diagnostics,
    };
    writeFileSync(join(dir, 'validate-v1.json'), JSON.stringify(doc));
    const r = await runCli(
      ['github', 'check', '--env', 'multi-dc', '--validation', join(dir, 'validate-v1.json'), '--sha', 'abc1234'],
      env(),
    );
    expect(r.stdout).toBe("check run 'meshcc / multi-dc' failure: 1 annotations in 1 requests\n");
    expect(fake.checkRuns[0]!.name).toBe('meshcc / multi-dc');
  });

  it('reports an empty or broken input file in one line, without calling GitHub', async () => {
    writeFileSync(join(dir, 'empty.json'), '');
    const r = await runCli(['github', 'comment', '--plan', join(dir, 'empty.json'), '--pr', '7'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^meshcc github: plan .*empty\.json is not JSON \(.*\); did the command that writes it fail\?\n$/,
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('syncs the drift issue from drift JSON', async () => {
    copyFileSync(realOutput('drift-drifted.json'), join(dir, 'drift.json'));
    const r = await runCli(['github', 'drift-issue', '--drift', join(dir, 'drift.json')], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^drift issue for multi-dc opened: #\d+ https:\/\/github\.test\/acme\/mesh\/issues\/\d+\n$/,
    );
  });
});

describe('against a fake GitHub REST server: races and locked conversations', () => {
  it('creates a fresh comment when the sticky one was deleted between listing and updating', async () => {
    fake.comments.push({ id: 5, issue: 7, body: `${planMarker('multi-dc')}\nold`, html_url: 'u5' });
    fake.faults.push({ method: 'PATCH', path: /\/issues\/comments\/5$/, status: 404, message: 'Not Found' });
    const r = await upsertStickyComment(gh, target(), renderPlanComment(plan()));
    expect(r.action).toBe('created');
    expect(fake.writes().map((q) => q.method)).toEqual(['PATCH', 'POST']);
  });

  it('says the conversation is locked when GitHub refuses a comment for that reason', async () => {
    fake.faults.push({
      method: 'POST',
      path: /comments$/,
      status: 403,
      message: 'Unable to create comment because issue is locked.',
    });
    const err = await upsertStickyComment(gh, target(), renderPlanComment(plan())).catch((e: unknown) => e);
    expect(describeGitHubError(err, 'posting')).toBe(
      'posting: the conversation is locked (403 Unable to create comment because issue is locked.); the plan is in the job summary',
    );
  });
});
