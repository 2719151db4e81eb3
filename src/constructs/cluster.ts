/**
 * One independent Consul cluster of a peered mesh: its own primary datacenter, Connect CA and trust domain, and no
 * WAN gossip with the other clusters. Clusters reach each other only through cluster peering ({@link Peering}).
 * A mesh without clusters is one WAN-federated cluster, as before.
 */
import { MeshConstruct } from './internal/base.ts';
import type { Mesh } from './mesh.ts';

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Properties for {@link Cluster}. */
export interface ClusterProps {
  /** The cluster's Connect CA cluster ID (a UUID): its trust domain is `<clusterId>.consul`. */
  readonly clusterId: string;
}

export class Cluster extends MeshConstruct {
  readonly name: string;
  readonly clusterId: string;

  constructor(
    scope: Mesh,
    id: string,
    readonly props: ClusterProps,
  ) {
    super(scope, id);
    this.name = id;
    this.checkName('name', id);
    if (typeof props?.clusterId !== 'string' || !UUID_RE.test(props.clusterId))
      this.fail('clusterId', 'must be a UUID', props?.clusterId);
    this.clusterId = props.clusterId.toLowerCase();
  }

  /** The SPIFFE trust domain, `<clusterId>.consul`. */
  get trustDomain(): string {
    return `${this.clusterId}.consul`;
  }
}
