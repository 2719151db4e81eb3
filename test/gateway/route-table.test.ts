import { describe, expect, it } from 'vitest';
import { validateGatewayConfig } from '../../src/gateway/config.ts';
import { RoundRobin, RouteTable } from '../../src/gateway/route-table.ts';

const TD = '11111111-2222-3333-4444-555555555555.consul';
const table = new RouteTable({
  datacenter: 'dc1',
  trustDomain: TD,
  local: [
    { sni: `web.default.dc1.internal.${TD}`, service: 'web', endpoints: [{ address: '127.0.0.1', port: 21000 }] },
  ],
  remote: [
    {
      datacenter: 'dc2',
      gateways: [
        { address: '127.0.0.2', port: 8443 },
        { address: '127.0.0.3', port: 8443 },
      ],
    },
  ],
});

describe('route table', () => {
  it('routes a local service SNI exactly and case-insensitively', () => {
    expect(table.lookup(`web.default.dc1.internal.${TD}`)?.key).toBe('local:web');
    expect(table.lookup(`WEB.Default.DC1.internal.${TD.toUpperCase()}`)?.key).toBe('local:web');
  });

  it('routes every internal form of another datacenter to its gateways', () => {
    for (const sni of [
      `dc2.internal.${TD}`,
      `api.default.dc2.internal.${TD}`,
      `v2.api.default.dc2.internal.${TD}`,
      `api.default.part1.dc2.internal-v1.${TD}`,
      `v2.api.default.part1.dc2.internal-v1.${TD}`,
    ]) {
      expect(table.lookup(sni)?.key, sni).toBe('remote:dc2');
    }
  });

  it('has no route for wrong label counts, unknown datacenters, other trust domains or unknown local names', () => {
    for (const sni of [
      `api.dc2.internal.${TD}`,
      `a.b.c.d.dc2.internal.${TD}`,
      `api.default.dc2.internal-v1.${TD}`,
      `api.default.dc3.internal.${TD}`,
      `api.default.dc2.internal.other.consul`,
      `api.default.dc2.internal.x${TD}`,
      `other.default.dc1.internal.${TD}`,
      `dc1.internal.${TD}`,
      `api.default.dc2.query.${TD}`,
      TD,
    ]) {
      expect(table.lookup(sni), sni).toBeUndefined();
    }
  });

  it('rotates round robin over endpoints and lists the rest as fallbacks', () => {
    const rr = new RoundRobin();
    const route = table.lookup(`dc2.internal.${TD}`);
    if (!route) throw new Error('no route');
    expect(rr.order(route).map((e) => e.address)).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(rr.order(route).map((e) => e.address)).toEqual(['127.0.0.3', '127.0.0.2']);
    expect(rr.order(route).map((e) => e.address)).toEqual(['127.0.0.2', '127.0.0.3']);
  });
});

const base = {
  version: 1,
  datacenter: 'dc1',
  trustDomain: TD,
  listeners: [{ name: 'lan', address: '127.0.0.1', port: 0 }],
  admin: { address: '127.0.0.1', port: 0 },
  routes: { local: [], remote: [] },
};

describe('gateway config', () => {
  it('fills in the schema defaults for a minimal config', () => {
    const r = validateGatewayConfig(base, 'gw.json');
    expect(r.diagnostics).toEqual([]);
    expect(r.config?.timeouts.clientHelloMs).toBe(5000);
    expect(r.config?.limits.maxClientHelloBytes).toBe(16384);
    expect(r.config?.name).toBe('mesh-gateway');
  });

  it('rejects unknown fields and out-of-range limits with MC6002', () => {
    const r = validateGatewayConfig({ ...base, limits: { maxClientHelloBytes: 65536 }, extra: true }, 'gw.json');
    expect(r.config).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MC6002', 'MC6002']);
  });

  it('rejects a remote route to its own datacenter and duplicate local SNI', () => {
    const sni = `web.default.dc1.internal.${TD}`;
    const r = validateGatewayConfig(
      {
        ...base,
        routes: {
          local: [
            { sni, service: 'web', endpoints: [] },
            { sni: sni.toUpperCase(), service: 'api', endpoints: [] },
            { sni: `bad_name.${TD}`, service: 'bad', endpoints: [] },
          ],
          remote: [{ datacenter: 'dc1', gateways: [{ address: '127.0.0.1', port: 1 }] }],
        },
      },
      'gw.json',
    );
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(['MC6003', 'MC6004', 'MC6007']);
  });
});
