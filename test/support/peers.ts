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
 * The consul-k8s chart is the one peer no registry reachable here serves (the Go module proxy answers 403 for every
 * github.com/hashicorp/consul-k8s path), so CI cannot require it; MESHCC_REQUIRE_CHART=1 makes it required where a
 * chart checkout is provided (MESHCC_CONSUL_CHART_DIR).
 */
export const requireChart = process.env.MESHCC_REQUIRE_CHART === '1';

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

/** Directory of the consul-k8s chart (scripts/setup-helm.sh), if fetched. */
export function consulChart(): string | undefined {
  const dir = firstExisting([process.env.MESHCC_CONSUL_CHART_DIR, join(cacheDir, 'consul-chart-7af6b659')]);
  return dir && existsSync(join(dir, 'Chart.yaml')) ? dir : undefined;
}
