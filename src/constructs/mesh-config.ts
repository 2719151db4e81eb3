/** The `mesh` config entry of one cluster (peering through mesh gateways, transparent-proxy scope). */
import type { MeshEntry } from '../model/entries.ts';
import type { Cluster } from './cluster.ts';
import { MeshConstruct } from './internal/base.ts';
import type { Mesh } from './mesh.ts';

/** Properties for {@link MeshConfig}. */
export interface MeshConfigProps {
  /**
   * `Peering.PeerThroughMeshGateways`: the servers' peering control-plane traffic goes through the mesh gateways (the
   * acceptor's gateway must then be reachable from the dialer, and each cluster needs a gateway).
   * @default false
   */
  readonly peerThroughMeshGateways?: boolean;
  /** `TransparentProxy.MeshDestinationsOnly`. @default false */
  readonly meshDestinationsOnly?: boolean;
}

export class MeshConfig extends MeshConstruct {
  constructor(
    scope: Cluster | Mesh,
    readonly props: MeshConfigProps,
  ) {
    super(scope, 'mesh-config');
  }

  /** @internal Lowers to the Consul entry. */
  _toEntry(): MeshEntry {
    const p = this.props;
    return {
      Kind: 'mesh',
      Name: 'mesh',
      ...(p.peerThroughMeshGateways !== undefined
        ? { Peering: { PeerThroughMeshGateways: p.peerThroughMeshGateways } }
        : {}),
      ...(p.meshDestinationsOnly !== undefined
        ? { TransparentProxy: { MeshDestinationsOnly: p.meshDestinationsOnly } }
        : {}),
    };
  }
}
