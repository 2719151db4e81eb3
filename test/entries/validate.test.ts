import { describe, expect, it } from 'vitest';
import { validateEntry } from '../../src/model/validate-entry.ts';
import { VALIDATION_CASES } from './validation-cases.ts';

describe("Consul's config-entry validation, rule by rule", () => {
  it.each(VALIDATION_CASES.map((c) => [c.rule, c] as const))(
    'rejects a violation of "%s" with Consul message',
    (_r, c) => {
      expect(validateEntry(c.bad)).toEqual([c.message]);
    },
  );

  it.each(VALIDATION_CASES.map((c) => [c.rule, c] as const))('accepts an entry that respects "%s"', (_r, c) => {
    expect(validateEntry(c.good)).toEqual([]);
  });

  it('reports every failing failover key, in key order', () => {
    const msgs = validateEntry({
      Kind: 'service-resolver',
      Name: 'api',
      Subsets: { v1: {} },
      Failover: { v1: {}, '*': { Datacenters: [''] } },
    });
    expect(msgs).toEqual([
      'Bad Failover["*"].Datacenters: found empty datacenter',
      'Bad Failover["v1"]: one of Service, ServiceSubset, Namespace, Targets, SamenessGroup, or Datacenters is required',
    ]);
  });
});
