/**
 * A cluster peering between two clusters of the mesh. The acceptor generates the peering token, the dialer
 * establishes the connection with it (`meshcc apply` does both; the token is never printed, logged or stored).
 */
import type { Cluster } from './cluster.ts';
import { MeshConstruct } from './internal/base.ts';
import type { Mesh } from './mesh.ts';

/** One side of a peering. */
export interface PeeringSideProps {
  readonly cluster: Cluster;
  /**
   * The name this cluster gives the peering (its `PeerName`): what its upstreams (`peer`), failover targets, exported
   * services' consumers and intentions call the other cluster.
   */
  readonly peerName: string;
}

/** Properties for {@link Peering}. */
export interface PeeringProps {
  /** The side that generates the token (its servers must be reachable from the dialer). */
  readonly acceptor: PeeringSideProps;
  /** The side that dials the acceptor with the token. */
  readonly dialer: PeeringSideProps;
}

export class Peering extends MeshConstruct {
  constructor(
    scope: Mesh,
    id: string,
    readonly props: PeeringProps,
  ) {
    super(scope, id);
    this.checkName('acceptor.peerName', props.acceptor?.peerName);
    this.checkName('dialer.peerName', props.dialer?.peerName);
    if (props.acceptor.cluster === props.dialer.cluster)
      this.fail('dialer.cluster', 'must be another cluster than the acceptor', props.dialer.cluster.name);
  }
}
