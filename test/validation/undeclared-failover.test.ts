/**
 * A failover to a datacenter the mesh does not declare is one error at the resolver (MC2006, the entry graph check),
 * not also a warning at every upstream whose chain carries it (MC3014 is for declared datacenters without the service).
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import { dc, entry, inst, localMode, model, up } from './model.ts';

describe('failover to an undeclared datacenter', () => {
  it('is reported once, as MC2006 at the resolver, and not as MC3014 at the upstreams', () => {
    const m = model({
      datacenters: [dc('dc1'), dc('dc2')],
      instances: [inst('web', 'dc1', [up('api', 9191)]), inst('app', 'dc1', [up('api', 9192)]), inst('api', 'dc1')],
      entries: [
        localMode,
        entry({ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc9'] } } }),
      ],
    });
    const codes = compile(m).diagnostics.map((d) => d.code);
    expect(codes.filter((c) => c === 'MC2006')).toHaveLength(1);
    expect(codes).not.toContain('MC3014');
  });

  it('still warns (MC3014) for a declared datacenter where the service does not run', () => {
    const m = model({
      datacenters: [dc('dc1'), dc('dc2')],
      instances: [inst('web', 'dc1', [up('api', 9191)]), inst('api', 'dc1')],
      entries: [
        localMode,
        entry({ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc2'] } } }),
      ],
    });
    const codes = compile(m).diagnostics.map((d) => d.code);
    expect(codes).toContain('MC3014');
    expect(codes).not.toContain('MC2006');
  });
});
