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
import { type ChainHead, type ChainWork, chainVariant, lazyChainJson } from './chain-json.ts';

/**
 * A chain compiled without a mesh-gateway override, and what the other overrides customized: the head fields of its
 * chain (`ChainHead`) and its work form, with the chain object itself made on first read of `chain`.
 *
 * Why lazily: a sidecar nearly always sends a mode (`OverrideMeshGateway`), and then its chain is a mode variant
 * (`chainWithMode`), which reads only these head fields and the work form. Every generated-mesh upstream has a mode,
 * so the base chain object (a head and three `defineProperty` calls, kept by the compile until the chain pass ends)
 * was made for nobody. A chain read here is the one `lazyChainJson` made before, from the same fields.
 */
export class ChainBase implements ChainHead {
  private built: CompiledChain | undefined = undefined;
  /** The mode variants asked for so far (`withMode`), newest first. */
  private variants: ModeChain | undefined = undefined;
  constructor(
    readonly ServiceName: string,
    readonly Namespace: string,
    readonly Partition: string,
    readonly Datacenter: string,
    readonly CustomizationHash: string | undefined,
    readonly Default: boolean | undefined,
    readonly Protocol: string,
    readonly ServiceMeta: Readonly<Record<string, string>> | undefined,
    readonly StartNode: string,
    /** The work form (shared with the mode variants). */
    readonly work: ChainWork,
    /** The protocol override when it customized the compile, else '' (a field of Consul's `customization`). */
    readonly customProtocol: string,
    /** The connect-timeout override (ns) when it customized the compile, else 0. */
    readonly customConnectTimeoutNs: number,
  ) {}

  /** The chain without a mode override (built by `lazyChainJson` on first read, the same object after). */
  get chain(): CompiledChain {
    if (this.built === undefined) this.built = lazyChainJson(this, this.work);
    return this.built;
  }

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
  return chainVariant(base.work, base, hash, mode) ?? base.chain;
}
