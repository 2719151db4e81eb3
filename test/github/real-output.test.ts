/**
 * Real `meshcc plan --json` / `meshcc drift --json` output (captured from Consul v1.22.7 by
 * test/github/real/regenerate.sh) through the parsers, the comment, the check run and the drift issue.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConclusion, checkSummary } from '../../src/github/check-run.ts';
import { renderPlanComment } from '../../src/github/comment-body.ts';
import { driftedItems, renderDriftIssue } from '../../src/github/drift-issue.ts';
import { InputShapeError, parseDriftDocument, parsePlanDocument } from '../../src/github/types.ts';

const real = (f: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'real', f), 'utf8'));

describe('real meshcc plan/drift JSON', () => {
  it('plan with creates: comment, check run', () => {
    const p = parsePlanDocument(real('plan-create.json'));
    expect(p.environment).toBe('multi-dc');
    const dc = p.datacenters[0]!;
    expect(dc.create).toBeGreaterThan(0);
    expect(dc.diff).toContain('+ proxy-defaults/global');
    const body = renderPlanComment(p);
    expect(body).toContain(`Plan: ${dc.create} to create, 0 to update, 0 to delete`);
    expect(body).toContain('+ service-resolver/currency');
    expect(checkConclusion(undefined, p)).toBe('success');
    expect(checkSummary(undefined, p)).toContain('to create');
  });

  it('plan after drift: one create, unmanaged entries as info findings, only the edges it changes marked', () => {
    const p = parsePlanDocument(real('plan-drifted.json'));
    expect(p.datacenters[0]).toMatchObject({ datacenter: 'dc1', create: 1, update: 0, delete: 0 });
    const edges = (p.mermaid ?? '').split('\n').filter((l) => l.includes('-->'));
    expect(edges.filter((l) => l.includes('(changed)')).map((l) => l.split('|')[1])).toEqual([
      '"currency · local (changed)"',
      '"failover currency · local (changed)"',
    ]);
    expect(edges.some((l) => l.includes('"payments · local"'))).toBe(true);
    expect(renderPlanComment(p)).toContain('```mermaid');
    expect(p.diagnostics.map((d) => d.code)).toEqual(['MC5003', 'MC5003']);
    expect(renderPlanComment(p)).toContain('+ service-resolver/currency');
    expect(checkConclusion(undefined, p)).toBe('success');
  });

  it('drift: classes mapped, unmanaged (other) left out, issue body', () => {
    expect(parseDriftDocument(real('drift-clean.json')).items).toEqual([]);
    const d = parseDriftDocument(real('drift-drifted.json'));
    expect(d.items).toEqual([
      { datacenter: 'dc1', class: 'deleted', kind: 'service-resolver', name: 'currency' },
      { datacenter: 'dc1', class: 'unmanaged-new', kind: 'service-defaults', name: 'currency' },
    ]);
    expect(driftedItems(d)).toHaveLength(2);
    const body = renderDriftIssue(d);
    expect(body).toContain('`service-resolver/currency`');
    expect(body).not.toContain('adhoc');
  });

  it('rejects the guessed shapes that meshcc never prints', () => {
    expect(() =>
      parsePlanDocument({ environment: 'e', datacenters: [{ datacenter: 'dc1', create: 1, update: 0, delete: 0 }] }),
    ).toThrow(InputShapeError);
    expect(() => parseDriftDocument({ environment: 'e', items: [{ datacenter: 'dc1', class: 'deleted' }] })).toThrow(
      InputShapeError,
    );
  });
});
