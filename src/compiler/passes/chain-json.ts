/**
 * The compiler's working form of chain nodes and targets, and their JSON in the exact shape of Consul's
 * `agent/structs/discovery_chain.go` (`CompiledDiscoveryChain`, `DiscoveryGraphNode`, `DiscoveryResolver`,
 * `DiscoveryTarget`): `omitempty` fields left out, durations as Go strings except the resolver's `RequestTimeout`
 * (nanoseconds, as Consul prints it), map keys sorted.
 */
import type { ResolverSubset } from '../../model/entries.ts';
import type { GatewayMode } from '../../model/types.ts';
import { formatGoDuration } from '../duration.ts';
import type { ChainNode, ChainTarget } from '../types.ts';

/** Which service a target names, before defaults are filled in. */
export interface TargetOpts {
  readonly service: string;
  readonly subset?: string;
  readonly namespace?: string;
  readonly partition?: string;
  readonly datacenter?: string;
  readonly peer?: string;
}

/** A target while compiling (mutable fields are set by `getResolverNode`, as in Consul). */
export interface WorkTarget {
  readonly id: string;
  readonly opts: Required<TargetOpts>;
  mode?: GatewayMode;
  subset?: ResolverSubset;
  dialedDirectly?: boolean;
  connectTimeoutNs: number;
  external: boolean;
  sni: string;
  readonly name: string;
}

/** A resolver node while compiling. */
export interface WorkNode {
  readonly name: string;
  readonly targetId: string;
  readonly isDefault: boolean;
  readonly connectTimeoutNs: number;
  readonly requestTimeoutNs: number;
  failover?: { targets: string[]; policy?: unknown };
}

/** The `Nodes` map as Consul marshals it (`DiscoveryResolver.MarshalJSON`: ConnectTimeout as a string). */
export function renderNodes(nodes: ReadonlyMap<string, WorkNode>): Record<string, ChainNode> {
  const out: Record<string, ChainNode> = {};
  for (const key of [...nodes.keys()].sort()) {
    const n = nodes.get(key)!;
    out[key] = {
      Type: 'resolver',
      Name: n.name,
      Resolver: {
        ConnectTimeout: formatGoDuration(n.connectTimeoutNs),
        ...(n.isDefault ? { Default: true } : {}),
        ...(n.requestTimeoutNs !== 0 ? { RequestTimeout: n.requestTimeoutNs } : {}),
        Target: n.targetId,
        ...(n.failover
          ? {
              Failover: {
                Targets: [...n.failover.targets],
                ...(n.failover.policy !== undefined ? { Policy: n.failover.policy } : {}),
              },
            }
          : {}),
      },
    };
  }
  return out;
}

/** The `Targets` map as Consul marshals it (`DiscoveryTarget.MarshalJSON`, every field `omitempty`). */
export function renderTargets(targets: ReadonlyMap<string, WorkTarget>): Record<string, ChainTarget> {
  const out: Record<string, ChainTarget> = {};
  for (const id of [...targets.keys()].sort()) {
    const t = targets.get(id)!;
    const o = t.opts;
    out[id] = {
      ID: t.id,
      Service: o.service,
      ...(o.subset ? { ServiceSubset: o.subset } : {}),
      Namespace: o.namespace,
      Partition: o.partition,
      ...(o.datacenter ? { Datacenter: o.datacenter } : {}),
      ...(o.peer ? { Peer: o.peer } : {}),
      MeshGateway: t.mode ? { Mode: t.mode } : {},
      Subset: {
        ...(t.subset?.Filter ? { Filter: t.subset.Filter } : {}),
        ...(t.subset?.OnlyPassing ? { OnlyPassing: true } : {}),
      },
      TransparentProxy: t.dialedDirectly ? { DialedDirectly: true } : {},
      ...(t.connectTimeoutNs !== 0 ? { ConnectTimeout: formatGoDuration(t.connectTimeoutNs) } : {}),
      ...(t.external ? { External: true } : {}),
      ...(t.sni ? { SNI: t.sni } : {}),
      ...(t.name ? { Name: t.name } : {}),
    } as ChainTarget;
  }
  return out;
}
