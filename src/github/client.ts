/**
 * The GitHub REST client: octokit with @octokit/plugin-retry (5xx and network errors, with backoff) and
 * @octokit/plugin-throttling (primary and secondary rate limits, honouring `retry-after` / `x-ratelimit-reset`),
 * both of which the `octokit` package plugs in; this file configures them and turns failures into one clear message.
 *
 * The token is read by the caller from the environment and handed to octokit only; it is never logged, and error
 * messages are scrubbed before they are shown.
 */
import { Octokit, RequestError } from 'octokit';
import { scrubSecrets } from './scrub.ts';

/** The octokit instance meshcc uses. */
export type GitHubClient = InstanceType<typeof Octokit>;

/** owner/name of a repository. */
export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

export interface ClientOptions {
  readonly token: string;
  /** REST API root (GitHub Enterprise, or a fake server in tests). Default `https://api.github.com`. */
  readonly baseUrl?: string;
  /** How many times a rate-limited request is retried (default 2). */
  readonly rateLimitRetries?: number;
  /**
   * Milliseconds per second of `retry-after` (default 1000). Tests use a small value so a fake server's rate limits
   * do not slow them down; the retry decisions are the same.
   */
  readonly timeUnitMs?: number;
  /** Keep GitHub's recommended pacing of writes (1 s between writes, 3 s between notifying writes). Default true. */
  readonly pacing?: boolean;
  /** Receives warnings (rate limits, retries); never receives the token. Default: discard. */
  readonly warn?: (message: string) => void;
}

/** A limiter group that does not wait: used for writes when pacing is off. */
const unpaced = {
  key: () => ({
    schedule: <A extends unknown[], R>(_opts: unknown, fn: (...args: A) => R, ...args: A): R => fn(...args),
  }),
};

/** Creates the client. */
export function createGitHubClient(opts: ClientOptions): GitHubClient {
  const unit = opts.timeUnitMs ?? 1000;
  const retries = opts.rateLimitRetries ?? 2;
  const warn = opts.warn ?? (() => {});
  const limitHandler =
    (kind: string) =>
    (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
      const again = retryCount < retries;
      warn(
        `GitHub ${kind} rate limit on ${options.method} ${options.url}; ${again ? `retrying in ${retryAfter}s` : 'giving up'}`,
      );
      return again;
    };
  return new Octokit({
    auth: opts.token,
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl.replace(/\/+$/, '') } : {}),
    userAgent: 'meshcc',
    log: { debug: () => {}, info: () => {}, warn: (m: string) => warn(scrubSecrets(m)), error: () => {} },
    retry: { retryAfterBaseValue: unit, retries: 3 },
    throttle: {
      retryAfterBaseValue: unit,
      fallbackSecondaryRateRetryAfter: 60,
      onRateLimit: limitHandler('primary'),
      onSecondaryRateLimit: limitHandler('secondary'),
      ...(opts.pacing === false ? { write: unpaced, notifications: unpaced, search: unpaced } : {}),
    },
  });
}

/** What went wrong talking to GitHub, in one sentence with what to do about it. */
export function describeGitHubError(e: unknown, action: string): string {
  if (e instanceof RequestError) {
    const detail = scrubSecrets(String((e.response?.data as { message?: string } | undefined)?.message ?? e.message));
    switch (e.status) {
      case 401:
        return `${action}: GitHub rejected the token (401 ${detail}); check GITHUB_TOKEN`;
      case 403:
        if (/rate limit/i.test(detail))
          return `${action}: GitHub rate limit still exceeded after retries (403 ${detail})`;
        if (/locked/i.test(detail))
          return `${action}: the conversation is locked (403 ${detail}); the plan is in the job summary`;
        return `${action}: the token lacks permission (403 ${detail}); the workflow needs 'pull-requests: write', 'checks: write' or 'issues: write'`;
      case 404:
        return `${action}: not found (404 ${detail}); check the repository name, the pull request number and that the token can see the repository`;
      case 422:
        return `${action}: GitHub refused the request (422 ${detail})`;
      case 429:
        return `${action}: GitHub rate limit still exceeded after retries (429 ${detail})`;
      default:
        return `${action}: GitHub answered ${e.status} (${detail})`;
    }
  }
  const msg = e instanceof Error ? e.message : String(e);
  return `${action}: ${scrubSecrets(msg)}`;
}

/** `owner/name` → `RepoRef`. */
export function parseRepo(s: string | undefined): RepoRef | undefined {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(s ?? '');
  return m ? { owner: m[1]!, repo: m[2]! } : undefined;
}

export { RequestError };
