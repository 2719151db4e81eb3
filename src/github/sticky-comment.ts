/**
 * The sticky plan comment: one comment per environment on a pull request, found by its hidden marker and updated in
 * place, so a PR shows the latest plan of each environment exactly once.
 */
import { type GitHubClient, type RepoRef, RequestError } from './client.ts';

export interface StickyCommentTarget extends RepoRef {
  readonly issueNumber: number;
  /** The hidden marker (`<!-- meshcc:plan env=prod -->`); the body must contain it. */
  readonly marker: string;
}

export type StickyResult =
  | { readonly action: 'created' | 'updated' | 'unchanged'; readonly id: number; readonly url: string }
  | { readonly action: 'skipped'; readonly reason: string };

/** Finds the newest comment containing the marker (paginating), or undefined. */
export async function findMarkedComment(
  gh: GitHubClient,
  t: StickyCommentTarget,
): Promise<{ id: number; body: string; url: string } | undefined> {
  let found: { id: number; body: string; url: string } | undefined;
  for await (const page of gh.paginate.iterator(gh.rest.issues.listComments, {
    owner: t.owner,
    repo: t.repo,
    issue_number: t.issueNumber,
    per_page: 100,
  })) {
    for (const c of page.data) {
      // The marker must start the body: quoting an old plan in a reply does not hijack the sticky comment.
      if (c.body?.startsWith(t.marker)) found = { id: c.id, body: c.body, url: c.html_url };
    }
  }
  return found;
}

export interface UpsertOptions {
  /** Only comment while the PR is open (plans); a merged PR may still be commented on (failed applies). */
  readonly requireOpen?: boolean;
}

/**
 * Creates the marked comment or updates it in place. Skips (with a reason, not an error) when `requireOpen` and the
 * pull request was closed meanwhile; an identical body is left alone.
 */
export async function upsertStickyComment(
  gh: GitHubClient,
  t: StickyCommentTarget,
  body: string,
  opts: UpsertOptions = {},
): Promise<StickyResult> {
  if (!body.startsWith(t.marker)) throw new Error('sticky comment body must start with its marker');
  if (opts.requireOpen) {
    const pr = await gh.rest.pulls.get({ owner: t.owner, repo: t.repo, pull_number: t.issueNumber });
    if (pr.data.state !== 'open') {
      return { action: 'skipped', reason: `pull request #${t.issueNumber} is ${pr.data.merged ? 'merged' : 'closed'}` };
    }
  }
  const existing = await findMarkedComment(gh, t);
  if (existing) {
    if (existing.body === body) return { action: 'unchanged', id: existing.id, url: existing.url };
    try {
      const r = await gh.rest.issues.updateComment({ owner: t.owner, repo: t.repo, comment_id: existing.id, body });
      return { action: 'updated', id: r.data.id, url: r.data.html_url };
    } catch (e) {
      // Deleted between listing and updating: post a fresh one rather than lose the plan.
      if (!(e instanceof RequestError && e.status === 404)) throw e;
    }
  }
  const r = await gh.rest.issues.createComment({ owner: t.owner, repo: t.repo, issue_number: t.issueNumber, body });
  return { action: 'created', id: r.data.id, url: r.data.html_url };
}
