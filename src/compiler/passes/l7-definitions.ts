/**
 * The `Definition` of chain routes and splits, as Consul's `/v1/discovery-chain` prints them: the entry's
 * `structs.ServiceRoute` / `structs.ServiceSplit` after `Normalize()` (methods upper-cased, split weights rounded to
 * 0.01), marshalled with `omitempty` everywhere, route durations as Go duration strings (`ServiceRouteDestination.
 * MarshalJSON`). Also `ServiceSplit.MergeParent` / `MergeHTTPHeaderModifiers`, used when nested splitters are
 * flattened. Pure functions over plain data; every object and array built here is frozen as it is built (chains
 * share them), not by a generic walk afterwards.
 */
import type {
  HTTPHeaderModifiers,
  RouteDestination,
  RouteHTTPMatch,
  ServiceRoute,
  ServiceRouterEntry,
  ServiceSplit,
  ServiceSplitterEntry,
} from '../../model/entries.ts';
import { float32Json, normalizeSplitWeight } from '../../model/split-weight.ts';
import { formatGoDuration, parseGoDuration } from '../duration.ts';
import { perObject } from '../per-object.ts';
import { orDefault } from '../service-map.ts';

type Json = Record<string, unknown>;

const nonEmpty = (a: readonly unknown[] | undefined): boolean => a !== undefined && a.length > 0;
const hasKeys = (o: object | undefined): boolean => o !== undefined && Object.keys(o).length > 0;

/** `HTTPHeaderModifiers.IsZero`. */
export function headersZero(h: HTTPHeaderModifiers | undefined): boolean {
  return h === undefined || (!hasKeys(h.Add) && !hasKeys(h.Set) && !nonEmpty(h.Remove));
}

const freeze = Object.freeze;

/** A header-modifier block as Consul prints it (`{}` when present but empty). */
function headersJson(h: HTTPHeaderModifiers): Json {
  const out: Json = {};
  if (hasKeys(h.Add)) out.Add = freeze({ ...h.Add });
  if (hasKeys(h.Set)) out.Set = freeze({ ...h.Set });
  if (nonEmpty(h.Remove)) out.Remove = freeze([...(h.Remove ?? [])]);
  return freeze(out);
}

function httpMatchJson(m: RouteHTTPMatch): Json {
  const out: Json = {};
  if (m.PathExact) out.PathExact = m.PathExact;
  if (m.PathPrefix) out.PathPrefix = m.PathPrefix;
  if (m.PathRegex) out.PathRegex = m.PathRegex;
  if (m.CaseInsensitive) out.CaseInsensitive = true;
  if (nonEmpty(m.Header)) {
    out.Header = freeze(
      (m.Header ?? []).map((h) => {
        const o: Json = { Name: h.Name ?? '' };
        if (h.Present) o.Present = true;
        if (h.Exact) o.Exact = h.Exact;
        if (h.Prefix) o.Prefix = h.Prefix;
        if (h.Suffix) o.Suffix = h.Suffix;
        if (h.Regex) o.Regex = h.Regex;
        if (h.Invert) o.Invert = true;
        return freeze(o);
      }),
    );
  }
  if (nonEmpty(m.QueryParam)) {
    out.QueryParam = freeze(
      (m.QueryParam ?? []).map((p) => {
        const o: Json = { Name: p.Name ?? '' };
        if (p.Present) o.Present = true;
        if (p.Exact) o.Exact = p.Exact;
        if (p.Regex) o.Regex = p.Regex;
        return freeze(o);
      }),
    );
  }
  if (nonEmpty(m.Methods)) out.Methods = freeze((m.Methods ?? []).map((x) => String(x).toUpperCase()));
  return freeze(out);
}

function durationText(d: string | undefined): string | undefined {
  if (d === undefined || d === '') return undefined;
  const ns = parseGoDuration(d);
  return ns === undefined || ns === 0 ? undefined : formatGoDuration(ns);
}

function destinationJson(d: RouteDestination): Json {
  // ServiceRouteDestination.MarshalJSON: the two durations first, then the struct's fields in order.
  const out: Json = {};
  const request = durationText(d.RequestTimeout);
  if (request) out.RequestTimeout = request;
  const idle = durationText(d.IdleTimeout);
  if (idle) out.IdleTimeout = idle;
  if (d.Service) out.Service = d.Service;
  if (d.ServiceSubset) out.ServiceSubset = d.ServiceSubset;
  if (d.Namespace) out.Namespace = d.Namespace;
  if (d.Partition) out.Partition = d.Partition;
  if (d.PrefixRewrite) out.PrefixRewrite = d.PrefixRewrite;
  if (d.NumRetries) out.NumRetries = Number(d.NumRetries);
  if (d.RetryOnConnectFailure) out.RetryOnConnectFailure = true;
  if (nonEmpty(d.RetryOn)) out.RetryOn = freeze([...(d.RetryOn ?? [])]);
  if (nonEmpty(d.RetryOnStatusCodes)) out.RetryOnStatusCodes = freeze((d.RetryOnStatusCodes ?? []).map(Number));
  if (d.RequestHeaders) out.RequestHeaders = headersJson(d.RequestHeaders);
  if (d.ResponseHeaders) out.ResponseHeaders = headersJson(d.ResponseHeaders);
  return freeze(out);
}

const EMPTY_MATCH = freeze({});

/** A route of a service-router entry as a chain's `Routes[].Definition`. */
export function routeDefinition(r: ServiceRoute): ServiceRoute {
  const out: Json = {};
  if (r.Match) out.Match = r.Match.HTTP ? freeze({ HTTP: httpMatchJson(r.Match.HTTP) }) : EMPTY_MATCH;
  if (r.Destination) out.Destination = destinationJson(r.Destination);
  return freeze(out) as ServiceRoute;
}

/** The catch-all route's match, the same in every router node (frozen, shared). */
const CATCH_ALL_MATCH = freeze({ HTTP: freeze({ PathPrefix: '/' }) });

/** Consul's catch-all route, last in every router node (`newDefaultServiceRoute`). */
export function defaultRouteDefinition(service: string, namespace: string, partition: string): ServiceRoute {
  return freeze({
    Match: CATCH_ALL_MATCH,
    Destination: freeze({ Service: service, Namespace: namespace, Partition: partition }),
  }) as ServiceRoute;
}

/**
 * The `Definition` of each route of a router entry, and its catch-all's, and the normalised `Definition` of each split of
 * a splitter entry: built once per entry (pure functions of the entry, which is read-only data, kept per entry by
 * `perObject`) and shared by every chain, compiled in one `compile()` or not, that reads them. A compile needs split
 * definitions only to flatten nested splitters; everything else reads them when a chain's nodes are rendered or viewed
 * (`fillL7Definitions`), which most chains of a large compile never are.
 *
 * `routeDefinitionsOf`: `routeDefinition` of each route of an entry.
 */
export const routeDefinitionsOf = perObject((entry: ServiceRouterEntry): readonly ServiceRoute[] =>
  (entry.Routes ?? []).map(routeDefinition),
);

/** Consul's catch-all route of a router entry (the last route of its router node), built once per entry. */
export const catchAllDefinitionOf = perObject(
  (entry: ServiceRouterEntry): ServiceRoute =>
    defaultRouteDefinition(entry.Name, orDefault(entry.Namespace), orDefault(entry.Partition)),
);

/** `splitDefinition` of each split of `entry`, built once per entry. */
export const splitDefinitionsOf = perObject((entry: ServiceSplitterEntry): readonly ServiceSplit[] =>
  (entry.Splits ?? []).map(splitDefinition),
);

/** A split of a service-splitter entry, normalised (`Weight` rounded to 0.01 as a float32), as Consul stores it. */
export function splitDefinition(s: ServiceSplit): ServiceSplit {
  const out: Json = { Weight: float32Json(normalizeSplitWeight(Number(s.Weight ?? 0))) };
  if (s.Service) out.Service = s.Service;
  if (s.ServiceSubset) out.ServiceSubset = s.ServiceSubset;
  if (s.Namespace) out.Namespace = s.Namespace;
  if (s.Partition) out.Partition = s.Partition;
  if (s.RequestHeaders) out.RequestHeaders = headersJson(s.RequestHeaders);
  if (s.ResponseHeaders) out.ResponseHeaders = headersJson(s.ResponseHeaders);
  return freeze(out) as unknown as ServiceSplit;
}

/**
 * Whether `MergeHTTPHeaderModifiers(base, overrides)` would write into a map `base` does not have: Consul v1.22
 * panics there (`assignment to entry in nil map`), taking the server down.
 */
export function mergePanics(
  base: HTTPHeaderModifiers | undefined,
  overrides: HTTPHeaderModifiers | undefined,
): boolean {
  if (headersZero(base) || headersZero(overrides)) return false;
  return (hasKeys(overrides?.Add) && base?.Add === undefined) || (hasKeys(overrides?.Set) && base?.Set === undefined);
}

/** `MergeHTTPHeaderModifiers`: `overrides` wins on Add/Set keys; Remove is base's then overrides' new names. */
function mergeHeaders(
  base: HTTPHeaderModifiers | undefined,
  overrides: HTTPHeaderModifiers | undefined,
): HTTPHeaderModifiers | undefined {
  if (headersZero(base)) return overrides;
  if (headersZero(overrides)) return base;
  const b = base as HTTPHeaderModifiers;
  const o = overrides as HTTPHeaderModifiers;
  const out: { Add?: Record<string, string>; Set?: Record<string, string>; Remove?: string[] } = {};
  if (b.Add !== undefined || hasKeys(o.Add)) out.Add = { ...b.Add, ...o.Add };
  if (b.Set !== undefined || hasKeys(o.Set)) out.Set = { ...b.Set, ...o.Set };
  const remove = [...(b.Remove ?? [])];
  for (const k of o.Remove ?? []) if (!remove.includes(k)) remove.push(k);
  if (b.Remove !== undefined || remove.length > 0) out.Remove = remove;
  return out;
}

/** `ServiceSplit.MergeParent`: the inner split's definition with the outer split's header handling merged in. */
export function mergeParent(inner: ServiceSplit, parent: ServiceSplit): ServiceSplit {
  const request = mergeHeaders(parent.RequestHeaders, inner.RequestHeaders);
  const response = mergeHeaders(inner.ResponseHeaders, parent.ResponseHeaders);
  if (request === inner.RequestHeaders && response === inner.ResponseHeaders) return inner;
  const out: Json = { Weight: inner.Weight };
  if (inner.Service) out.Service = inner.Service;
  if (inner.ServiceSubset) out.ServiceSubset = inner.ServiceSubset;
  if (inner.Namespace) out.Namespace = inner.Namespace;
  if (inner.Partition) out.Partition = inner.Partition;
  if (request) out.RequestHeaders = headersJson(request);
  if (response) out.ResponseHeaders = headersJson(response);
  return freeze(out) as unknown as ServiceSplit;
}

/**
 * A resolver's `LoadBalancer` as the chain prints it (`structs.LoadBalancer`): as written, except a hash policy's
 * `CookieConfig.TTL`, a `time.Duration` without a custom marshaller, which Consul prints in nanoseconds.
 */
export function loadBalancerJson(lb: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const policies = lb.HashPolicies;
  if (!Array.isArray(policies) || !policies.some((p) => typeof p?.CookieConfig?.TTL === 'string')) return lb;
  return {
    ...lb,
    HashPolicies: policies.map((p) => {
      const ttl = p?.CookieConfig?.TTL;
      if (typeof ttl !== 'string') return p;
      const ns = parseGoDuration(ttl) ?? 0;
      const { TTL: _ttl, ...cookie } = p.CookieConfig as Record<string, unknown>;
      return { ...p, CookieConfig: ns !== 0 ? { ...cookie, TTL: ns } : cookie };
    }),
  };
}
