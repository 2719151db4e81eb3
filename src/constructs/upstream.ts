/** An upstream of a sidecar proxy: a local port that forwards to a destination service. */
import type { GatewayMode } from '../model/types.ts';
import type { Datacenter } from './datacenter.ts';
import { MeshConstruct } from './internal/base.ts';
import type { ServiceRef } from './internal/service-ref.ts';

/** Properties for {@link Upstream}. */
export interface UpstreamProps {
  /** Local port the sidecar listens on for this upstream. */
  readonly localBindPort: number;
  /**
   * Local address the sidecar binds.
   * @default '127.0.0.1'
   */
  readonly localBindAddress?: string;
  /**
   * Datacenter to reach.
   * @default - the caller's datacenter; the destination's service-resolver may still fail over elsewhere
   */
  readonly datacenter?: Datacenter | string;
  /**
   * Mesh-gateway mode for this upstream only (highest precedence).
   * @default - inherited
   */
  readonly meshGateway?: GatewayMode;
  /**
   * A cluster peer (this cluster's name for it): the upstream is the service that peer exports to this cluster
   * (`destination_peer`). Mutually exclusive with `datacenter`.
   */
  readonly peer?: string;
  /** Opaque upstream `config` passed to the proxy (e.g. `{ connect_timeout_ms: 5000 }`). */
  readonly config?: Readonly<Record<string, unknown>>;
}

export class Upstream extends MeshConstruct {
  readonly destinationName: string;
  readonly destinationNamespace: string;
  readonly destinationPartition: string;
  readonly datacenterName: string | undefined;

  constructor(
    readonly instance: MeshConstruct,
    id: string,
    destination: ServiceRef | string,
    readonly props: UpstreamProps,
  ) {
    super(instance, id);
    this.destinationName = typeof destination === 'string' ? destination : destination.name;
    this.destinationNamespace = typeof destination === 'string' ? 'default' : destination.namespace;
    this.destinationPartition = typeof destination === 'string' ? 'default' : destination.partition;
    this.datacenterName = typeof props.datacenter === 'string' ? props.datacenter : props.datacenter?.name;
    this.checkName('destination', this.destinationName);
    if (this.datacenterName !== undefined) this.checkName('datacenter', this.datacenterName);
    if (props.peer !== undefined) {
      this.checkName('peer', props.peer);
      if (this.datacenterName !== undefined) this.fail('peer', 'cannot be set with datacenter', props.peer);
    }
    this.checkPort('localBindPort', props.localBindPort);
    this.checkMode('meshGateway', props.meshGateway);
  }
}
