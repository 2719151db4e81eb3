/**
 * Vitest global setup for the real-Consul suites: starts two WAN-federated datacenters once per test run and
 * provides their addresses (`inject('consul')`, also `MESHCC_TEST_CONSUL_DC1/DC2` in the environment). The teardown
 * kills both servers, also when tests fail; a run stopped by a signal kills them on the way out, and one killed
 * outright (SIGKILL) leaves an `owner` pid behind that the next run's setup uses to reap them. Without the binary:
 * skips loudly, or fails when MESHCC_REQUIRE_CONSUL=1.
 */
import type { TestProject } from 'vitest/node';
import {
  type Cluster,
  CONSUL_BIN,
  consulAvailable,
  killClusterNow,
  MISSING_MESSAGE,
  reapOrphanedClusters,
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
  for (const root of reapOrphanedClusters())
    process.stderr.write(`meshcc: stopped a test Consul left by a killed run (${root})\n`);
  const cluster: Cluster = await startCluster();
  // A run interrupted by a signal skips the teardown: kill the servers on the way out instead.
  const onSignal = (signal: NodeJS.Signals) => {
    killClusterNow(cluster.root);
    // Vitest's own handlers (if any) see the same signal; without them, die of it as Node would have.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  project.provide('consul', { dc1: cluster.dc1.addr, dc2: cluster.dc2.addr, root: cluster.root });
  process.env.MESHCC_TEST_CONSUL_DC1 = cluster.dc1.addr;
  process.env.MESHCC_TEST_CONSUL_DC2 = cluster.dc2.addr;
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    await stopCluster(cluster);
  };
}
