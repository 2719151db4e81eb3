import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { datacenterSni, parseSni, querySni, serviceSni, targetId } from '../../src/compiler/sni.ts';

const TD = '11111111-2222-3333-4444-555555555555.consul';

describe('SNI names', () => {
  it.each([
    {
      name: 'a service in the default partition has no partition label',
      parts: { service: 'currency', datacenter: 'dc2' },
      sni: `currency.default.dc2.internal.${TD}`,
    },
    {
      name: 'a subset comes first',
      parts: { service: 'currency', subset: 'v1', datacenter: 'dc1' },
      sni: `v1.currency.default.dc1.internal.${TD}`,
    },
    {
      name: 'an explicit default partition still uses internal',
      parts: { service: 'api', namespace: 'default', partition: 'default', datacenter: 'dc1' },
      sni: `api.default.dc1.internal.${TD}`,
    },
    {
      name: 'a non-default partition uses internal-v1 and names the partition',
      parts: { service: 'api', namespace: 'team', partition: 'p1', datacenter: 'dc1' },
      sni: `api.team.p1.dc1.internal-v1.${TD}`,
    },
    {
      name: 'a subset in a non-default partition',
      parts: { service: 'api', subset: 'blue', namespace: 'team', partition: 'p1', datacenter: 'dc1' },
      sni: `blue.api.team.p1.dc1.internal-v1.${TD}`,
    },
  ])('$name', ({ parts, sni }) => {
    expect(serviceSni(parts, TD)).toBe(sni);
  });

  it('names a whole datacenter as <dc>.internal.<trust domain>', () => {
    expect(datacenterSni('dc2', TD)).toBe(`dc2.internal.${TD}`);
    expect(parseSni(`dc2.internal.${TD}`, TD)).toEqual({ kind: 'datacenter', datacenter: 'dc2' });
  });

  it('names a prepared query as <svc>.default.<dc>.query.<trust domain>', () => {
    expect(querySni('geo', 'dc1', TD)).toBe(`geo.default.dc1.query.${TD}`);
    expect(parseSni(querySni('geo', 'dc1', TD), TD)).toEqual({ kind: 'query', service: 'geo', datacenter: 'dc1' });
  });

  it('builds target IDs like Consul: svc.ns.partition.dc with the subset in front', () => {
    const base = { service: 'currency', namespace: 'default', partition: 'default', datacenter: 'dc1' };
    expect(targetId(base)).toBe('currency.default.default.dc1');
    expect(targetId({ ...base, subset: 'v1' })).toBe('v1.currency.default.default.dc1');
    expect(targetId({ ...base, peer: 'other' })).toBe('currency.default.default.external.other');
  });

  it.each([
    ['another trust domain', `currency.default.dc2.internal.other.consul`],
    ['too few labels', `default.dc2.internal.${TD}`],
    ['too many labels', `a.b.c.d.e.internal.${TD}`],
    ['an empty label', `currency..dc2.internal.${TD}`],
    ['the versioned form for the default partition', `api.ns.default.dc1.internal-v1.${TD}`],
    ['an unknown kind', `api.default.dc1.external.${TD}`],
    ['the bare trust domain', TD],
  ])('does not parse %s', (_name, sni) => {
    expect(parseSni(sni, TD)).toBeUndefined();
  });

  const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}$/);
  const parts = fc.record({
    service: label,
    subset: fc.option(label, { nil: undefined }),
    namespace: label,
    partition: fc.oneof(fc.constant('default'), label),
    datacenter: label,
  });
  const trustDomain = fc.uuid().map((u) => `${u}.consul`);

  it('parses every service SNI it formats back to the same parts (property)', () => {
    fc.assert(
      fc.property(parts, trustDomain, (p, td) => {
        const parsed = parseSni(serviceSni(p, td), td);
        const { subset, ...rest } = p;
        expect(parsed).toEqual({ kind: 'service', ...rest, ...(subset ? { subset } : {}) });
      }),
    );
  });

  it('formats every name it parses back to the same string (property)', () => {
    fc.assert(
      fc.property(parts, trustDomain, (p, td) => {
        const sni = serviceSni(p, td);
        const parsed = parseSni(sni, td);
        expect(parsed?.kind).toBe('service');
        if (parsed?.kind === 'service') expect(serviceSni(parsed, td)).toBe(sni);
      }),
    );
  });
});
