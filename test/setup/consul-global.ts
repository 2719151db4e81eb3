/**
 * Vitest global setup for the real-Consul suites: starts two WAN-federated datacenters once per test run and
 * provides their addresses (`inject('consul')`, also `MESHCC_TEST_CONSUL_DC1/DC2` in the environment). The teardown
 * kills both servers, also when tests fail. Without the binary: skips loudly, or fails when MESHCC_REQUIRE_CONSUL=1.
 */
import type { TestProject } from 'vitest/node';
import {
  type Cluster,
  CONSUL_BIN,
  consulAvailable,
  MISSING_MESSAGE,
  startCluster,
  stopCluster,
} from '../consul/harness.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    consul: { dc1: string; dc2: string; root: string } | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!consulAvailable()) {
    if (process.env.MESHCC_REQUIRE_CONSUL === '1') {
      throw new Error(
        `Consul binary not found at ${CONSUL_BIN} and MESHCC_REQUIRE_CONSUL=1: run \`bash scripts/setup-consul.sh\``,
      );
    }
    process.stderr.write(`\n${MISSING_MESSAGE}\n\n`);
    project.provide('consul', null);
    return undefined;
  }
  const cluster: Cluster = await startCluster();
  project.provide('consul', { dc1: cluster.dc1.addr, dc2: cluster.dc2.addr, root: cluster.root });
  process.env.MESHCC_TEST_CONSUL_DC1 = cluster.dc1.addr;
  process.env.MESHCC_TEST_CONSUL_DC2 = cluster.dc2.addr;
  return async () => {
    await stopCluster(cluster);
  };
}
