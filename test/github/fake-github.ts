/**
 * A fake GitHub REST server on 127.0.0.1 for tests: emulates the endpoints meshcc uses (issue comments, pulls,
 * issues, check runs, commit→PRs), enforces GitHub's limits (65,536-character bodies, 50 annotations per request),
 * records every request, and injects faults (status codes, rate-limit headers) on demand.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown> | undefined;
  readonly authorization: string | undefined;
}

export interface Fault {
  readonly method: string;
  readonly path: RegExp;
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly message: string;
  /** How many times it fires (default 1). */
  times?: number;
}

interface Comment {
  id: number;
  body: string;
  html_url: string;
  issue: number;
}

interface Issue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: { name: string }[];
  html_url: string;
  pull_request?: object;
}

export class FakeGitHub {
  readonly requests: Recorded[] = [];
  readonly comments: Comment[] = [];
  readonly issues: Issue[] = [];
  readonly checkRuns: { id: number; name: string; conclusion: string; annotations: unknown[]; head_sha: string }[] = [];
  readonly pulls = new Map<number, { state: 'open' | 'closed'; merged: boolean; merge_commit_sha?: string }>();
  readonly faults: Fault[] = [];
  private nextId = 1000;
  private server: Server | undefined;
  url = '';

  constructor(
    readonly token = 'ghs_faketokenfaketokenfaketoken0123',
    readonly pageSize = 100,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: Error) => this.send(res, 500, { message: e.message }));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  /** Requests other than reads. */
  writes(): Recorded[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    const u = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: u.pathname, body, authorization: req.headers.authorization });

    if (req.headers.authorization !== `token ${this.token}`) return this.send(res, 401, { message: 'Bad credentials' });
    const fault = this.faults.find((f) => f.method === method && f.path.test(u.pathname) && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      return this.send(res, fault.status, { message: fault.message }, fault.headers);
    }

    const base = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(u.pathname);
    if (!base) return this.send(res, 404, { message: 'Not Found' });
    const rest = base[3]!;
    const html = `https://github.test/${base[1]}/${base[2]}`;
    let m: RegExpExecArray | null;

    m = /^\/pulls\/(\d+)$/.exec(rest);
    if (m && method === 'GET') {
      const p = this.pulls.get(Number(m[1]));
      if (!p) return this.send(res, 404, { message: 'Not Found' });
      return this.send(res, 200, { number: Number(m[1]), state: p.state, merged: p.merged });
    }
    m = /^\/issues\/(\d+)\/comments$/.exec(rest);
    if (m) {
      const issue = Number(m[1]);
      if (method === 'GET') {
        const all = this.comments.filter((c) => c.issue === issue);
        const per = Math.min(Number(u.searchParams.get('per_page') ?? 30), this.pageSize);
        const page = Number(u.searchParams.get('page') ?? 1);
        const slice = all.slice((page - 1) * per, page * per);
        const headers: Record<string, string> = {};
        if (page * per < all.length) {
          const next = new URL(u);
          next.searchParams.set('page', String(page + 1));
          headers.link = `<${next.toString()}>; rel="next"`;
        }
        return this.send(res, 200, slice, headers);
      }
      if (method === 'POST') {
        const text = String(body?.body ?? '');
        if (text.length > 65_536)
          return this.send(res, 422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' });
        const c = {
          id: this.nextId++,
          body: text,
          issue,
          html_url: `${html}/pull/${issue}#issuecomment-${this.nextId}`,
        };
        this.comments.push(c);
        return this.send(res, 201, c);
      }
    }
    m = /^\/issues\/comments\/(\d+)$/.exec(rest);
    if (m && method === 'PATCH') {
      const c = this.comments.find((x) => x.id === Number(m![1]));
      if (!c) return this.send(res, 404, { message: 'Not Found' });
      const text = String(body?.body ?? '');
      if (text.length > 65_536)
        return this.send(res, 422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' });
      c.body = text;
      return this.send(res, 200, c);
    }
    if (rest === '/issues' && method === 'GET') {
      const state = u.searchParams.get('state') ?? 'open';
      const labels = (u.searchParams.get('labels') ?? '').split(',').filter(Boolean);
      const list = this.issues.filter(
        (i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.some((x) => x.name === l)),
      );
      return this.send(res, 200, list);
    }
    if (rest === '/issues' && method === 'POST') {
      const n = this.nextId++;
      const labels = ((body?.labels as string[] | undefined) ?? []).map((name) => ({ name }));
      const i: Issue = {
        number: n,
        title: String(body?.title),
        body: String(body?.body ?? ''),
        state: 'open',
        labels,
        html_url: `${html}/issues/${n}`,
      };
      this.issues.push(i);
      return this.send(res, 201, i);
    }
    m = /^\/issues\/(\d+)$/.exec(rest);
    if (m && method === 'PATCH') {
      const i = this.issues.find((x) => x.number === Number(m![1]));
      if (!i) return this.send(res, 404, { message: 'Not Found' });
      if (typeof body?.body === 'string') i.body = body.body;
      if (body?.state === 'open' || body?.state === 'closed') i.state = body.state;
      return this.send(res, 200, i);
    }
    if (rest === '/check-runs' && method === 'POST') {
      const output = (body?.output ?? {}) as { annotations?: unknown[] };
      if ((output.annotations?.length ?? 0) > 50)
        return this.send(res, 422, { message: 'Only 50 annotations allowed per request' });
      const run = {
        id: this.nextId++,
        name: String(body?.name),
        conclusion: String(body?.conclusion),
        head_sha: String(body?.head_sha),
        annotations: [...(output.annotations ?? [])],
      };
      this.checkRuns.push(run);
      return this.send(res, 201, { ...run, html_url: `${html}/runs/${run.id}` });
    }
    m = /^\/check-runs\/(\d+)$/.exec(rest);
    if (m && method === 'PATCH') {
      const run = this.checkRuns.find((x) => x.id === Number(m![1]));
      if (!run) return this.send(res, 404, { message: 'Not Found' });
      const output = (body?.output ?? {}) as { annotations?: unknown[] };
      if ((output.annotations?.length ?? 0) > 50)
        return this.send(res, 422, { message: 'Only 50 annotations allowed per request' });
      run.annotations.push(...(output.annotations ?? []));
      return this.send(res, 200, { ...run, html_url: `${html}/runs/${run.id}` });
    }
    m = /^\/commits\/([0-9a-f]+)\/pulls$/.exec(rest);
    if (m && method === 'GET') {
      const sha = m[1];
      const prs = [...this.pulls.entries()]
        .filter(([, p]) => p.merge_commit_sha === sha)
        .map(([number, p]) => ({ number, state: p.state, merged_at: p.merged ? '2026-01-01T00:00:00Z' : null }));
      return this.send(res, 200, prs);
    }
    return this.send(res, 404, { message: `Not Found (fake: ${method} ${rest})` });
  }
}
