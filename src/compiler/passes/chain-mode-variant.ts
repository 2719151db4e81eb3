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
import { type ChainHead, type ChainWork, chainVariant } from './chain-json.ts';

/**
 * A chain compiled without a mesh-gateway override (built by `lazyChainOf`), its work form (shared with its mode
 * variants), and what the other overrides customized.
 *
 * (Making the chain object itself only when first read was tried: in the generated L7 mesh one of each
 * destination's two modes changes no target, so that mode's chain is this one, and keeping its head fields here to
 * build it later cost more memory than it saved.)
 */
export class ChainBase {
  /** The mode variants asked for so far (`withMode`), newest first. */
  private variants: ModeChain | undefined = undefined;
  constructor(
    readonly chain: CompiledChain,
    readonly work: ChainWork,
    /** The protocol override when it customized the compile, else '' (a field of Consul's `customization`). */
    readonly customProtocol: string,
    /** The connect-timeout override (ns) when it customized the compile, else 0. */
    readonly customConnectTimeoutNs: number,
  ) {}

  /**
   * The chain for a mode override (`chainWithMode`), made once per mode: the same `ModeChain` for every upstream that
   * asks for it. A short list on the base (a chain is asked for with a mode or two), not an array grown by `push`
   * (room for 16) per destination.
   */
  withMode(mode: GatewayMode | undefined): ModeChain {
    for (let v = this.variants; v !== undefined; v = v.next) if (v.mode === mode) return v;
    const v: ModeChain = {
      mode,
      chain: chainWithMode(this, mode),
      numbering: undefined,
      number: -1,
      next: this.variants,
    };
    this.variants = v;
    return v;
  }

  /** Every mode variant made so far (newest first). */
  firstVariant(): ModeChain | undefined {
    return this.variants;
  }
}

/** The chain of a `ChainBase` for one mode override, with the chain pass's number for it (`ChainNumbering`). */
export interface ModeChain {
  readonly mode: GatewayMode | undefined;
  readonly chain: CompiledChain;
  /** The token of the numbering that numbered the chain (undefined: none yet), and its number there. */
  numbering: object | undefined;
  number: number;
  /** The variant made before this one. */
  readonly next: ModeChain | undefined;
}

/** The chain for a mode override (the base chain itself when there is none or it changes nothing). */
export function chainWithMode(base: ChainBase, mode: GatewayMode | undefined): CompiledChain {
  if (mode === undefined) return base.chain;
  const hash = customizationHash({
    meshGatewayMode: mode,
    protocol: base.customProtocol,
    connectTimeoutNanos: base.customConnectTimeoutNs,
  });
  // The base chain's head fields (a head read as `ChainHead`: its optional fields are absent or set).
  return chainVariant(base.work, base.chain as unknown as ChainHead, hash, mode) ?? base.chain;
}
