/** A `service-resolver` config entry: connect timeout, subsets, redirect and failover for one service. */
import type { FailoverTarget, ResolverFailover, ServiceResolverEntry } from '../model/entries.ts';
import type { Cluster } from './cluster.ts';
import type { Datacenter } from './datacenter.ts';
import { MeshConstruct } from './internal/base.ts';
import type { Mesh } from './mesh.ts';
import type { Service } from './service.ts';

/** One failover policy: where to go when the primary target has no healthy instance. */
export interface FailoverProps {
  /** Datacenters to try, in order. Mutually exclusive with `targets` (Consul's rule). */
  readonly datacenters?: readonly (Datacenter | string)[];
  /** Explicit failover targets, in order. */
  readonly targets?: readonly FailoverTarget[];
  /** Fail over to another service. */
  readonly service?: string;
  readonly serviceSubset?: string;
}

/** Properties for {@link ServiceResolver}. */
export interface ServiceResolverProps {
  /**
   * Timeout for new connections to the service, e.g. `3s`.
   * @default - Consul's default (5s)
   */
  readonly connectTimeout?: string;
  /** Subset used when a request names none. */
  readonly defaultSubset?: string;
  /** Named subsets with a filter over service instances (e.g. `Service.Meta.version == v2`). */
  readonly subsets?: Readonly<Record<string, { readonly filter?: string; readonly onlyPassing?: boolean }>>;
  /** Failover policies keyed by subset name, or `*` for every subset. */
  readonly failover?: Readonly<Record<string, FailoverProps>>;
  /** Redirect every request for this service elsewhere. */
  readonly redirect?: {
    readonly service?: string;
    readonly serviceSubset?: string;
    readonly datacenter?: Datacenter | string;
    /** A cluster peer (this cluster's name for it): the service as that peer exports it. */
    readonly peer?: string;
  };
  /** Extra `Meta` keys. */
  readonly meta?: Readonly<Record<string, string>>;
}

const dcName = (d: Datacenter | string): string => (typeof d === 'string' ? d : d.name);

export class ServiceResolver extends MeshConstruct {
  readonly serviceName: string;

  constructor(
    scope: Mesh | Cluster,
    service: Service | string,
    readonly props: ServiceResolverProps,
  ) {
    const name = typeof service === 'string' ? service : service.name;
    super(scope, `service-resolver-${name}`);
    this.serviceName = name;
    this.checkName('service', name);
    this.checkDuration('connectTimeout', props.connectTimeout);
    for (const [key, f] of Object.entries(props.failover ?? {}))
      for (const d of f.datacenters ?? []) this.checkName(`failover.${key}.datacenters`, dcName(d));
  }

  /** @internal Lowers to the Consul entry. */
  _toEntry(): ServiceResolverEntry {
    const p = this.props;
    const failover: Record<string, ResolverFailover> = {};
    for (const [key, f] of Object.entries(p.failover ?? {})) {
      failover[key] = {
        ...(f.service ? { Service: f.service } : {}),
        ...(f.serviceSubset ? { ServiceSubset: f.serviceSubset } : {}),
        ...(f.datacenters ? { Datacenters: f.datacenters.map(dcName) } : {}),
        ...(f.targets ? { Targets: f.targets.map((t) => ({ ...t })) } : {}),
      };
    }
    const subsets = Object.fromEntries(
      Object.entries(p.subsets ?? {}).map(([k, s]) => [
        k,
        { ...(s.filter ? { Filter: s.filter } : {}), ...(s.onlyPassing ? { OnlyPassing: true } : {}) },
      ]),
    );
    const r = p.redirect;
    return {
      Kind: 'service-resolver',
      Name: this.serviceName,
      ...(p.connectTimeout ? { ConnectTimeout: p.connectTimeout } : {}),
      ...(p.defaultSubset ? { DefaultSubset: p.defaultSubset } : {}),
      ...(Object.keys(subsets).length ? { Subsets: subsets } : {}),
      ...(Object.keys(failover).length ? { Failover: failover } : {}),
      ...(r
        ? {
            Redirect: {
              ...(r.service ? { Service: r.service } : {}),
              ...(r.serviceSubset ? { ServiceSubset: r.serviceSubset } : {}),
              ...(r.datacenter ? { Datacenter: dcName(r.datacenter) } : {}),
              ...(r.peer ? { Peer: r.peer } : {}),
            },
          }
        : {}),
      ...(p.meta ? { Meta: { ...p.meta } } : {}),
    };
  }
}
