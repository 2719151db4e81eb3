/**
 * Consul's `Normalize()` + `Validate()` for the L7 discovery-chain entries — service-router, service-splitter — and a
 * resolver's `LoadBalancer`, rule for rule and message for message (agent/structs/config_entry_discoverychain.go of
 * Consul v1.22.7). Like Consul, each returns the first problem only. Shared by the constructs (which refuse such an
 * entry when it is created) and the raw-entry validation.
 */
import type { LoadBalancer, ServiceRouterEntry, ServiceSplit, ServiceSplitterEntry } from './entries.ts';

const q = (s: string): string => JSON.stringify(s);

/** The methods Go's `net/http` names (`isValidHTTPMethod`). */
export const HTTP_METHODS: readonly string[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
];

/** `isValidRetryCondition`. */
export const RETRY_CONDITIONS: readonly string[] = [
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
];

const LB_POLICIES: readonly string[] = ['', 'random', 'round_robin', 'least_request', 'ring_hash', 'maglev'];
const HASH_FIELDS: readonly string[] = ['header', 'cookie', 'query_parameter'];

/** Go's `math.Round`: half away from zero. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** `scaleWeight`: a float32 weight in 0.01% units (`v * 100.0` is float32 arithmetic in Go). */
export function scaleWeight(weight: number): number {
  return goRound(Math.fround(Math.fround(weight) * 100));
}

/** `NormalizeServiceSplitWeight`: the weight Consul stores (rounded to 0.01). */
export function normalizeSplitWeight(weight: number): number {
  return Math.fround(scaleWeight(weight) / 100);
}

/** `ServiceRouterConfigEntry.Validate` (after `Normalize`, which upper-cases the methods). */
export function validateRouter(e: ServiceRouterEntry): string | undefined {
  if (!e.Name) return 'Name is required';
  const routes = e.Routes ?? [];
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i] ?? {};
    let eligibleForPrefixRewrite = false;
    const http = route.Match?.HTTP;
    if (http) {
      let pathParts = 0;
      if (http.PathExact) {
        eligibleForPrefixRewrite = true;
        pathParts++;
        if (!http.PathExact.startsWith('/'))
          return `Route[${i}] PathExact doesn't start with '/': ${q(http.PathExact)}`;
      }
      if (http.PathPrefix) {
        eligibleForPrefixRewrite = true;
        pathParts++;
        if (!http.PathPrefix.startsWith('/'))
          return `Route[${i}] PathPrefix doesn't start with '/': ${q(http.PathPrefix)}`;
      }
      if (http.PathRegex) pathParts++;
      if (pathParts > 1) return `Route[${i}] should only contain at most one of PathExact, PathPrefix, or PathRegex`;
      const headers = http.Header ?? [];
      for (let j = 0; j < headers.length; j++) {
        const h = headers[j] ?? { Name: '' };
        if (!h.Name) return `Route[${i}] Header[${j}] missing required Name field`;
        const parts = [h.Present === true, !!h.Exact, !!h.Regex, !!h.Prefix, !!h.Suffix].filter(Boolean).length;
        if (parts !== 1)
          return `Route[${i}] Header[${j}] should only contain one of Present, Exact, Prefix, Suffix, or Regex`;
      }
      const params = http.QueryParam ?? [];
      for (let j = 0; j < params.length; j++) {
        const p = params[j] ?? { Name: '' };
        if (!p.Name) return `Route[${i}] QueryParam[${j}] missing required Name field`;
        const parts = [p.Present === true, !!p.Exact, !!p.Regex].filter(Boolean).length;
        if (parts !== 1) return `Route[${i}] QueryParam[${j}] should only contain one of Present, Exact, or Regex`;
      }
      const found = new Set<string>();
      for (const raw of http.Methods ?? []) {
        const m = raw.toUpperCase();
        if (!HTTP_METHODS.includes(m)) return `Route[${i}] Methods contains an invalid method ${q(m)}`;
        if (found.has(m)) return `Route[${i}] Methods contains ${q(m)} more than once`;
        found.add(m);
      }
    }
    const d = route.Destination;
    if (d) {
      if (d.PrefixRewrite && !eligibleForPrefixRewrite) {
        return `Route[${i}] cannot make use of PrefixRewrite without configuring either PathExact or PathPrefix`;
      }
      for (const r of d.RetryOn ?? []) {
        if (!RETRY_CONDITIONS.includes(r)) return `Route[${i}] contains an invalid retry condition: ${q(r)}`;
      }
    }
  }
  return undefined;
}

/** Go's `%f` of a float32: six decimals of the float32 value. */
function goFloat32(x: number): string {
  return Math.fround(x).toFixed(6);
}

/** `ServiceSplitterConfigEntry.Validate`. */
export function validateSplitter(e: ServiceSplitterEntry): string | undefined {
  if (!e.Name) return 'Name is required';
  const splits = e.Splits ?? [];
  if (splits.length === 0) return 'no splits configured';
  const found = new Set<string>();
  const keyOf = (s: ServiceSplit): string =>
    JSON.stringify([s.Service || e.Name, s.ServiceSubset ?? '', s.Namespace ?? '', s.Partition ?? '']);
  for (const s of splits) {
    // Consul keys the split struct itself: header modifiers are pointers, so a split with one is never a duplicate.
    if (s.RequestHeaders || s.ResponseHeaders) continue;
    const key = keyOf(s);
    if (found.has(key)) {
      return `split destination occurs more than once: service=${q(s.Service || e.Name)}, subset=${q(s.ServiceSubset ?? '')}, namespace=${q(s.Namespace ?? '')}, partition=${q(s.Partition ?? '')}`;
    }
    found.add(key);
  }
  let sumScaled = 0;
  for (const s of splits) sumScaled += scaleWeight(s.Weight);
  if (sumScaled !== 100 * 100) return `the sum of all split weights must be 100, not ${goFloat32(sumScaled / 100)}`;
  return undefined;
}

/** The `LoadBalancer` part of `ServiceResolverConfigEntry.Validate`. */
export function validateLoadBalancer(lb: LoadBalancer | undefined): string | undefined {
  if (lb === undefined) return undefined;
  const policy = lb.Policy ?? '';
  if (!LB_POLICIES.includes(policy)) return `Bad LoadBalancer policy: ${q(policy)} is not supported`;
  if (policy !== 'ring_hash' && lb.RingHashConfig) {
    return `Bad LoadBalancer configuration. RingHashConfig specified for incompatible load balancing policy ${q(policy)}`;
  }
  if (policy !== 'least_request' && lb.LeastRequestConfig) {
    return `Bad LoadBalancer configuration. LeastRequestConfig specified for incompatible load balancing policy ${q(policy)}`;
  }
  const hashBased = policy === 'ring_hash' || policy === 'maglev';
  const hps = lb.HashPolicies ?? [];
  if (!hashBased && hps.length > 0) {
    return `Bad LoadBalancer configuration: HashPolicies specified for non-hash-based Policy: ${q(policy)}`;
  }
  for (let i = 0; i < hps.length; i++) {
    const hp = hps[i] ?? {};
    const field = hp.Field ?? '';
    const value = hp.FieldValue ?? '';
    if (field && !HASH_FIELDS.includes(field))
      return `Bad LoadBalancer HashPolicy[${i}]: ${q(field)} is not a supported field`;
    if (hp.SourceIP && field) {
      return `Bad LoadBalancer HashPolicy[${i}]: A single hash policy cannot hash both a source address and a ${q(field)}`;
    }
    if (hp.SourceIP && value)
      return `Bad LoadBalancer HashPolicy[${i}]: A FieldValue cannot be specified when hashing SourceIP`;
    if (field && !value)
      return `Bad LoadBalancer HashPolicy[${i}]: Field ${q(field)} was specified without a FieldValue`;
    if (value && !field) return `Bad LoadBalancer HashPolicy[${i}]: FieldValue requires a Field to apply to`;
    if (hp.CookieConfig) {
      if (field !== 'cookie') return `Bad LoadBalancer HashPolicy[${i}]: cookie_config provided for ${q(field)}`;
      const ttl = hp.CookieConfig.TTL;
      if (hp.CookieConfig.Session && ttl && !/^[0.]+[a-zµ]*$/.test(ttl)) {
        return `Bad LoadBalancer HashPolicy[${i}]: a session cookie cannot have an associated TTL`;
      }
    }
  }
  return undefined;
}
