/** The instances of a service in one datacenter, with their sidecar proxy's upstreams. */
import type { GatewayMode } from '../model/types.ts';
import type { Datacenter } from './datacenter.ts';
import { MeshConstruct } from './internal/base.ts';
import type { ServiceRef, ServiceScope } from './internal/service-ref.ts';
import { Upstream, type UpstreamProps } from './upstream.ts';

/** Properties for {@link ServiceInstance}. */
export interface ServiceInstanceProps {
  /** Port the service listens on. */
  readonly port: number;
  /**
   * Address of the instance (VMs). Kubernetes pods get theirs from the cluster.
   * @default - none (pod IP)
   */
  readonly address?: string;
  /**
   * Number of instances.
   * @default 1
   */
  readonly count?: number;
  /**
   * Instance-level mesh-gateway mode: the sidecar registration's `proxy.mesh_gateway.mode`.
   * @default - inherited (see the precedence ladder in `meshcc explain`)
   */
  readonly meshGateway?: GatewayMode;
  /** Service tags. */
  readonly tags?: readonly string[];
}

export class ServiceInstance extends MeshConstruct {
  constructor(
    readonly service: ServiceScope,
    readonly datacenter: Datacenter,
    readonly props: ServiceInstanceProps,
  ) {
    super(service, datacenter.name);
    this.checkPort('port', props.port);
    this.checkPositiveInt('count', props.count);
    this.checkMode('meshGateway', props.meshGateway);
  }

  /**
   * Adds an upstream to this instance's sidecar: the sidecar listens on `localBindPort` and forwards to the
   * destination service.
   */
  addUpstream(destination: ServiceRef | string, props: UpstreamProps): Upstream {
    const name = typeof destination === 'string' ? destination : destination.name;
    let id = props.datacenter
      ? `${name}.${typeof props.datacenter === 'string' ? props.datacenter : props.datacenter.name}`
      : props.peer
        ? `${name}.peer-${props.peer}`
        : name;
    // Two upstreams to the same destination are legal constructs; validation reports them (duplicate upstream).
    for (let n = 2; this.node.tryFindChild(id); n++) id = `${name}-${n}`;
    return new Upstream(this, id, destination, props);
  }

  /** The upstreams declared on this instance, in declaration order. */
  get upstreams(): Upstream[] {
    return this.node.children.filter((c): c is Upstream => c instanceof Upstream);
  }
}
