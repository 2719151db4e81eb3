/**
 * Finds the external programs the peer tests run (real Consul, helm, the consul-k8s chart). A missing peer skips
 * its suite loudly, or fails it when MESHCC_REQUIRE_PEERS=1 (CI sets that after running the setup scripts).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const cacheDir = process.env.MESHCC_CACHE ?? join(homedir(), '.cache', 'meshcc');
export const requirePeers = process.env.MESHCC_REQUIRE_PEERS === '1';
/**
 * The consul-k8s chart (and helm to render it) are required under MESHCC_REQUIRE_CHART=1 or MESHCC_REQUIRE_PEERS=1;
 * .ci/run sets both, pointing MESHCC_CONSUL_CHART_DIR at `../shared/consul-k8s-chart` beside the repository.
 */
export const requireChart = requirePeers || process.env.MESHCC_REQUIRE_CHART === '1';

/** The repository root (this file is test/support/peers.ts). */
const repoRoot = join(import.meta.dirname, '..', '..');

/** The first candidate path that exists, or undefined. */
export function firstExisting(candidates: readonly (string | undefined)[]): string | undefined {
  return candidates.find((p): p is string => !!p && existsSync(p));
}

/** Reports a missing peer: an error under MESHCC_REQUIRE_PEERS=1, else a loud warning; returns whether to skip. */
export function missingPeer(what: string, how: string, required = requirePeers): boolean {
  const msg = `${what} not found (${how})`;
  if (required) throw new Error(`required peer missing: ${msg}`);
  console.warn(`\n*** SKIPPING: ${msg} ***\n`);
  return true;
}

/** Path of the real Consul binary (scripts/setup-consul.sh), if built. */
export function consulBinary(): string | undefined {
  return firstExisting([process.env.MESHCC_CONSUL, join(cacheDir, 'consul-v1.22.7', 'consul')]);
}

/** Path of helm (scripts/setup-helm.sh), if built. */
export function helmBinary(): string | undefined {
  return firstExisting([process.env.MESHCC_HELM, join(cacheDir, 'helm-v3.19.5', 'helm')]);
}

/**
 * Directory of the consul-k8s chart (`charts/consul` of a consul-k8s checkout): MESHCC_CONSUL_CHART_DIR when set
 * (and then only that: a wrong path is not silently replaced by another chart), else `../shared/consul-k8s-chart`
 * beside the repository. Undefined when the directory has no Chart.yaml.
 */
export function consulChart(): string | undefined {
  const dir = process.env.MESHCC_CONSUL_CHART_DIR || join(repoRoot, '..', 'shared', 'consul-k8s-chart');
  return existsSync(join(dir, 'Chart.yaml')) ? dir : undefined;
}
