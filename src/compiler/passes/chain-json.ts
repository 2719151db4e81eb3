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
  for (const id of [...targets.keys()].sort()) out[id] = renderTarget(targets.get(id)!);
  return out;
}

/** One target, fields in Consul's order; built field by field (no spread temporaries: one target per chain and id). */
function renderTarget(t: WorkTarget): ChainTarget {
  const o = t.opts;
  const out: Record<string, unknown> = { ID: t.id, Service: o.service };
  if (o.subset) out.ServiceSubset = o.subset;
  out.Namespace = o.namespace;
  out.Partition = o.partition;
  if (o.datacenter) out.Datacenter = o.datacenter;
  if (o.peer) out.Peer = o.peer;
  out.MeshGateway = t.mode ? { Mode: t.mode } : {};
  const subset: { Filter?: string; OnlyPassing?: boolean } = {};
  if (t.subset?.Filter) subset.Filter = t.subset.Filter;
  if (t.subset?.OnlyPassing) subset.OnlyPassing = true;
  out.Subset = subset;
  out.TransparentProxy = t.dialedDirectly ? { DialedDirectly: true } : {};
  if (t.connectTimeoutNs !== 0) out.ConnectTimeout = formatGoDuration(t.connectTimeoutNs);
  if (t.external) out.External = true;
  if (t.sni) out.SNI = t.sni;
  if (t.name) out.Name = t.name;
  return out as ChainTarget;
}
