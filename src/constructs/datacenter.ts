/** A Consul datacenter in the mesh. */
import type { KubernetesSettings, Platform } from '../model/types.ts';
import type { Cluster } from './cluster.ts';
import { MeshConstruct } from './internal/base.ts';
import type { Mesh } from './mesh.ts';

/** Properties for {@link Datacenter}. */
export interface DatacenterProps {
  /**
   * Whether this is the primary datacenter: it holds the Connect root CA and receives every config-entry write.
   * Exactly one datacenter must be primary.
   * @default false
   */
  readonly primary?: boolean;
  /** Where the datacenter runs: Kubernetes (Helm, consul-k8s) or VMs (agent configs). */
  readonly platform: Platform;
  /**
   * Network name. Datacenters that share a network reach each other's services directly; otherwise only through
   * mesh gateways.
   * @default - the datacenter's own name (reachable only through gateways)
   */
  readonly network?: string;
  /**
   * Whether Connect is enabled on this datacenter's servers.
   * @default true
   */
  readonly connectEnabled?: boolean;
  /**
   * The primary datacenter this datacenter's servers are configured with. Only set it to model a misconfiguration.
   * @default - the mesh's primary datacenter
   */
  readonly primaryDatacenter?: string;
  /**
   * Number of Consul servers.
   * @default 3 on Kubernetes, 3 on VMs
   */
  readonly servers?: number;
  /**
   * TLS for Consul agents. WAN federation through mesh gateways on Kubernetes requires it.
   * @default true
   */
  readonly tls?: boolean;
  /** Kubernetes settings (Helm values). Only for `platform: 'kubernetes'`. */
  readonly kubernetes?: Partial<KubernetesSettings>;
}

export class Datacenter extends MeshConstruct {
  readonly name: string;

  constructor(
    scope: Mesh | Cluster,
    id: string,
    readonly props: DatacenterProps,
  ) {
    super(scope, id);
    this.name = id;
    this.checkName('name', id);
    if (props.platform !== 'kubernetes' && props.platform !== 'vm')
      this.fail('platform', "must be 'kubernetes' or 'vm'", props.platform);
    this.checkPositiveInt('servers', props.servers);
    if (props.kubernetes && props.platform !== 'kubernetes')
      this.fail('kubernetes', "is only valid with platform 'kubernetes'", props.platform);
  }
}
