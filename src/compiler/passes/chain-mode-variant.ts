/**
 * The chain a sidecar gets for a mesh-gateway mode override, derived from the chain compiled without one.
 *
 * In Consul's compiler (`agent/consul/discoverychain/compile.go`) the `OverrideMeshGateway` of a request does one thing:
 * `getResolverNode` sets it as the `MeshGateway` of every target that is not external, and marks the compile
 * customized when a target had another mode. Nodes, errors and every other field do not depend on it. So each
 * (destination, datacenter, protocol and timeout overrides) is compiled once, and each mode's chain shares the nodes
 * and the unchanged targets of that one (chains are read-only data).
 */
import type { GatewayMode } from '../../model/types.ts';
import { customizationHash } from '../customization-hash.ts';
import type { CompiledChain } from '../types.ts';
import { chainVariant } from './chain-json.ts';

/** A chain compiled without a mesh-gateway override, and what the other overrides customized. */
export interface ChainBase {
  /** Built by `lazyChainJson` (its variants share its work form). */
  readonly chain: CompiledChain;
  /** The protocol override when it customized the compile, else '' (a field of Consul's `customization`). */
  readonly customProtocol: string;
  /** The connect-timeout override (ns) when it customized the compile, else 0. */
  readonly customConnectTimeoutNs: number;
}

/** The chain for a mode override (the base chain itself when there is none or it changes nothing). */
export function chainWithMode(base: ChainBase, mode: GatewayMode | undefined): CompiledChain {
  if (mode === undefined) return base.chain;
  const c = base.chain;
  const head = {
    ServiceName: c.ServiceName,
    Namespace: c.Namespace,
    Partition: c.Partition,
    Datacenter: c.Datacenter,
    CustomizationHash: customizationHash({
      meshGatewayMode: mode,
      protocol: base.customProtocol,
      connectTimeoutNanos: base.customConnectTimeoutNs,
    }),
    Default: c.Default,
    Protocol: c.Protocol,
    ServiceMeta: c.ServiceMeta,
    StartNode: c.StartNode,
  };
  return chainVariant(c, head, mode) ?? c;
}
