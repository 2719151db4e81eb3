import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateGatewayConfig } from '../../src/gateway/config.ts';
import { type Endpoint, RoundRobin, RouteTable, SERVERS_KEY } from '../../src/gateway/route-table.ts';

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

const PEER_TD = 'aaaaaaaa-2222-3333-4444-555555555555.consul';
const S1 = { address: '10.0.0.1', port: 8300 };
const S2 = { address: '10.0.0.2', port: 8300 };
const GW2 = [{ address: '127.0.0.2', port: 8443 }];
const PGW = [{ address: '192.0.2.9', port: 443 }];
/** Every kind of route Consul's mesh gateway has, in dc1 (the names of agent/connect/sni.go and tlsutil.ServerSNI). */
const full = new RouteTable({
  datacenter: 'dc1',
  trustDomain: TD,
  local: [
    { sni: `web.default.dc1.internal.${TD}`, service: 'web', endpoints: [{ address: '127.0.0.1', port: 21000 }] },
    // exported to peer `p1`: the accepting side's PeeredServiceSNI, in this datacenter's trust domain
    {
      sni: `web.default.default.p1.external.${TD}`,
      service: 'web',
      endpoints: [{ address: '127.0.0.1', port: 21000 }],
    },
  ],
  remote: [{ datacenter: 'dc2', gateways: GW2 }],
  servers: {
    domain: 'consul',
    local: [
      { node: 'srv-b', ...S2 },
      { node: 'srv-a', ...S1 },
    ],
  },
  peering: { servers: [{ address: '10.0.0.1', port: 8503 }] },
  peers: [
    {
      peer: 'p2',
      snis: [`api.default.default.cluster-01.external.${PEER_TD}`, `server.pdc.peering.${PEER_TD}`],
      gateways: PGW,
    },
  ],
});

describe('route table: servers, peering and peers', () => {
  it('routes each local server by its node name, and any local server by server.<dc>.<domain>', () => {
    expect(full.lookup('srv-a.server.dc1.consul')).toMatchObject({ key: 'server:dc1/srv-a', endpoints: [S1] });
    expect(full.lookup('SRV-B.Server.DC1.Consul')).toMatchObject({ key: 'server:dc1/srv-b', endpoints: [S2] });
    expect(full.lookup('server.dc1.consul')).toMatchObject({ key: 'server:dc1', endpoints: [S1, S2] });
  });

  it("routes another datacenter's servers (one label, or none) to its gateways", () => {
    for (const sni of ['server.dc2.consul', 'dc2-srv.server.dc2.consul', 'anything-1.server.dc2.consul']) {
      expect(full.lookup(sni), sni).toMatchObject({ key: 'wan-server:dc2', datacenter: 'dc2', endpoints: GW2 });
    }
  });

  it('routes the peering server name to the local gRPC TLS ports, and every name a peer serves to its gateways', () => {
    expect(full.lookup(`server.dc1.peering.${TD}`)).toMatchObject({
      key: 'peering-server:dc1',
      endpoints: [{ address: '10.0.0.1', port: 8503 }],
    });
    expect(full.lookup(`web.default.default.p1.external.${TD}`)?.key).toBe('local:web');
    expect(full.lookup(`api.default.default.cluster-01.external.${PEER_TD}`)).toMatchObject({
      key: 'peer:p2',
      endpoints: PGW,
    });
    expect(full.lookup(`server.pdc.peering.${PEER_TD}`)?.key).toBe('peer:p2');
  });

  it('anything else still gets no route', () => {
    for (const sni of [
      'srv-c.server.dc1.consul', // unknown local node: no wildcard for the own datacenter
      'a.b.server.dc2.consul', // the wildcard is one label
      '.server.dc2.consul',
      'srv.server.dc3.consul', // unknown datacenter
      'server.dc3.consul',
      'srv-a.server.dc1.other', // other domain
      'srv-a.server.dc1.consul.evil',
      'server.dc1',
      'server.consul',
      `server.dc2.peering.${TD}`, // peering name of another datacenter
      `server.dc1.peering.${PEER_TD}`, // own datacenter under a peer's trust domain
      `api.default.default.cluster-01.external.${TD}`, // a peer's name under our trust domain
      `web.default.default.p2.external.${TD}`, // not exported to p2
      `other.default.default.cluster-01.external.${PEER_TD}`,
      `web.default.dc1.query.${TD}`,
    ]) {
      expect(full.lookup(sni), sni).toBeUndefined();
    }
  });

  it('routes server names only when WAN federation through gateways is configured', () => {
    for (const sni of ['server.dc2.consul', 'x.server.dc2.consul', 'server.dc1.consul', `server.dc1.peering.${TD}`]) {
      expect(table.lookup(sni), sni).toBeUndefined();
    }
  });

  it('has no route for random names outside the routed forms (property)', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
    const known = (n: string) =>
      n === 'server.dc1.consul' ||
      n === 'server.dc2.consul' ||
      /^[a-z0-9-]+\.server\.dc2\.consul$/.test(n) ||
      /^srv-[ab]\.server\.dc1\.consul$/.test(n);
    fc.assert(
      fc.property(
        fc.array(label, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('consul', TD, PEER_TD),
        (ls, end) => {
          const name = [...ls, end].join('.');
          const r = full.lookup(name);
          if (!known(name) && !name.endsWith(`.${TD}`) && !name.endsWith(`.${PEER_TD}`))
            expect(r, name).toBeUndefined();
          // Whatever routes, routes the way its form says.
          if (r?.kind === 'wan-server') expect(name.endsWith('server.dc2.consul')).toBe(true);
          if (r?.kind === 'server') expect(name.endsWith('server.dc1.consul')).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('takes discovered servers and remote gateways (which the server wildcard follows)', () => {
    const spec = {
      datacenter: 'dc1',
      trustDomain: TD,
      local: [],
      remote: [{ datacenter: 'dc2', gateways: GW2 }],
      servers: { domain: 'consul', local: [] },
    };
    const t0 = new RouteTable(spec);
    expect(t0.lookup('srv-a.server.dc1.consul')).toBeUndefined();
    expect(t0.lookup('server.dc1.consul')?.endpoints).toEqual([]);
    const gw = [{ address: '127.0.0.9', port: 9443 }];
    const discovered: readonly Endpoint[] = [{ node: 'srv-a', ...S1 } as Endpoint];
    const t1 = t0.withEndpoints(
      spec,
      new Map<string, readonly Endpoint[]>([
        [SERVERS_KEY, discovered],
        ['remote:dc2', gw],
      ]),
    );
    expect(t1.lookup('srv-a.server.dc1.consul')?.endpoints).toEqual([S1]);
    expect(t1.lookup('x.server.dc2.consul')?.endpoints).toEqual(gw);
    expect(t1.lookup(`dc2.internal.${TD}`)?.endpoints).toEqual(gw);
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

  it('accepts server, peering and peer routes, and rejects one SNI on two routes, bad peer SNI and duplicate peers', () => {
    const ok = validateGatewayConfig(
      {
        ...base,
        routes: {
          local: [],
          remote: [{ datacenter: 'dc2', gateways: GW2 }],
          servers: { domain: 'consul', local: [{ node: 'srv-a', ...S1 }] },
          peering: { servers: [] },
          peers: [{ peer: 'p2', snis: [`server.pdc.peering.${PEER_TD}`], gateways: PGW }],
        },
      },
      'gw.json',
    );
    expect(ok.diagnostics).toEqual([]);
    expect(ok.config?.routes.servers?.local).toEqual([{ node: 'srv-a', ...S1 }]);
    const bad = validateGatewayConfig(
      {
        ...base,
        routes: {
          local: [],
          remote: [{ datacenter: 'dc2', gateways: GW2 }],
          servers: { domain: 'consul', local: [] },
          peers: [
            { peer: 'p2', snis: ['server.dc2.consul', 'bad_name.example'], gateways: PGW },
            { peer: 'p2', snis: [], gateways: PGW },
          ],
        },
      },
      'gw.json',
    );
    expect(bad.config).toBeUndefined();
    expect(bad.diagnostics.map((d) => d.code).sort()).toEqual(['MC6008', 'MC6009', 'MC6010']);
    expect(bad.diagnostics.find((d) => d.code === 'MC6008')?.message).toContain(
      'server.dc2.consul is routed both as the servers of dc2 and as peer p2',
    );
    const schema = validateGatewayConfig(
      { ...base, routes: { local: [], remote: [], servers: { domain: 'consul', local: [{ node: 'Bad_Node' }] } } },
      'gw.json',
    );
    expect(schema.diagnostics.map((d) => d.code)).toContain('MC6002');
  });
});
