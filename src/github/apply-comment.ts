/**
 * The apply result on the merged pull request: after a push to main, the PR that brought the commit gets a sticky
 * comment per environment saying whether the apply succeeded, so a failed apply is visible where the change was
 * reviewed (the workflow run itself fails too).
 */
import type { GitHubClient, RepoRef } from './client.ts';
import { elideMiddle, fence } from './comment-body.ts';
import { scrubSecrets } from './scrub.ts';

/** The hidden marker of an environment's apply comment. */
export function applyMarker(environment: string): string {
  return `<!-- meshcc:apply env=${environment} -->`;
}

export interface ApplyOutcome {
  readonly environment: string;
  readonly outcome: 'success' | 'failure';
  readonly sha: string;
  /** The apply's output (stderr/stdout), shown elided. */
  readonly log?: string;
  readonly runUrl?: string;
}

/** The comment body for an apply outcome. */
export function renderApplyComment(a: ApplyOutcome, secrets: readonly (string | undefined)[] = []): string {
  const head =
    a.outcome === 'success'
      ? `✅ **Applied** \`${a.environment}\` at \`${a.sha.slice(0, 12)}\`.`
      : `❌ **Apply failed** for \`${a.environment}\` at \`${a.sha.slice(0, 12)}\`. Consul may be partly updated: re-run the apply workflow after fixing the cause; the next drift check reports what differs.`;
  const out = [applyMarker(a.environment), head, ''];
  if (a.log?.trim()) {
    out.push(
      '<details><summary>Apply output</summary>',
      '',
      fence(elideMiddle(a.log, 50_000, 'the workflow run log')),
      '',
      '</details>',
      '',
    );
  }
  if (a.runUrl) out.push(`<sub>[workflow run](${a.runUrl})</sub>`, '');
  return scrubSecrets(out.join('\n'), secrets);
}

/** The pull requests merged with `sha` (usually one). */
export async function pullRequestsForCommit(gh: GitHubClient, r: RepoRef, sha: string): Promise<number[]> {
  const res = await gh.rest.repos.listPullRequestsAssociatedWithCommit({
    owner: r.owner,
    repo: r.repo,
    commit_sha: sha,
  });
  return res.data.filter((p) => p.merged_at).map((p) => p.number);
}
