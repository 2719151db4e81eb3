/** The client's retry policy against a tiny scripted HTTP server on 127.0.0.1 (closed after each test). */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsulClient, ConsulHttpError } from '../../src/reconcile/consul-client.ts';

let server: Server | undefined;

async function scripted(
  answers: { status: number; body: string }[],
): Promise<{ addr: string; seen: () => number; tokens: string[] }> {
  let n = 0;
  const tokens: string[] = [];
  server = createServer((req, res) => {
    tokens.push(String(req.headers['x-consul-token'] ?? ''));
    const a = answers[Math.min(n, answers.length - 1)] ?? { status: 200, body: 'true' };
    n++;
    res.writeHead(a.status, { 'Content-Type': 'application/json' });
    res.end(a.body);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { addr: `http://127.0.0.1:${port}`, seen: () => n, tokens };
}

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('consul client retries', () => {
  it('retries 429 and 500 answers and returns the eventual success', async () => {
    const s = await scripted([
      { status: 429, body: 'rate limit exceeded' },
      { status: 500, body: 'No cluster leader' },
      { status: 200, body: 'true' },
    ]);
    const c = new ConsulClient({ addr: s.addr, token: 'tok-123', baseBackoffMs: 1, maxBackoffMs: 5 });
    expect(await c.write({ Kind: 'service-defaults', Name: 'a' })).toBe(true);
    expect(s.seen()).toBe(3);
    expect(s.tokens).toEqual(['tok-123', 'tok-123', 'tok-123']);
  });

  it('does not retry a 403 and redacts the token from the error', async () => {
    const s = await scripted([{ status: 403, body: 'Permission denied: token tok-123 lacks permission' }]);
    const c = new ConsulClient({ addr: s.addr, token: 'tok-123', baseBackoffMs: 1 });
    const err = await c.write({ Kind: 'service-defaults', Name: 'a' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsulHttpError);
    expect((err as Error).message).toContain('<redacted>');
    expect((err as Error).message).not.toContain('tok-123');
    expect(s.seen()).toBe(1);
  });

  it('gives up when the retry budget is spent and reports the last answer', async () => {
    const s = await scripted([{ status: 503, body: 'busy' }]);
    const c = new ConsulClient({ addr: s.addr, retryBudgetMs: 1_000, baseBackoffMs: 5, maxBackoffMs: 50 });
    await expect(c.listKind('service-defaults')).rejects.toThrow(/HTTP 503: busy/);
    expect(s.seen()).toBeGreaterThan(1);
  });
});
