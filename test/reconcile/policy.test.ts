import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../../src/model/entries.ts';
import type { LiveEntry } from '../../src/reconcile/consul-client.ts';
import { computePlan } from '../../src/reconcile/plan.ts';
import { holdByPolicy, parsePolicy, policyFor } from '../../src/reconcile/policy.ts';

const meta = (env: string) => ({ 'managed-by': 'meshcc', 'meshcc-environment': env });

describe('reconcile policy', () => {
  it('parses per-kind policies, comma lists and the * default', () => {
    const p = parsePolicy(['service-intentions=warn', '*=warn,service-defaults=heal']);
    expect(policyFor(p, 'service-intentions')).toBe('warn');
    expect(policyFor(p, 'service-defaults')).toBe('heal');
    expect(policyFor(p, 'service-resolver')).toBe('warn');
    expect(policyFor(parsePolicy([]), 'service-resolver')).toBe('heal');
    expect(() => parsePolicy(['service-intentions=ignore'])).toThrow(/KIND=heal\|warn/);
    expect(() => parsePolicy(['nope=warn'])).toThrow(/unknown kind 'nope'/);
  });

  it('holds back the changes of warn kinds and keeps the others', () => {
    const env = 'e';
    const desired: ConfigEntry[] = [
      { Kind: 'service-defaults', Name: 'a', Protocol: 'http', Meta: meta(env) },
      { Kind: 'service-intentions', Name: 'a', Sources: [{ Name: 'b', Action: 'allow' }], Meta: meta(env) },
    ];
    const live = [
      { Kind: 'service-defaults', Name: 'a', Protocol: 'grpc', Meta: meta(env), ModifyIndex: 5 },
      {
        Kind: 'service-intentions',
        Name: 'a',
        Sources: [{ Name: 'b', Action: 'deny' }],
        Meta: meta(env),
        ModifyIndex: 6,
      },
      { Kind: 'service-resolver', Name: 'old', Meta: meta(env), ModifyIndex: 7 },
    ] as unknown as LiveEntry[];
    const plan = computePlan(env, desired, live);
    const h = holdByPolicy(plan, parsePolicy(['service-intentions=warn', 'service-resolver=warn']));
    expect(h.held.map((x) => x.key).sort()).toEqual(['service-intentions/a', 'service-resolver/old']);
    expect(h.plan.actions.filter((a) => a.type !== 'noop').map((a) => `${a.type} ${a.key}`)).toEqual([
      'update service-defaults/a',
    ]);
    expect(h.held.find((x) => x.key === 'service-resolver/old')?.drift).toContain('no longer desired');
  });

  it('turns a warn kind conflict with an unmanaged entry into a held item instead of blocking', () => {
    const env = 'e';
    const plan = computePlan(
      env,
      [{ Kind: 'service-intentions', Name: 'a', Sources: [{ Name: 'b', Action: 'allow' }], Meta: meta(env) }],
      [
        {
          Kind: 'service-intentions',
          Name: 'a',
          Sources: [{ Name: 'b', Action: 'deny' }],
          ModifyIndex: 3,
        } as ConfigEntry,
      ],
    );
    expect(plan.diagnostics.some((d) => d.code === 'MC5004')).toBe(true);
    const h = holdByPolicy(plan, parsePolicy(['service-intentions=warn']));
    expect(h.plan.diagnostics.some((d) => d.code === 'MC5004')).toBe(false);
    expect(h.held.map((x) => x.key)).toEqual(['service-intentions/a']);
  });
});
