/** A service in the mesh (its identity), and where it runs: {@link Service.deploy}. */
import type { Datacenter } from './datacenter.ts';
import { MeshConstruct } from './internal/base.ts';
import type { Mesh } from './mesh.ts';
import { ServiceInstance, type ServiceInstanceProps } from './service-instance.ts';

/** Properties for {@link Service}. */
export interface ServiceProps {
  /**
   * Consul namespace (Enterprise). OSS Consul has only `default`.
   * @default 'default'
   */
  readonly namespace?: string;
  /**
   * Admin partition (Enterprise). Non-default partitions use `internal-v1` SNI names.
   * @default 'default'
   */
  readonly partition?: string;
}

export class Service extends MeshConstruct {
  /** The Consul service name (the construct id). */
  readonly name: string;
  readonly namespace: string;
  readonly partition: string;

  constructor(scope: Mesh, id: string, props: ServiceProps = {}) {
    super(scope, id);
    this.name = id;
    this.checkName('name', id);
    this.namespace = props.namespace ?? 'default';
    this.partition = props.partition ?? 'default';
    this.checkName('namespace', this.namespace);
    this.checkName('partition', this.partition);
  }

  /** Runs this service in a datacenter: registers its instances with a sidecar proxy there. */
  deploy(datacenter: Datacenter, props: ServiceInstanceProps): ServiceInstance {
    return new ServiceInstance(this, datacenter, props);
  }
}
