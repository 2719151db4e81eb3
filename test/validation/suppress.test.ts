/** Suppressions mark warnings as suppressed (shown, not counted); errors cannot be suppressed. */
import { describe, expect, test } from 'vitest';
import { applySuppressions, reachesThreshold } from '../../src/diagnostics/suppress.ts';
import { inst, model, up, validate, withCode } from './model.ts';

describe('suppressions', () => {
  test('a suppression on the upstream marks its warning suppressed with the reason and keeps it in the output', () => {
    const u = {
      ...up('web', 9191),
      suppressions: [{ code: 'MC3021', reason: 'health check loops through the sidecar' }],
    };
    const m = model({ instances: [inst('web', 'dc1', [u])] });
    const ds = applySuppressions(m, validate(m));
    const d = withCode(ds, 'MC3021')[0];
    expect(d?.suppressed).toEqual({ reason: 'health check loops through the sidecar' });
    expect(reachesThreshold(ds, 'warning')).toBe(false);
  });

  test('a suppression on a parent construct covers diagnostics on constructs below it', () => {
    const m = model({
      instances: [inst('web', 'dc1', [up('web', 9191)], { suppressions: [{ code: 'MC3021', reason: 'ok' }] })],
    });
    const ds = applySuppressions(m, validate(m));
    expect(withCode(ds, 'MC3021')[0]?.suppressed?.reason).toBe('ok');
  });

  test('an unsuppressed warning reaches the warning threshold but not the error threshold', () => {
    const m = model({ instances: [inst('web', 'dc1', [up('web', 9191)])] });
    const ds = applySuppressions(m, validate(m));
    expect(reachesThreshold(ds, 'warning')).toBe(true);
    expect(reachesThreshold(ds, 'error')).toBe(false);
  });

  test('MC3050: suppressing an error code is rejected and the error stays unsuppressed', () => {
    const u = { ...up('api', 9191, { datacenter: 'dc9' }), suppressions: [{ code: 'MC3023', reason: 'later' }] };
    const m = model({ instances: [inst('web', 'dc1', [u]), inst('api', 'dc1')] });
    const ds = applySuppressions(m, validate(m));
    expect(withCode(ds, 'MC3023')[0]?.suppressed).toBeUndefined();
    const rejected = withCode(ds, 'MC3050');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.path).toBe(u.path);
    expect(rejected[0]?.span?.line).toBe(u.span?.line);
    expect(rejected[0]?.message).toMatch(
      /suppresses MC3023, which is an error; only warnings and info can be suppressed/,
    );
    expect(reachesThreshold(ds, 'error')).toBe(true);
  });

  test('MC3050 is not reported for a warning code, and MC3051 not for a known one', () => {
    const m = model({ suppressions: [{ code: 'MC3021', reason: 'fine' }] });
    const ds = applySuppressions(m, []);
    expect(withCode(ds, 'MC3050')).toEqual([]);
    expect(withCode(ds, 'MC3051')).toEqual([]);
  });

  test('MC3051: suppressing a code that does not exist is a warning at the construct', () => {
    const m = model({ suppressions: [{ code: 'MC3999', reason: 'typo' }] });
    const ds = applySuppressions(m, []);
    expect(ds).toHaveLength(1);
    expect(ds[0]?.code).toBe('MC3051');
    expect(ds[0]?.path).toBe('fixture');
    expect(ds[0]?.span?.line).toBe(1);
    expect(ds[0]?.message).toBe('fixture suppresses MC3999, which is not a meshcc diagnostic code');
  });
});
