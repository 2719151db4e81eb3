/**
 * What a chain compile reads of a service-resolver entry besides its redirect, subsets and failover: its timeouts,
 * whether it is a default resolver, its `LoadBalancer` JSON, and what an external service may not define. Pure
 * functions of the (read-only) entry, so `ChainMemo` computes them once per entry per compile instead of once per
 * resolver node (a resolver with subsets makes a node per subset, in every chain that reads it; a service without a
 * resolver shares `NO_RESOLVER`'s).
 */
import type { ServiceResolverEntry } from '../model/entries.ts';
import { parseGoDuration } from './duration.ts';
import { loadBalancerJson } from './passes/l7-definitions.ts';

export interface ResolverFacts {
  readonly entry: ServiceResolverEntry;
  /** Consul's message for the entry's first `Validate()` problem, as the caller found it (undefined: none). */
  readonly problem: string | undefined;
  /** `durationNs(ConnectTimeout)`: 0 when unset or unparsable. */
  readonly connectTimeoutNs: number;
  readonly requestTimeoutNs: number;
  /** `ServiceResolverConfigEntry.IsDefault`. */
  readonly isDefault: boolean;
  /** The `LoadBalancer` as the chain prints it (`loadBalancerJson`), when the entry has one. */
  readonly loadBalancer: Readonly<Record<string, unknown>> | undefined;
  /** What an external service's resolver may not define and this one does (Consul's word for it), else undefined. */
  readonly externalConflict: 'redirects' | 'subsets' | 'failover' | undefined;
}

/** A Go duration in nanoseconds; 0 when unset, empty or unparsable. */
export function durationNs(v: string | undefined): number {
  if (v === undefined || v === '') return 0;
  return parseGoDuration(v) ?? 0;
}

/** Whether an object (a `Subsets` or `Failover` map) has any own key; undefined has none. */
export function hasKeys(o: object | undefined): boolean {
  if (o === undefined) return false;
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

/**
 * The facts of a resolver entry (see the module comment), with its `problem` as given. An entry with a problem fails
 * every chain that reads it before any fact is read, so none is computed for it (nothing is read of such an entry:
 * as when each node read it, after its validation).
 */
export function resolverFacts(r: ServiceResolverEntry, problem: string | undefined): ResolverFacts {
  if (problem !== undefined) {
    return {
      entry: r,
      problem,
      connectTimeoutNs: 0,
      requestTimeoutNs: 0,
      isDefault: false,
      loadBalancer: undefined,
      externalConflict: undefined,
    };
  }
  const raw = r as unknown as Record<string, unknown>;
  const lb = raw.LoadBalancer as Readonly<Record<string, unknown>> | undefined;
  const connectTimeoutNs = durationNs(r.ConnectTimeout);
  const requestTimeoutNs = durationNs(r.RequestTimeout);
  const subsets = hasKeys(r.Subsets);
  const failover = hasKeys(r.Failover);
  return {
    entry: r,
    problem,
    connectTimeoutNs,
    requestTimeoutNs,
    isDefault:
      !r.DefaultSubset &&
      !subsets &&
      r.Redirect === undefined &&
      !failover &&
      connectTimeoutNs === 0 &&
      requestTimeoutNs === 0 &&
      lb === undefined &&
      raw.PrioritizeByLocality === undefined,
    loadBalancer: lb !== undefined ? loadBalancerJson(lb) : undefined,
    externalConflict: r.Redirect ? 'redirects' : subsets ? 'subsets' : failover ? 'failover' : undefined,
  };
}
