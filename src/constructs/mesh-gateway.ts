/** A mesh gateway in a datacenter: routes mTLS traffic between datacenters by SNI. */
import type { GatewayMode, WanAddressSource } from '../model/types.ts';
import type { Datacenter } from './datacenter.ts';
import { MeshConstruct } from './internal/base.ts';

export type { GatewayMode };

/** An address and port. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** Properties for {@link MeshGateway}. */
export interface MeshGatewayProps {
  /** Address and port for traffic from inside the datacenter. */
  readonly lan: Endpoint;
  /**
   * Address and port other datacenters dial. Without it, the gateway cannot receive WAN traffic.
   * @default - none
   */
  readonly wan?: Endpoint;
  /**
   * Kubernetes: how the chart derives the WAN address (`meshGateway.wanAddress.source`).
   * @default 'Service'
   */
  readonly wanAddressSource?: WanAddressSource;
  /**
   * Number of gateway instances.
   * @default 1
   */
  readonly instances?: number;
  /**
   * Kubernetes Service type.
   * @default 'LoadBalancer'
   */
  readonly serviceType?: 'LoadBalancer' | 'NodePort' | 'ClusterIP';
  /** NodePort, required with serviceType NodePort and wanAddressSource Service. */
  readonly nodePort?: number;
  /**
   * The data plane: Consul's Envoy gateway, or meshcc's bundled SNI gateway.
   * @default 'envoy'
   */
  readonly implementation?: 'envoy' | 'meshcc';
  /**
   * Loopback admin port of the bundled gateway.
   * @default 19100
   */
  readonly adminPort?: number;
}

export class MeshGateway extends MeshConstruct {
  /** The Consul service name of the gateway (the construct id). */
  readonly name: string;

  constructor(
    readonly datacenter: Datacenter,
    id: string,
    readonly props: MeshGatewayProps,
  ) {
    super(datacenter, id);
    this.name = id;
    this.checkName('name', id);
    if (!props.lan?.address) this.fail('lan.address', 'must be a non-empty address', props.lan?.address);
    this.checkPort('lan.port', props.lan.port);
    if (props.wan) {
      if (!props.wan.address && props.wanAddressSource !== 'Service')
        this.fail('wan.address', 'must be a non-empty address', props.wan.address);
      this.checkPort('wan.port', props.wan.port);
    }
    this.checkPositiveInt('instances', props.instances);
    this.checkPort('nodePort', props.nodePort);
    this.checkPort('adminPort', props.adminPort);
  }
}
