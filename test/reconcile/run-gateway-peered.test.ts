/**
 * The config `reconcile --run-gateway` writes for a peered cluster's gateway is the one `meshcc synth` writes under
 * `clusters/<cluster>/<dc>/gateway/<name>.json` (peering routes included), for every bundled gateway of every cluster
 * of the peered example; `--gateway-consul` moves only the Consul agent's address.
 */
import { describe, expect, it } from 'vitest';
import { compileClusters } from '../../src/compiler/compile-clusters.ts';
import { clusterPeeringRoutes } from '../../src/emit/gateway-peering.ts';
import { emitPeered } from '../../src/emit/peered.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { runtimeConfigFor } from '../../src/reconcile/run-gateway.ts';
import { repoRoot } from '../cli/run-cli.ts';

describe('run-gateway config of a peered cluster', () => {
  it("equals synth's clusters/<c>/<dc>/gateway/ config for every bundled gateway; --gateway-consul moves the agent", async () => {
    const loaded = await loadEnvironment('environments/peered', repoRoot);
    const pc = compileClusters(loaded.model);
    const artifacts = new Map(emitPeered(pc).map((a) => [a.path, a.content]));
    const checked: string[] = [];
    for (const c of pc.clusters) {
      const peering = clusterPeeringRoutes(pc, c.cluster.name);
      for (const g of c.compilation.model.gateways.filter((x) => x.implementation === 'meshcc')) {
        const path = `clusters/${c.cluster.name}/${g.datacenter}/gateway/${g.name}.json`;
        const synth = artifacts.get(path);
        expect(synth, `${c.cluster.name}/${g.datacenter}/${g.name}`).toBeDefined();
        const ours = runtimeConfigFor(c.compilation, g, {}, peering);
        expect(JSON.parse(JSON.stringify(ours))).toEqual(JSON.parse(synth as string));
        const moved = runtimeConfigFor(c.compilation, g, { consul: 'http://127.0.0.9:8500' }, peering);
        expect(moved.consul?.address).toBe('http://127.0.0.9:8500');
        expect({ ...moved, consul: { ...moved.consul, address: ours.consul?.address } }).toEqual(ours);
        checked.push(path);
      }
    }
    // every gateway config synth writes is covered (the example bundles west's gateway only)
    expect(checked.sort()).toEqual(
      [...artifacts.keys()].filter((p) => /^clusters\/[^/]+\/[^/]+\/gateway\//.test(p)).sort(),
    );
    expect(checked.length).toBeGreaterThan(0);
  });
});
