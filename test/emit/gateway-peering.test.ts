/**
 * Peering routes of the bundled gateway's runtime config, emitted from the peered model (environments/peered: east
 * dials west, both peer through their mesh gateways; east imports currency (failover target) and ledger
 * (`destination_peer`) from west, which exports both to east). Names are Consul's (`connect.PeeringServerSAN`,
 * `connect.PeeredServiceSNI`); each config is checked against the gateway's own loader (src/gateway/config.ts).
 */
import { describe, expect, it } from 'vitest';
import type { PeeredCompilation } from '../../src/compiler/compile-clusters.ts';
import { emitGatewayConfig, type GatewayRuntimeConfig } from '../../src/emit/gateway-config.ts';
import { clusterPeeringRoutes } from '../../src/emit/gateway-peering.ts';
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
});
