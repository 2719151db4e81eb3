/**
 * Peering routes of the bundled gateway's runtime config, emitted from the peered model (environments/peered: east
 * dials west, both peer through their mesh gateways; east imports currency (failover target) and ledger
 * (`destination_peer`) from west, which exports both to east). Names are Consul's (`connect.PeeringServerSAN`,
 * `connect.PeeredServiceSNI`); each config is checked against the gateway's own loader (src/gateway/config.ts).
 */
import { describe, expect, it } from 'vitest';
import { compileClusters, type PeeredCompilation } from '../../src/compiler/compile-clusters.ts';
import { emitGatewayConfig, type GatewayRuntimeConfig } from '../../src/emit/gateway-config.ts';
import { clusterPeeringRoutes } from '../../src/emit/gateway-peering.ts';
import { routeSpecOf, validateGatewayConfig } from '../../src/gateway/config.ts';
import { RouteTable } from '../../src/gateway/route-table.ts';
import { peeredEnvironmentCompilation } from './environments.ts';

async function configs(pc: PeeredCompilation, cluster: string): Promise<GatewayRuntimeConfig[]> {
  const cc = pc.clusters.find((c) => c.cluster.name === cluster)!;
  return emitGatewayConfig(cc.compilation, {
    allImplementations: true,
    peering: clusterPeeringRoutes(pc, cluster),
  }).map((a) => JSON.parse(a.content) as GatewayRuntimeConfig);
}

describe('gateway peering routes (environments/peered)', () => {
  it('dialer east: its servers and imported services route to west’s gateway', async () => {
    const pc = await peeredEnvironmentCompilation('peered');
    const west = pc.clusters.find((c) => c.cluster.name === 'west')!.cluster.trustDomain;
    const [east] = await configs(pc, 'east');
    expect(east!.routes.peering).toEqual({ servers: [] });
    expect(east!.routes.peers).toEqual([
      {
        peer: 'west',
        gateways: [{ address: '198.51.100.20', port: 443 }],
        snis: [
          `currency.default.default.east.external.${west}`,
          `ledger.default.default.east.external.${west}`,
          `server.dc2.peering.${west}`,
        ],
      },
    ]);
    expect(east!.consul?.register?.id).toBe('mesh-gateway');
  });

  it('acceptor west: peering servers, exports under east’s names, no outbound route (west neither dials nor imports)', async () => {
    const pc = await peeredEnvironmentCompilation('peered');
    const td = pc.clusters.find((c) => c.cluster.name === 'west')!.cluster.trustDomain;
    const [west] = await configs(pc, 'west');
    expect(west!.routes.peering).toEqual({ servers: [] });
    expect(west!.routes.peers).toBeUndefined();
    const ext = west!.routes.local.filter((r) => r.sni.includes('.external.'));
    expect(ext).toEqual([
      {
        sni: `currency.default.default.east.external.${td}`,
        service: 'currency',
        endpoints: [{ address: '10.2.0.30', port: 21000 }],
      },
      {
        sni: `ledger.default.default.east.external.${td}`,
        service: 'ledger',
        endpoints: [{ address: '10.2.0.31', port: 21000 }],
      },
    ]);
    // Each export has the endpoints of the service's own route.
    for (const r of ext)
      expect(r.endpoints).toEqual(
        west!.routes.local.find((l) => l.service === r.service && l.sni.includes('.internal.'))!.endpoints,
      );
    expect(west!.consul?.register).toEqual({
      id: 'mesh-gateway',
      lan: { address: '10.2.0.10', port: 8443 },
      wan: { address: '198.51.100.20', port: 443 },
    });
  });

  it('every emitted config passes the gateway’s own validation', async () => {
    const pc = await peeredEnvironmentCompilation('peered');
    for (const cluster of ['east', 'west']) {
      const cc = pc.clusters.find((c) => c.cluster.name === cluster)!;
      for (const a of emitGatewayConfig(cc.compilation, {
        allImplementations: true,
        peering: clusterPeeringRoutes(pc, cluster),
      })) {
        const r = validateGatewayConfig(JSON.parse(a.content), a.path);
        expect(
          r.diagnostics.map((d) => d.message),
          a.path,
        ).toEqual([]);
        expect(r.config?.routes.peers ?? [], a.path).toEqual(JSON.parse(a.content).routes.peers ?? []);
      }
    }
  });

  it('without PeerThroughMeshGateways: no peering servers route, no outbound server name, still registered', async () => {
    const base = await peeredEnvironmentCompilation('peered');
    const pc = compileClusters({ ...base.model, entries: base.model.entries.filter((e) => e.entry.Kind !== 'mesh') });
    const [east] = await configs(pc, 'east');
    const [west] = await configs(pc, 'west');
    expect(east!.routes.peering).toBeUndefined();
    expect(west!.routes.peering).toBeUndefined();
    expect(east!.routes.peers?.map((p) => p.snis.filter((s) => s.startsWith('server.')))).toEqual([[]]);
    expect(east!.routes.peers?.[0]?.snis).toHaveLength(2);
    // The gateway is still the cluster's mesh gateway: the exporter replicates its exported sidecars as the
    // registered gateway, and sidecars in mode `local` find their gateway in the catalog only.
    expect(west!.consul?.register).toEqual({
      id: 'mesh-gateway',
      lan: { address: '10.2.0.10', port: 8443 },
      wan: { address: '198.51.100.20', port: 443 },
    });
    expect(east!.consul?.register?.id).toBe('mesh-gateway');
  });

  it('a peer without a WAN-reachable gateway in its primary gets no route', async () => {
    const base = await peeredEnvironmentCompilation('peered');
    const gateways = base.model.gateways.map((g) => (g.datacenter === 'dc2' ? { ...g, wan: undefined } : g));
    const pc = compileClusters({ ...base.model, gateways });
    const [east] = await configs(pc, 'east');
    expect(east!.routes.peers).toBeUndefined();
    expect(east!.routes.peering).toEqual({ servers: [] });
  });

  it('gateways outside the cluster’s primary get no peering routes', async () => {
    const pc = await peeredEnvironmentCompilation('peered');
    const routes = clusterPeeringRoutes(pc, 'east');
    const cc = pc.clusters.find((c) => c.cluster.name === 'east')!;
    const other = { ...routes, datacenter: 'elsewhere' };
    const [cfg] = emitGatewayConfig(cc.compilation, { allImplementations: true, peering: other }).map(
      (a) => JSON.parse(a.content) as GatewayRuntimeConfig,
    );
    expect(cfg!.routes.peering).toBeUndefined();
    expect(cfg!.routes.peers).toBeUndefined();
    expect(cfg!.routes.local.some((r) => r.sni.includes('.external.'))).toBe(false);
  });

  it('the two sides agree: every name east sends to west is one west’s gateway routes (the real route tables)', async () => {
    const pc = await peeredEnvironmentCompilation('peered');
    const table = (cluster: string) => {
      const cc = pc.clusters.find((c) => c.cluster.name === cluster)!;
      const [a] = emitGatewayConfig(cc.compilation, {
        allImplementations: true,
        peering: clusterPeeringRoutes(pc, cluster),
      });
      const r = validateGatewayConfig(JSON.parse(a!.content), a!.path);
      return { cfg: r.config!, table: new RouteTable(routeSpecOf(r.config!)) };
    };
    const east = table('east');
    const west = table('west');
    const sent = east.cfg.routes.peers!.flatMap((p) => p.snis);
    expect(sent.length).toBe(3);
    for (const sni of sent) {
      expect(east.table.lookup(sni)?.key, sni).toBe('peer:west');
      const there = west.table.lookup(sni);
      expect(there?.kind, sni).toBe(sni.startsWith('server.') ? 'peering-server' : 'local');
    }
    // And nothing of west's own names leaks into east's peer route under east's trust domain.
    const eastTd = pc.clusters.find((c) => c.cluster.name === 'east')!.cluster.trustDomain;
    expect(sent.some((s) => s.endsWith(eastTd))).toBe(false);
  });
});
