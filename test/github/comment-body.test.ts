import { describe, expect, it } from 'vitest';
import {
  elideMiddle,
  fence,
  GITHUB_COMMENT_LIMIT,
  planMarker,
  renderPlanComment,
} from '../../src/github/comment-body.ts';
import { utf8Bytes } from '../../src/github/job-summary.ts';
import { scrubSecrets } from '../../src/github/scrub.ts';
import { parseDriftDocument, parsePlanDocument, parseValidationDocument } from '../../src/github/types.ts';
import { diffLines, noChanges, plan, validation } from './fixtures.ts';

describe('plan comment body', () => {
  it('starts with the environment marker and puts the per-datacenter summary before the diffs', () => {
    const body = renderPlanComment(plan());
    expect(body.startsWith(`${planMarker('multi-dc')}\n`)).toBe(true);
    const summary = body.indexOf('| `dc1` | Plan: 2 to create, 1 to update, 0 to delete |');
    expect(summary).toBeGreaterThan(0);
    expect(body).toContain('| `dc2` | Plan: 0 to create, 0 to update, 1 to delete |');
    expect(body).toContain('**Plan: 2 to create, 1 to update, 1 to delete** across 2 datacenters');
    expect(body.indexOf('<details><summary><code>dc1</code>')).toBeGreaterThan(summary);
    expect(body).toContain('```diff\n+ service-defaults/web');
    expect(body).toContain('```mermaid\nflowchart LR');
  });

  it('renders a plan without changes cleanly: no empty diff blocks, a clear headline', () => {
    const body = renderPlanComment(noChanges());
    expect(body).toContain('**No changes.** Consul already matches this environment. · no findings');
    expect(body).toContain('| `dc1` | No changes. |');
    expect(body).not.toContain('```diff');
    expect(body).not.toContain('<details>');
  });

  it('lists validation findings with code, file position and hint', () => {
    const body = renderPlanComment(plan(), validation(2, 'warning'));
    expect(body).toContain('#### Findings (2)');
    expect(body).toContain("⚠️ warning **MC3000** `environments/multi-dc/mesh.ts:10:5`: upstream 'payments'");
    expect(body).toContain('_set meshGateway mode to local_');
  });

  it('fits a 2-datacenter plan with 200,000 diff lines under 65,536 characters and keeps the summary', () => {
    const big = plan({
      datacenters: [
        { datacenter: 'dc1', create: 200_000, update: 0, delete: 0, diff: diffLines(200_000) },
        { datacenter: 'dc2', create: 3, update: 0, delete: 0, diff: diffLines(3) },
      ],
    });
    const body = renderPlanComment(big, validation(500));
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT - 5_000);
    expect(body).toContain('| `dc1` | Plan: 200000 to create, 0 to update, 0 to delete |');
    expect(body).toMatch(/… \d+ lines elided \(full diff in the job summary or the plan artifact\) …/);
    // The short diff is kept whole; the long one keeps its first and last lines.
    expect(body).toContain(diffLines(3));
    expect(body).toContain('+ service-resolver/svc-0:');
    expect(body).toContain('+ service-resolver/svc-199999:');
    expect(body).toContain('- … and 480 more');
  });

  it('fits a byte budget when measured in UTF-8 bytes (the job summary limit)', () => {
    const big = plan({
      datacenters: [{ datacenter: 'dc1', create: 1, update: 0, delete: 0, diff: diffLines(50_000, '~ é') }],
    });
    const body = renderPlanComment(big, undefined, { limit: 100_000, measure: utf8Bytes });
    expect(utf8Bytes(body)).toBeLessThanOrEqual(100_000);
    expect(body).toContain('Plan: 1 to create');
  });

  it('is deterministic: the same plan renders to the same bytes', () => {
    expect(renderPlanComment(plan(), validation(3))).toBe(renderPlanComment(plan(), validation(3)));
  });

  it('scrubs token-like strings and known secret values from the body', () => {
    const leaky = plan({
      datacenters: [
        {
          datacenter: 'dc1',
          create: 1,
          update: 0,
          delete: 0,
          diff: '+ acl token = "b1946ac9-2c2b-4f0c-9d6e-0123456789ab"\n+ header Authorization: Bearer abcdef0123456789xyz\n+ ghp_0123456789abcdefghijABCDEFGHIJ012345\n+ literal s3cr3t-value-here',
        },
      ],
    });
    const body = renderPlanComment(leaky, undefined, { secrets: ['s3cr3t-value-here'] });
    expect(body).not.toContain('b1946ac9');
    expect(body).not.toContain('abcdef0123456789xyz');
    expect(body).not.toContain('ghp_0123');
    expect(body).not.toContain('s3cr3t-value-here');
    expect(body).toContain('token = "***"');
  });

  it('uses a code fence longer than any backtick run in the diff', () => {
    expect(fence('a ``` b', 'diff')).toBe('````diff\na ``` b\n````');
  });

  it('elides the middle of long text and leaves short text alone', () => {
    expect(elideMiddle('a\nb', 10)).toBe('a\nb');
    const out = elideMiddle(diffLines(1000), 2_000);
    expect(out.length).toBeLessThanOrEqual(2_000);
    expect(out.split('\n')[0]).toContain('svc-0:');
    expect(out.split('\n').at(-1)).toContain('svc-999:');
  });
});

describe('input documents', () => {
  it('reads the datacenter, its replicas and the picture from plan JSON, and lists the replicas in the table', () => {
    const p = parsePlanDocument({
      environment: 'e',
      datacenter: 'dc1',
      replicas: ['dc2', 'dc3'],
      mermaid: 'flowchart LR',
      summary: { create: 1, update: 1, delete: 0 },
      actions: [
        { type: 'create', key: 'service-resolver/x', changes: [{ path: 'ConnectTimeout', after: '5s' }] },
        { type: 'update', key: 'service-defaults/y', changes: [{ path: 'Protocol', before: 'tcp', after: 'http' }] },
      ],
      diagnostics: [],
    });
    expect(p.datacenters).toEqual([
      {
        datacenter: 'dc1',
        create: 1,
        update: 1,
        delete: 0,
        diff: '+ service-resolver/x\n+     ConnectTimeout = "5s"\n~ service-defaults/y\n~     Protocol: "tcp" -> "http"',
      },
    ]);
    const body = renderPlanComment(p);
    expect(body).toContain('**Plan: 1 to create, 1 to update, 0 to delete** in `dc1`');
    expect(body).toContain('| `dc2` | same entries, replicated from `dc1` |');
    expect(body).toContain('| `dc3` | same entries, replicated from `dc1` |');
  });

  it('rejects plan and drift documents with unknown action types or drift kinds, naming the allowed ones', () => {
    expect(() =>
      parsePlanDocument({
        environment: 'e',
        summary: { create: 0, update: 0, delete: 0 },
        actions: [{ type: 'replace', key: 'k/v' }],
      }),
    ).toThrow(/actions\[0\]\.type 'replace' is not create, update, adopt or delete/);
    expect(() => parseDriftDocument({ environment: 'e', items: [{ kind: 'weird', key: 'a/b', dc: 'dc1' }] })).toThrow(
      /kind 'weird' is not one of changed, deleted, unmanaged/,
    );
  });

  it('accepts a bare diagnostics array for validation when the environment is given', () => {
    expect(parseValidationDocument([], 'e')).toEqual({ environment: 'e', diagnostics: [] });
    expect(() => parseValidationDocument([])).toThrow(/needs --env/);
  });

  it('scrubs GitHub fine-grained tokens', () => {
    expect(scrubSecrets('x github_pat_11ABCDEFG0123456789_abcdefghijklmnop y')).toBe('x *** y');
  });
});
