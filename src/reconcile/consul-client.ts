/**
 * A small fetch-based Consul HTTP client for config entries, sessions and KV. The token comes from the caller
 * (env `CONSUL_HTTP_TOKEN` or a file) and is never printed: every error message is passed through `redact`.
 * Retries idempotent requests on 5xx/429/connection errors with capped exponential backoff and full jitter, within a
 * bounded total time; each attempt has its own timeout.
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { apiBody, type ConfigEntry, type ConfigEntryKind, fromApi } from '../model/entries.ts';

/**
 * Kinds meshcc reads and writes, in apply (dependency) order: the mesh entry before the defaults whose
 * `MutualTLSMode = "permissive"` it must allow; JWT providers before the intentions that name them; the defaults and
 * chain before the gateways and intentions that need their protocols; certificates before the API gateways that use
 * them, and those before their routes; exports and sameness groups last.
 */
export const KINDS: readonly ConfigEntryKind[] = [
  'mesh',
  'proxy-defaults',
  'jwt-provider',
  'service-defaults',
  'service-resolver',
  'service-splitter',
  'service-router',
  'service-intentions',
  'ingress-gateway',
  'terminating-gateway',
  'inline-certificate',
  'file-system-certificate',
  'api-gateway',
  'http-route',
  'tcp-route',
  'exported-services',
  'sameness-group',
];

/** A peering as `GET /v1/peerings` returns it (the fields meshcc reads). */
export interface LivePeering {
  readonly ID: string;
  readonly Name: string;
  /** `PENDING`, `ESTABLISHING`, `ACTIVE`, `FAILING`, `TERMINATED`, `DELETING`. */
  readonly State: string;
  readonly Remote?: { readonly Datacenter?: string };
  readonly StreamStatus?: {
    readonly ImportedServices?: readonly string[] | null;
    readonly ExportedServices?: readonly string[] | null;
  };
}

/** A config entry as Consul returns it (with server-populated fields). */
export type LiveEntry = ConfigEntry & { readonly ModifyIndex?: number; readonly CreateIndex?: number };

export interface ClientOptions {
  /** Base address, e.g. `http://127.0.0.1:8500`. */
  readonly addr: string;
  readonly token?: string;
  /** PEM CA bundle for https. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Per-attempt timeout (default 10 s). */
  readonly timeoutMs?: number;
  /** Total time budget for one request including retries (default 60 s). */
  readonly retryBudgetMs?: number;
  /** First backoff step (default 100 ms); capped at `maxBackoffMs` (default 5 s). */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Injected fetch (tests). */
  readonly fetch?: typeof fetch;
}

/** An HTTP answer Consul gave (not a transport failure). */
export class ConsulHttpError extends Error {
  override readonly name = 'ConsulHttpError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
    /** Set when the answer was retryable (5xx, 429) and the retry budget ran out: attempts made and the budget. */
    readonly exhausted?: { readonly attempts: number; readonly budgetMs: number },
  ) {
    super(
      `${method} ${path}: HTTP ${status}: ${body.trim().slice(0, 500)}${exhausted ? ` (${exhaustedText(exhausted)})` : ''}`,
    );
  }

  /** Consul refused the request because of its request rate limits (`limits.request_limits`); nothing was applied. */
  get rateLimited(): boolean {
    return isRateLimited(this.status, this.body);
  }
}

function exhaustedText(x: { readonly attempts: number; readonly budgetMs: number }): string {
  return `gave up after ${x.attempts} attempts: the retry budget of ${x.budgetMs / 1000}s (--timeout) is exhausted`;
}

/**
 * True for Consul's rate-limit refusals: HTTP 429 (`rate limit exceeded, try a different server`, reads) and the 503
 * a client agent returns for writes a server refused (`rate limit exceeded for operation that can only be performed
 * by the leader, try again later`). Refused before being applied, so safe to retry.
 */
export function isRateLimited(status: number, body: string): boolean {
  return status === 429 || (status === 503 && /rate limit exceeded/i.test(body));
}

/** The request never got an answer (refused, reset, timeout) after all retries. */
export class ConsulTransportError extends Error {
  override readonly name = 'ConsulTransportError';
}

/** Reads a token from env (`CONSUL_HTTP_TOKEN`) or a token file (file wins when given). */
export function readToken(env: Readonly<Record<string, string | undefined>>, tokenFile?: string): string | undefined {
  if (tokenFile) return readFileSync(tokenFile, 'utf8').trim() || undefined;
  const file = env.CONSUL_HTTP_TOKEN_FILE;
  if (file) return readFileSync(file, 'utf8').trim() || undefined;
  return env.CONSUL_HTTP_TOKEN || undefined;
}

/** Removes a secret from a text (used on every error message). */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join('<redacted>');
}

/** True for answers worth retrying: 5xx, 429. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Full-jitter backoff: a random delay in [0, min(cap, base * 2^attempt)). */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface RequestInit2 {
  readonly body?: unknown;
  /** Retry also non-idempotent requests on transport errors (callers that re-read to decide set this false). */
  readonly retry?: boolean;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
}

export interface ConsulResponse<T> {
  readonly status: number;
  readonly body: T;
  readonly index?: number;
  readonly knownLeader?: boolean;
}

/** The client. One instance per Consul address. */
export class ConsulClient {
  readonly addr: string;
  private readonly token?: string;
  private readonly opts: ClientOptions;
  private readonly doFetch: typeof fetch;
  private readonly agent?: Agent;
  /** Requests sent (attempts included), for tests and benchmarks. */
  requests = 0;
  /** Answers refused by Consul's rate limits (429, or 503 `rate limit exceeded`) and retried. */
  rateLimitedRetries = 0;

  constructor(opts: ClientOptions) {
    this.opts = opts;
    this.addr = opts.addr.replace(/\/+$/, '');
    this.token = opts.token;
    if (opts.ca || opts.cert) this.agent = new Agent({ ca: opts.ca, cert: opts.cert, key: opts.key, keepAlive: true });
    this.doFetch = opts.fetch ?? (this.agent ? agentFetch(this.agent) : fetch);
  }

  /** A client with the same address and credentials but a different retry budget (e.g. short, for verification). */
  withBudget(retryBudgetMs: number): ConsulClient {
    return new ConsulClient({ ...this.opts, retryBudgetMs });
  }

  /** Sends one request with timeout and retries; returns the parsed JSON body (or text when not JSON). */
  async request<T = unknown>(method: string, path: string, init: RequestInit2 = {}): Promise<ConsulResponse<T>> {
    const qs = Object.entries(init.query ?? {})
      .filter(([, v]) => v !== undefined && v !== false)
      .map(([k, v]) =>
        v === true || v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`,
      )
      .join('&');
    const url = `${this.addr}${path}${qs ? `?${qs}` : ''}`;
    const retry = init.retry ?? true;
    const budget = this.opts.retryBudgetMs ?? 60_000;
    const deadline = Date.now() + budget;
    const headers: Record<string, string> = {};
    if (this.token) headers['X-Consul-Token'] = this.token;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      let outcome: { res: Response; text: string } | { error: Error };
      try {
        this.requests++;
        const reqInit: RequestInit = {
          method,
          headers,
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
        };
        const res = await this.doFetch(url, reqInit);
        outcome = { res, text: await res.text() };
      } catch (e) {
        outcome = { error: e as Error };
      }
      const retryable = 'error' in outcome ? retry : isRetryableStatus(outcome.res.status);
      const delay = backoffDelay(attempt, this.opts.baseBackoffMs ?? 100, this.opts.maxBackoffMs ?? 5_000);
      if (retryable && Date.now() + delay < deadline) {
        if (!('error' in outcome) && isRateLimited(outcome.res.status, outcome.text)) this.rateLimitedRetries++;
        await sleep(delay);
        continue;
      }
      if ('error' in outcome) {
        const cause = (outcome.error as Error & { cause?: Error }).cause?.message ?? outcome.error.message;
        throw new ConsulTransportError(redact(`${method} ${path}: ${cause}`, this.token));
      }
      const { res, text } = outcome;
      if (!res.ok) {
        throw new ConsulHttpError(
          method,
          path,
          res.status,
          redact(text, this.token),
          retryable ? { attempts: attempt + 1, budgetMs: budget } : undefined,
        );
      }
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        // plain-text body
      }
      const idx = res.headers.get('X-Consul-Index');
      return {
        status: res.status,
        body: body as T,
        ...(idx ? { index: Number(idx) } : {}),
        knownLeader: res.headers.get('X-Consul-KnownLeader') !== 'false',
      };
    }
  }

  /** Lists every entry of one kind (`GET /v1/config/:kind?consistent`). */
  async listKind(kind: string, dc?: string): Promise<LiveEntry[]> {
    try {
      const r = await this.request<LiveEntry[] | null>('GET', `/v1/config/${kind}`, {
        query: { consistent: true, dc },
      });
      return (r.body ?? []).map(fromApi);
    } catch (e) {
      // A kind this Consul does not know (an older server) has no entries.
      if (e instanceof ConsulHttpError && /invalid config entry kind/.test(e.body)) return [];
      throw e;
    }
  }

  /** Lists every entry of every meshcc kind: one request per kind. */
  async listAll(dc?: string): Promise<LiveEntry[]> {
    const lists = await Promise.all(KINDS.map((k) => this.listKind(k, dc)));
    return lists.flat();
  }

  /** Reads one entry, or undefined when it does not exist. */
  async read(kind: string, name: string, dc?: string): Promise<LiveEntry | undefined> {
    try {
      const r = await this.request<LiveEntry>('GET', `/v1/config/${kind}/${encodeURIComponent(name)}`, {
        query: { consistent: true, dc },
      });
      return r.body === undefined || r.body === null ? r.body : fromApi(r.body);
    } catch (e) {
      if (e instanceof ConsulHttpError && e.status === 404) return undefined;
      throw e;
    }
  }

  /**
   * Writes an entry with check-and-set (`cas=0` creates only). Returns Consul's true/false. Not retried on a transport
   * error: the caller re-reads to decide whether the write landed.
   */
  async write(entry: ConfigEntry, cas?: number): Promise<boolean> {
    const r = await this.request<boolean>('PUT', '/v1/config', { body: apiBody(entry), query: { cas }, retry: false });
    return r.body === true;
  }

  /** Deletes an entry with check-and-set. Returns whether Consul deleted it. */
  async delete(kind: string, name: string, cas?: number): Promise<boolean> {
    const r = await this.request<{ Deleted?: boolean } | boolean | undefined>(
      'DELETE',
      `/v1/config/${kind}/${encodeURIComponent(name)}`,
      { query: { cas }, retry: false },
    );
    const b = r.body;
    if (b === undefined || b === true) return true;
    if (typeof b === 'object' && b !== null) return b.Deleted !== false;
    return false;
  }

  /** The cluster peerings of this datacenter (`GET /v1/peerings`), with their state. */
  async peerings(): Promise<LivePeering[]> {
    return (await this.request<LivePeering[] | null>('GET', '/v1/peerings')).body ?? [];
  }

  /**
   * Generates a peering token on the accepting side (`POST /v1/peering/token`; `peerName` is this side's name for
   * the dialer). The token is a secret: it is returned to the caller only, never logged; Consul's error text is
   * passed through as it is (it never holds the token: the request had none).
   */
  async peeringToken(peerName: string): Promise<string> {
    const r = await this.request<{ PeeringToken?: string }>('POST', '/v1/peering/token', {
      body: { PeerName: peerName },
      retry: false,
    });
    const token = r.body?.PeeringToken;
    if (!token) throw new ConsulHttpError('POST', '/v1/peering/token', r.status, 'no PeeringToken in the answer');
    return token;
  }

  /** Establishes a peering on the dialing side with the acceptor's token; the token is removed from any error. */
  async peeringEstablish(peerName: string, peeringToken: string): Promise<void> {
    try {
      await this.request('POST', '/v1/peering/establish', {
        body: { PeerName: peerName, PeeringToken: peeringToken },
        retry: false,
      });
    } catch (e) {
      if (e instanceof ConsulHttpError)
        throw new ConsulHttpError(e.method, e.path, e.status, redact(e.body, peeringToken), e.exhausted);
      if (e instanceof ConsulTransportError) throw new ConsulTransportError(redact(e.message, peeringToken));
      throw e;
    }
  }

  /** Deletes a peering by name (`DELETE /v1/peering/:name`); Consul marks it deleting and removes it shortly after. */
  async peeringDelete(name: string): Promise<void> {
    await this.request('DELETE', `/v1/peering/${encodeURIComponent(name)}`);
  }

  /** How many instances of a service the catalog holds (`GET /v1/catalog/service/:name`, any health). */
  async serviceInstanceCount(name: string): Promise<number> {
    return ((await this.request<unknown[] | null>('GET', `/v1/catalog/service/${encodeURIComponent(name)}`)).body ?? [])
      .length;
  }

  /** How many instances of a service pass all their health checks (`GET /v1/health/service/:name?passing`). */
  async passingInstanceCount(name: string): Promise<number> {
    const path = `/v1/health/service/${encodeURIComponent(name)}`;
    return ((await this.request<unknown[] | null>('GET', path, { query: { passing: true } })).body ?? []).length;
  }

  /** The trust domain this cluster's Connect CA signs for (`/v1/connect/ca/roots`). */
  async trustDomain(): Promise<string> {
    return (await this.request<{ TrustDomain?: string }>('GET', '/v1/connect/ca/roots')).body?.TrustDomain ?? '';
  }

  /** The datacenters this agent knows (WAN pool). */
  async datacenters(): Promise<string[]> {
    return (await this.request<string[]>('GET', '/v1/catalog/datacenters')).body ?? [];
  }

  /** The agent's own datacenter and the primary datacenter. */
  async self(): Promise<{ datacenter: string; primary: string }> {
    const r = await this.request<{ Config?: { Datacenter?: string; PrimaryDatacenter?: string } }>(
      'GET',
      '/v1/agent/self',
    );
    const dc = r.body.Config?.Datacenter ?? '';
    return { datacenter: dc, primary: r.body.Config?.PrimaryDatacenter || dc };
  }
}

/** A minimal fetch over `node:https` with a custom agent (CA bundle, client certificate). */
function agentFetch(agent: Agent): typeof fetch {
  return ((input: string | URL, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(
        String(input),
        {
          method: init?.method ?? 'GET',
          headers: init?.headers as Record<string, string>,
          agent,
          signal: init?.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers }));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (typeof init?.body === 'string') req.write(init.body);
      req.end();
    })) as typeof fetch;
}
