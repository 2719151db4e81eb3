/**
 * SNI names and discovery-chain target IDs, exactly as Consul builds them.
 *
 * Mirrors `agent/connect/sni.go` (`ServiceSNI`, `DatacenterSNI`, `QuerySNI`, `PeeredServiceSNI`) and
 * `agent/structs/discovery_chain.go` (`chainID`). A mesh gateway routes on these names: `<dc>.internal.<td>` and
 * anything ending in `.<dc>.internal.<td>` go to that datacenter's gateways, exact service names to local services.
 */
import { flat } from '../model/flat-string.ts';
import { orDefault } from './service-map.ts';

const INTERNAL = 'internal';
/** Names in a non-default admin partition use the versioned label (`internalVersion` in sni.go). */
const INTERNAL_VERSION = 'internal-v1';

/** What a service SNI (or target ID) is made of. Empty namespace/partition mean `default`. */
export interface ServiceSniParts {
  readonly service: string;
  readonly subset?: string;
  readonly namespace?: string;
  readonly partition?: string;
  readonly datacenter: string;
}

/**
 * The SNI of a service (optionally a subset) in a datacenter: `[<subset>.]<svc>.<ns>.<dc>.internal.<td>` in the
 * default partition, `[<subset>.]<svc>.<ns>.<partition>.<dc>.internal-v1.<td>` in any other.
 *
 * Mirrors `connect.ServiceSNI`.
 */
export function serviceSni(p: ServiceSniParts, trustDomain: string): string {
  const namespace = orDefault(p.namespace);
  const partition = orDefault(p.partition);
  const subset = p.subset ? `${p.subset}.` : '';
  if (partition === 'default') return `${subset}${p.service}.${namespace}.${p.datacenter}.${INTERNAL}.${trustDomain}`;
  return `${subset}${p.service}.${namespace}.${partition}.${p.datacenter}.${INTERNAL_VERSION}.${trustDomain}`;
}

/** The datacenter-level SNI a mesh gateway matches for a whole remote datacenter: `<dc>.internal.<td>` (`connect.DatacenterSNI`). */
export function datacenterSni(datacenter: string, trustDomain: string): string {
  return `${datacenter}.${INTERNAL}.${trustDomain}`;
}

/** SNI of a prepared query: `<svc>.default.<dc>.query.<td>` (`connect.QuerySNI`). */
export function querySni(service: string, datacenter: string, trustDomain: string): string {
  return `${service}.default.${datacenter}.query.${trustDomain}`;
}

/** SNI of a service imported from a cluster peer: `<svc>.<ns>.<partition>.<peer>.external.<peer td>` (`connect.PeeredServiceSNI`). */
export function peeredServiceSni(
  service: string,
  namespace: string,
  partition: string,
  peer: string,
  peerTrustDomain: string,
): string {
  return [service, orDefault(namespace), orDefault(partition), peer, 'external', peerTrustDomain].join('.');
}

/**
 * The ID of a discovery-chain target: `<svc>.<ns>.<partition>.<dc>`, with `<subset>.` in front for a subset, or
 * `<svc>.<ns>.default.external.<peer>` for a peer. Node keys are `resolver:<target ID>`.
 *
 * Mirrors `structs.chainID`. Namespace and partition are used as given (the compiler has filled them in).
 */
export function targetId(p: {
  readonly service: string;
  readonly subset?: string;
  readonly namespace: string;
  readonly partition: string;
  readonly datacenter: string;
  readonly peer?: string;
}): string {
  if (p.peer) return flat(`${p.service}.${p.namespace}.default.external.${p.peer}`);
  if (!p.subset) return flat(`${p.service}.${p.namespace}.${p.partition}.${p.datacenter}`);
  return flat(`${p.subset}.${p.service}.${p.namespace}.${p.partition}.${p.datacenter}`);
}

/** What an SNI name means, when it is one of Consul's internal names under the given trust domain. */
export type ParsedSni =
  | {
      readonly kind: 'service';
      readonly service: string;
      readonly subset?: string;
      readonly namespace: string;
      readonly partition: string;
      readonly datacenter: string;
    }
  | { readonly kind: 'datacenter'; readonly datacenter: string }
  | { readonly kind: 'query'; readonly service: string; readonly datacenter: string };

/**
 * Parses an SNI name built by {@link serviceSni}, {@link datacenterSni} or {@link querySni} under `trustDomain`.
 *
 * Matching is exact and case-sensitive on the trust-domain suffix (callers lower-case first if they need to);
 * returns undefined for anything else, including empty labels. `parseSni(serviceSni(x, td), td)` gives `x` back
 * with namespace and partition filled in.
 */
export function parseSni(sni: string, trustDomain: string): ParsedSni | undefined {
  const suffix = `.${trustDomain}`;
  if (trustDomain === '' || !sni.endsWith(suffix)) return undefined;
  const labels = sni.slice(0, -suffix.length).split('.');
  if (labels.some((l) => l === '')) return undefined;
  const kind = labels.pop();
  if (kind === INTERNAL) {
    if (labels.length === 1) return { kind: 'datacenter', datacenter: labels[0]! };
    if (labels.length === 3 || labels.length === 4) {
      const [datacenter, namespace, service, subset] = [...labels].reverse() as [string, string, string, string?];
      if (namespace === undefined || service === undefined) return undefined;
      return {
        kind: 'service',
        service,
        ...(subset !== undefined ? { subset } : {}),
        namespace,
        partition: 'default',
        datacenter,
      };
    }
    return undefined;
  }
  if (kind === INTERNAL_VERSION) {
    if (labels.length !== 4 && labels.length !== 5) return undefined;
    const [datacenter, partition, namespace, service, subset] = [...labels].reverse() as [
      string,
      string,
      string,
      string,
      string?,
    ];
    // ServiceSNI never writes the versioned form for the default partition.
    if (partition === 'default') return undefined;
    return { kind: 'service', service, ...(subset !== undefined ? { subset } : {}), namespace, partition, datacenter };
  }
  if (kind === 'query' && labels.length === 3 && labels[1] === 'default') {
    return { kind: 'query', service: labels[0]!, datacenter: labels[2]! };
  }
  return undefined;
}
