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
  /**
   * Service meta of these instances (`Service.Meta` in a resolver subset's filter), e.g. `{ version: 'v2' }`.
   * @default - none (meshcc adds its `managed-by` key to VM registrations)
   */
  readonly meta?: Readonly<Record<string, string>>;
  /**
   * Names a further group of instances of the service in the same datacenter (e.g. a canary running another
   * version, with other `meta`). The construct id becomes `<datacenter>-<group>`.
   * @default - the service's only group in that datacenter
   */
  readonly group?: string;
}

export class ServiceInstance extends MeshConstruct {
  constructor(
    readonly service: ServiceScope,
    readonly datacenter: Datacenter,
    readonly props: ServiceInstanceProps,
  ) {
    super(service, props.group ? `${datacenter.name}-${props.group}` : datacenter.name);
    if (props.group !== undefined) this.checkName('group', props.group);
    for (const k of Object.keys(props.meta ?? {}))
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(k))
        this.fail(`meta.${k}`, 'must be a meta key of letters, digits, - and _', k);
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
