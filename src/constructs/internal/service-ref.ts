/**
 * What another construct needs to know of a service to refer to it: its Consul identity. `Service` satisfies it;
 * constructs below `Service` (instances, upstreams) name it through this interface, so no construct module imports
 * one that imports it back.
 */
import type { MeshConstruct } from './base.ts';

export interface ServiceRef {
  readonly name: string;
  readonly namespace: string;
  readonly partition: string;
}

/** The `Service` construct as the scope of its instances: a construct that is also a service identity. */
export type ServiceScope = MeshConstruct & ServiceRef;
