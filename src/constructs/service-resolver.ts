/**
 * A `service-resolver` config entry: subsets, the default subset, redirect, per-subset failover, timeouts and load
 * balancing for one service. Checked when created with Consul's own rules (the messages are Consul's).
 */
import type {
  FailoverTarget,
  LoadBalancer,
  ResolverFailover,
  ResolverRedirect,
  ServiceResolverEntry,
} from '../model/entries.ts';
import { validateEntry } from '../model/validate-entry.ts';
import type { Cluster } from './cluster.ts';
import type { Datacenter } from './datacenter.ts';
import { canonicalDuration, MeshConstruct } from './internal/base.ts';
import type { ServiceRef } from './internal/service-ref.ts';
import type { Mesh } from './mesh.ts';

/** A failover target: any of service, subset, datacenter or peer differing from the failed target. */
export interface FailoverTargetProps {
  readonly service?: ServiceRef | string;
  readonly serviceSubset?: string;
  readonly namespace?: string;
  readonly partition?: string;
  readonly datacenter?: Datacenter | string;
  readonly peer?: string;
}

/** One failover policy: where to go when the primary target has no healthy instance. */
export interface FailoverProps {
  /** Datacenters to try, in order. Mutually exclusive with `targets` (Consul's rule). */
  readonly datacenters?: readonly (Datacenter | string)[];
  /** Explicit failover targets, in order (Consul's shape or camelCase). */
  readonly targets?: readonly (FailoverTarget | FailoverTargetProps)[];
  /** Fail over to another service. */
  readonly service?: ServiceRef | string;
  readonly serviceSubset?: string;
  readonly namespace?: string;
}

/** Where every request for the service is sent instead. */
export interface RedirectProps {
  readonly service?: ServiceRef | string;
  readonly serviceSubset?: string;
  readonly namespace?: string;
  readonly partition?: string;
  readonly datacenter?: Datacenter | string;
  readonly peer?: string;
}

/** A named subset of the service's instances. */
export interface SubsetProps {
  /** A filter over the catalog's service instances, e.g. `Service.Meta.version == v2`. */
  readonly filter?: string;
  /** Only instances whose checks all pass (warning counts as failing). */
  readonly onlyPassing?: boolean;
}

/** What hash-based balancers hash on. */
export interface HashPolicyProps {
  readonly field?: 'header' | 'cookie' | 'query_parameter';
  readonly fieldValue?: string;
  readonly cookieConfig?: { readonly session?: boolean; readonly ttl?: string; readonly path?: string };
  readonly sourceIp?: boolean;
  readonly terminal?: boolean;
}

/** The callers' load-balancing policy for this service. */
export interface LoadBalancerProps {
  readonly policy?: 'random' | 'round_robin' | 'least_request' | 'ring_hash' | 'maglev';
  readonly ringHashConfig?: { readonly minimumRingSize?: number; readonly maximumRingSize?: number };
  readonly leastRequestConfig?: { readonly choiceCount?: number };
  readonly hashPolicies?: readonly HashPolicyProps[];
}

/** Properties for {@link ServiceResolver}. */
export interface ServiceResolverProps {
  /**
   * Timeout for new connections to the service, e.g. `3s`.
   * @default - Consul's default (5s)
   */
  readonly connectTimeout?: string;
  /**
   * Timeout for an HTTP request to complete, e.g. `15s`.
   * @default - Consul's default (15s)
   */
  readonly requestTimeout?: string;
  /** Subset used when a request names none. Must be one of `subsets`. */
  readonly defaultSubset?: string;
  /** Named subsets with a filter over service instances (e.g. `Service.Meta.version == v2`). */
  readonly subsets?: Readonly<Record<string, SubsetProps>>;
  /** Failover policies keyed by subset name, or `*` for every subset. */
  readonly failover?: Readonly<Record<string, FailoverProps>>;
  /** Redirect every request for this service elsewhere (not together with `failover`). */
  readonly redirect?: RedirectProps;
  readonly loadBalancer?: LoadBalancerProps;
  /** Extra `Meta` keys. */
  readonly meta?: Readonly<Record<string, string>>;
}

const dcName = (d: Datacenter | string): string => (typeof d === 'string' ? d : d.name);
const svcName = (s: ServiceRef | string): string => (typeof s === 'string' ? s : s.name);

/** The Consul shape of a redirect or failover target, whichever spelling it was given in. */
function lowerTarget(t: FailoverTarget | FailoverTargetProps | RedirectProps): FailoverTarget {
  const c = t as FailoverTarget;
  const p = t as FailoverTargetProps;
  const service = c.Service ?? (p.service !== undefined ? svcName(p.service) : undefined);
  const subset = c.ServiceSubset ?? p.serviceSubset;
  const namespace = c.Namespace ?? p.namespace;
  const partition = c.Partition ?? p.partition;
  const dc = c.Datacenter ?? (p.datacenter !== undefined ? dcName(p.datacenter) : undefined);
  const peer = c.Peer ?? p.peer;
  return {
    ...(service ? { Service: service } : {}),
    ...(subset ? { ServiceSubset: subset } : {}),
    ...(namespace ? { Namespace: namespace } : {}),
    ...(partition ? { Partition: partition } : {}),
    ...(dc ? { Datacenter: dc } : {}),
    ...(peer ? { Peer: peer } : {}),
  };
}

function lowerLoadBalancer(lb: LoadBalancerProps): LoadBalancer {
  return {
    ...(lb.policy ? { Policy: lb.policy } : {}),
    ...(lb.ringHashConfig
      ? {
          RingHashConfig: {
            ...(lb.ringHashConfig.minimumRingSize ? { MinimumRingSize: lb.ringHashConfig.minimumRingSize } : {}),
            ...(lb.ringHashConfig.maximumRingSize ? { MaximumRingSize: lb.ringHashConfig.maximumRingSize } : {}),
          },
        }
      : {}),
    ...(lb.leastRequestConfig
      ? {
          LeastRequestConfig: {
            ...(lb.leastRequestConfig.choiceCount ? { ChoiceCount: lb.leastRequestConfig.choiceCount } : {}),
          },
        }
      : {}),
    ...(lb.hashPolicies?.length
      ? {
          HashPolicies: lb.hashPolicies.map((h) => ({
            ...(h.field ? { Field: h.field } : {}),
            ...(h.fieldValue ? { FieldValue: h.fieldValue } : {}),
            ...(h.cookieConfig
              ? {
                  CookieConfig: {
                    ...(h.cookieConfig.session ? { Session: true } : {}),
                    ...(h.cookieConfig.ttl ? { TTL: canonicalDuration(h.cookieConfig.ttl) } : {}),
                    ...(h.cookieConfig.path ? { Path: h.cookieConfig.path } : {}),
                  },
                }
              : {}),
            ...(h.sourceIp ? { SourceIP: true } : {}),
            ...(h.terminal ? { Terminal: true } : {}),
          })),
        }
      : {}),
  };
}

export class ServiceResolver extends MeshConstruct {
  readonly serviceName: string;

  constructor(
    scope: Mesh | Cluster,
    service: ServiceRef | string,
    readonly props: ServiceResolverProps,
  ) {
    const name = svcName(service);
    super(scope, `service-resolver-${name}`);
    this.serviceName = name;
    this.checkName('service', name);
    this.checkDuration('connectTimeout', props.connectTimeout);
    this.checkDuration('requestTimeout', props.requestTimeout);
    for (const [key, f] of Object.entries(props.failover ?? {}))
      for (const d of f.datacenters ?? []) this.checkName(`failover.${key}.datacenters`, dcName(d));
    for (const [i, h] of (props.loadBalancer?.hashPolicies ?? []).entries())
      this.checkDuration(`loadBalancer.hashPolicies[${i}].cookieConfig.ttl`, h.cookieConfig?.ttl);
    const refused = validateEntry(this._toEntry())[0];
    this.checkConsul(propertyOf(refused), refused, propertyValue(props, refused));
  }

  /** @internal Lowers to the Consul entry. */
  _toEntry(): ServiceResolverEntry {
    const p = this.props;
    const failover: Record<string, ResolverFailover> = {};
    for (const [key, f] of Object.entries(p.failover ?? {})) {
      failover[key] = {
        ...(f.service !== undefined ? { Service: svcName(f.service) } : {}),
        ...(f.serviceSubset ? { ServiceSubset: f.serviceSubset } : {}),
        ...(f.namespace ? { Namespace: f.namespace } : {}),
        ...(f.datacenters ? { Datacenters: f.datacenters.map(dcName) } : {}),
        ...(f.targets ? { Targets: f.targets.map(lowerTarget) } : {}),
      };
    }
    const subsets = Object.fromEntries(
      Object.entries(p.subsets ?? {}).map(([k, s]) => [
        k,
        { ...(s.filter ? { Filter: s.filter } : {}), ...(s.onlyPassing ? { OnlyPassing: true } : {}) },
      ]),
    );
    const redirect: ResolverRedirect | undefined = p.redirect ? lowerTarget(p.redirect) : undefined;
    return {
      Kind: 'service-resolver',
      Name: this.serviceName,
      ...(p.connectTimeout ? { ConnectTimeout: canonicalDuration(p.connectTimeout) } : {}),
      ...(p.requestTimeout ? { RequestTimeout: canonicalDuration(p.requestTimeout) } : {}),
      ...(p.defaultSubset ? { DefaultSubset: p.defaultSubset } : {}),
      ...(Object.keys(subsets).length ? { Subsets: subsets } : {}),
      ...(Object.keys(failover).length ? { Failover: failover } : {}),
      ...(redirect ? { Redirect: redirect } : {}),
      ...(p.loadBalancer ? { LoadBalancer: lowerLoadBalancer(p.loadBalancer) } : {}),
      ...(p.meta ? { Meta: { ...p.meta } } : {}),
    };
  }
}

/** The construct property a Consul resolver message is about (for the error's `property`). */
function propertyOf(message: string | undefined): string {
  if (message === undefined) return '';
  if (message.startsWith('Subset') || message.startsWith('Filter')) return 'subsets';
  if (message.startsWith('DefaultSubset')) return 'defaultSubset';
  if (message.startsWith('Redirect and Failover')) return 'redirect';
  if (message.startsWith('Redirect')) return 'redirect';
  if (message.startsWith('Bad Failover')) return 'failover';
  if (message.startsWith('Bad ConnectTimeout')) return 'connectTimeout';
  if (message.startsWith('Bad RequestTimeout')) return 'requestTimeout';
  if (message.startsWith('Bad LoadBalancer')) return 'loadBalancer';
  if (message.startsWith('Meta')) return 'meta';
  return 'props';
}

function propertyValue(props: ServiceResolverProps, message: string | undefined): unknown {
  const key = propertyOf(message);
  return key === 'props' ? props : (props as unknown as Record<string, unknown>)[key];
}
