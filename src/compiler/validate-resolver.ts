/**
 * The checks Consul runs on a service-resolver before it accepts the write, with Consul's messages.
 *
 * Mirrors `agent/structs/config_entry_discoverychain.go` `ServiceResolverConfigEntry.Validate` (the parts that do
 * not need Consul's expression parser: subset names and filters and load-balancer policies are left to Consul),
 * plus the Community Edition's `ValidateEnterprise` checks (`config_entry_discoverychain_ce.go`: Namespace and
 * Partition in redirects and failover need Consul Enterprise). Consul walks `Failover` as a Go map (random order); meshcc walks the
 * keys sorted so the same entry always reports the same first error.
 */
import type { ServiceResolverEntry } from '../model/entries.ts';
import { formatGoDuration, parseGoDuration } from './duration.ts';

function isPartitionDefault(p: string | undefined): boolean {
  return p === undefined || p === '' || p === 'default';
}

function validateRedirect(e: ServiceResolverEntry, isSubset: (s: string) => boolean): string | undefined {
  const r = e.Redirect;
  if (!r) return undefined;
  if (!isPartitionDefault(e.Partition) && r.Datacenter) {
    return 'Cross-datacenter redirect is only supported in the default partition';
  }
  if ((r.Partition || 'default') !== (e.Partition || 'default') && r.Datacenter) {
    return 'Cross-datacenter and cross-partition redirect is not supported';
  }
  const ent = r.Partition
    ? 'Setting Partition requires Consul Enterprise'
    : r.Namespace
      ? 'Setting Namespace requires Consul Enterprise'
      : undefined;
  if (ent) return `Redirect: ${ent}`;
  if (Object.keys(e.Failover ?? {}).length > 0) return 'Redirect and Failover cannot both be set';
  if (!r.Service && !r.ServiceSubset && !r.Namespace && !r.Partition && !r.Datacenter && !r.Peer) {
    return 'Redirect is empty';
  }
  if (r.Peer && r.ServiceSubset) return 'Redirect.Peer cannot be set with Redirect.ServiceSubset';
  if (r.Peer && r.Partition) return 'Redirect.Partition cannot be set with Redirect.Peer';
  if (r.Peer && r.Datacenter) return 'Redirect.Peer cannot be set with Redirect.Datacenter';
  if (!r.Service) {
    if (r.ServiceSubset) return 'Redirect.ServiceSubset defined without Redirect.Service';
    if (r.Namespace) return 'Redirect.Namespace defined without Redirect.Service';
    if (r.Partition) return 'Redirect.Partition defined without Redirect.Service';
    if (r.Peer) return 'Redirect.Peer defined without Redirect.Service';
  } else if (r.ServiceSubset && r.Service === e.Name && !isSubset(r.ServiceSubset)) {
    return `Redirect.ServiceSubset "${r.ServiceSubset}" is not a valid subset of "${e.Name}"`;
  }
  return undefined;
}

function validateFailover(e: ServiceResolverEntry, isSubset: (s: string) => boolean): string | undefined {
  const failovers = e.Failover ?? {};
  for (const subset of Object.keys(failovers).sort()) {
    const f = failovers[subset]!;
    const targets = f.Targets ?? [];
    const dcs = f.Datacenters ?? [];
    if (!isPartitionDefault(e.Partition) && dcs.length !== 0) {
      return 'Cross-datacenter failover is only supported in the default partition';
    }
    const prefix = `Bad Failover["${subset}"]: `;
    if (f.Namespace) return `${prefix}Setting Namespace requires Consul Enterprise`;
    if (subset !== '*' && !isSubset(subset)) return `${prefix}not a valid subset subset`;
    if (!f.Service && !f.ServiceSubset && !f.Namespace && dcs.length === 0 && targets.length === 0) {
      return `${prefix}one of Service, ServiceSubset, Namespace, Targets, or Datacenters is required`;
    }
    if (f.ServiceSubset && (!f.Service || f.Service === e.Name) && !isSubset(f.ServiceSubset)) {
      return `${prefix}ServiceSubset "${f.ServiceSubset}" is not a valid subset of "${f.Service ?? ''}"`;
    }
    if (dcs.length !== 0 && targets.length !== 0) return `${prefix}Targets cannot be set with Datacenters`;
    if (f.ServiceSubset && targets.length !== 0) return `${prefix}Targets cannot be set with ServiceSubset`;
    if (f.Service && targets.length !== 0) return `${prefix}Targets cannot be set with Service`;
    for (const [i, t] of targets.entries()) {
      const tp = `Bad Failover["${subset}"].Targets[${i}]: `;
      if (t.Partition) return `${tp}Setting Partition requires Consul Enterprise`;
      if (t.Namespace) return `${tp}Setting Namespace requires Consul Enterprise`;
      if (t.Peer && t.ServiceSubset) return `${tp}Peer cannot be set with ServiceSubset`;
      if (t.Peer && t.Partition) return `${tp}Partition cannot be set with Peer`;
      if (t.Peer && t.Datacenter) return `${tp}Peer cannot be set with Datacenter`;
      if (t.Partition && t.Datacenter) return `${tp}Partition cannot be set with Datacenter`;
      if (t.ServiceSubset && (!t.Service || t.Service === e.Name) && !isSubset(t.ServiceSubset)) {
        return `${tp}ServiceSubset "${t.ServiceSubset}" is not a valid subset of "${e.Name}"`;
      }
    }
    if (dcs.some((dc) => dc === '')) return `Bad Failover["${subset}"].Datacenters: found empty datacenter`;
  }
  return undefined;
}

/** Consul's first complaint about this resolver, or undefined when Consul would accept it. */
export function validateResolver(e: ServiceResolverEntry): string | undefined {
  if (!e.Name) return 'Name is required';
  const subsets = e.Subsets ?? {};
  for (const name of Object.keys(subsets).sort()) {
    if (name === '') return 'Subset defined with empty name';
  }
  const isSubset = (s: string) => Object.hasOwn(subsets, s);
  if (e.DefaultSubset && !isSubset(e.DefaultSubset)) return `DefaultSubset "${e.DefaultSubset}" is not a valid subset`;
  const problem = validateRedirect(e, isSubset) ?? validateFailover(e, isSubset);
  if (problem) return problem;
  for (const field of ['ConnectTimeout', 'RequestTimeout'] as const) {
    const v = e[field];
    const ns = v ? parseGoDuration(v) : 0;
    if (ns !== undefined && ns < 0) return `Bad ${field} '${formatGoDuration(ns)}', must be >= 0`;
  }
  return undefined;
}
