/**
 * Helpers shared by the real-Consul peering suites (peering.test.ts, peering-gateways.test.ts and what builds on
 * them): plain HTTP to a cluster, polling, the peerings' states, and our chains against `/v1/discovery-chain`.
 */

import type { PeeredCompilation } from '../../src/compiler/compile-clusters.ts';
import { buildEntryIndex } from '../../src/compiler/entry-index.ts';
import { compileChain } from '../../src/compiler/passes/compile-chains.ts';
import type { CompiledChain } from '../../src/compiler/types.ts';
import { sortKeys } from '../../src/emit/artifact.ts';
import { consulApi as api } from '../support/consul-api.ts';

export { api };

/** Polls `check` every 250 ms until it holds; throws `timed out: <what>` after `ms`. */
export async function eventually(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A cluster's peerings as `<name>:<state>`. */
export async function states(addr: string): Promise<string[]> {
  return (
    (await api<{ Name: string; State: string }[] | null>(addr, 'GET', '/v1/peerings'))?.map(
      (p) => `${p.Name}:${p.State}`,
    ) ?? []
  );
}

/** A chain without the fields only a server fills in (hash, virtual IPs), keys sorted. */
export function withoutServerFields(chain: unknown): unknown {
  const c = { ...(chain as Record<string, unknown>) };
  delete c.CustomizationHash;
  delete c.AutoVirtualIPs;
  delete c.ManualVirtualIPs;
  return sortKeys(c);
}

/** One service's chain in one cluster: ours and Consul's, comparable. */
export interface ChainPair {
  readonly cluster: string;
  readonly service: string;
  readonly ours: CompiledChain;
  readonly oursComparable: unknown;
  readonly liveComparable: unknown;
}

/**
 * Every service's chain in every cluster of `pc`, compiled by meshcc for the cluster's primary and read from that
 * cluster's `/v1/discovery-chain` (`addrOf`: the cluster's HTTP address).
 */
export async function chainPairs(
  pc: PeeredCompilation,
  services: readonly string[],
  addrOf: (cluster: string) => string,
): Promise<ChainPair[]> {
  const out: ChainPair[] = [];
  for (const c of pc.clusters) {
    const index = buildEntryIndex(c.compilation.model.entries.map((d) => d)).value;
    for (const service of services) {
      const ours = compileChain({
        serviceName: service,
        evaluateInDatacenter: c.cluster.primaryDatacenter,
        trustDomain: c.cluster.trustDomain,
        entries: index,
      });
      if (!('chain' in ours)) throw new Error(`${c.cluster.name} ${service}: ${ours.error.message}`);
      const live = await api<{ Chain: unknown }>(addrOf(c.cluster.name), 'GET', `/v1/discovery-chain/${service}`);
      out.push({
        cluster: c.cluster.name,
        service,
        ours: ours.chain,
        oursComparable: withoutServerFields(ours.chain),
        liveComparable: withoutServerFields(live.Chain),
      });
    }
  }
  return out;
}
