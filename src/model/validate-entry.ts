/**
 * Consul's `Normalize()` + `Validate()` for the config-entry kinds meshcc models, rule for rule and message for message
 * (agent/structs/config_entry.go, config_entry_discoverychain.go, config_entry_intentions.go of Consul v1.22.7, the
 * CE build). Consul stops at the first error of a block; so does each block here, but independent blocks (each
 * Failover key, each intention source) are all checked so one run reports every problem. Map keys are visited in
 * sorted order (Go's map order is random) so the output is deterministic.
 */
import type {
  ConfigEntry,
  ProxyDefaultsEntry,
  ServiceDefaultsEntry,
  ServiceIntentionsEntry,
  ServiceResolverEntry,
  ServiceRouterEntry,
  ServiceSplitterEntry,
  UpstreamConfigFields,
  UpstreamConfigOverride,
} from './entries.ts';
import { formatGoDuration, parseGoDuration } from './go-duration.ts';
import { goPercentF, scaleWeight } from './split-weight.ts';
import { proxyDefaultsRules, resolverRules, serviceDefaultsRules, validateKeptEntry } from './validate-entry-kinds.ts';
import { validateLoadBalancer } from './validate-load-balancer.ts';

const META_MAX_KEY_PAIRS = 64;
const META_KEY_MAX_LENGTH = 128;
const META_VALUE_MAX_LENGTH = 512;
const SERVICE_SUBSET_MAX_LENGTH = 63;
const VALID_SERVICE_SUBSET = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const WILDCARD = '*';
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE'];
const PROTOCOLS = ['', 'http', 'http2', 'grpc', 'tcp'];

/** Go's `%q` for the strings Consul quotes (JSON escaping agrees for printable text). */
const q = (s: string): string => JSON.stringify(s);

function sortedKeys(o: Readonly<Record<string, unknown>> | undefined): string[] {
  return Object.keys(o ?? {}).sort();
}

const NO_KEYS: readonly string[] = [];

/** Whether an object has an own enumerable key (`Object.keys(o).length > 0` without the array). */
function hasOwnKeys(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

/** Whether every subset name passes `validateResolver`'s name checks (then their sorted walk finds nothing). */
function subsetNamesValid(subsets: Readonly<Record<string, unknown>>): boolean {
  for (const name in subsets) {
    if (!Object.hasOwn(subsets, name)) continue;
    if (name === '' || name.length > SERVICE_SUBSET_MAX_LENGTH || !VALID_SERVICE_SUBSET.test(name)) return false;
  }
  return true;
}

/**
 * Whether a `Meta` is within every limit (the usual answer), found without sorting or allocating: only a `Meta` with a
 * problem goes through `validateMeta`'s sorted walk, which words the problems in order.
 */
function metaWithinLimits(meta: Readonly<Record<string, string>> | undefined): boolean {
  if (meta === undefined) return true;
  let n = 0;
  for (const k in meta) {
    if (!Object.hasOwn(meta, k)) continue;
    if (++n > META_MAX_KEY_PAIRS || k.length > META_KEY_MAX_LENGTH) return false;
    if ((meta[k] ?? '').length > META_VALUE_MAX_LENGTH) return false;
  }
  return true;
}

/** `validateConfigEntryMeta`: all problems (Consul uses a multierror here). */
function validateMeta(meta: Readonly<Record<string, string>> | undefined): string[] {
  if (metaWithinLimits(meta)) return [];
  const errs: string[] = [];
  const keys = sortedKeys(meta);
  if (keys.length > META_MAX_KEY_PAIRS) errs.push(`Meta exceeds maximum element count ${META_MAX_KEY_PAIRS}`);
  for (const k of keys) {
    if (k.length > META_KEY_MAX_LENGTH) errs.push(`Meta key ${q(k)} exceeds maximum length ${META_KEY_MAX_LENGTH}`);
    if ((meta?.[k] ?? '').length > META_VALUE_MAX_LENGTH) {
      errs.push(`Meta value for key ${q(k)} exceeds maximum length ${META_VALUE_MAX_LENGTH}`);
    }
  }
  return errs;
}

function validateProxyDefaults(e: ProxyDefaultsEntry): string[] {
  if (e.Name !== 'global') return [`invalid name (${q(e.Name)}), only "global" is supported`];
  const meta = validateMeta(e.Meta);
  if (meta.length > 0) return meta;
  const dir = e.Config?.envoy_hcp_metrics_bind_socket_dir;
  if (typeof dir === 'string' && dir.length > 70) {
    return [`Config: envoy_hcp_metrics_bind_socket_dir length ${dir.length} exceeds max 70`];
  }
  return [];
}

/** `PeeredServiceName.String()` in CE: `name:peer`. */
function peeredName(u: { readonly Name?: string; readonly Peer?: string }): string {
  return u.Name ? `${u.Name}:${u.Peer ?? ''}` : ':';
}

function validateUpstream(
  u: UpstreamConfigFields & Partial<UpstreamConfigOverride>,
  named: boolean,
): string | undefined {
  if (named) {
    if (!u.Name) return 'Name is required';
    if (u.Name === WILDCARD) return 'Wildcard name is not supported';
    if (u.Namespace === WILDCARD) return 'Wildcard namespace is not supported';
  } else {
    if (u.Name) return 'Name must be empty';
    if (u.Namespace) return 'Namespace must be empty';
    if (u.Partition) return 'Partition must be empty';
  }
  return undefined;
}

function validateServiceDefaults(e: ServiceDefaultsEntry): string[] {
  if (!e.Name) return ['Name is required'];
  if (e.Name === WILDCARD) return ['service-defaults name must be the name of a service, and not a wildcard'];
  const errs = validateMeta(e.Meta);
  const protocol = (e.Protocol ?? '').toLowerCase();
  if (!PROTOCOLS.includes(protocol)) errs.push(`invalid value for protocol: ${protocol}`);
  for (const o of e.UpstreamConfig?.Overrides ?? []) {
    const err = validateUpstream(o, true);
    if (err) errs.push(`error in upstream override for ${peeredName(o)}: ${err}`);
  }
  if (e.UpstreamConfig?.Defaults) {
    const err = validateUpstream(
      e.UpstreamConfig.Defaults as UpstreamConfigFields & Partial<UpstreamConfigOverride>,
      false,
    );
    if (err) errs.push(`error in upstream defaults: ${err}`);
  }
  return errs;
}

function goText(d: string | undefined): string {
  const p = d === undefined ? undefined : parseGoDuration(d);
  return p?.ok ? formatGoDuration(p.ns) : String(d);
}

function durationBelowZero(d: string | undefined): boolean {
  if (d === undefined) return false;
  const p = parseGoDuration(d);
  return p.ok && p.ns < 0n;
}

function validateResolver(e: ServiceResolverEntry): string[] {
  if (!e.Name) return ['Name is required'];
  const meta = validateMeta(e.Meta);
  if (meta.length > 0)
    return [meta.length === 1 ? (meta[0] ?? '') : `${meta.length} errors occurred: ${meta.join('; ')}`];
  const subsets = e.Subsets ?? {};
  // The first bad name in sorted order is reported; when no name is bad (the usual answer), no sort is needed.
  for (const name of subsetNamesValid(subsets) ? NO_KEYS : sortedKeys(subsets)) {
    if (name === '') return ['Subset defined with empty name'];
    if (name.length > SERVICE_SUBSET_MAX_LENGTH) {
      return [`Subset ${q(name)} is invalid: must be non-empty and 63 characters or fewer`];
    }
    if (!VALID_SERVICE_SUBSET.test(name)) {
      return [
        `Subset ${q(name)} is invalid: must be 63 characters or fewer, begin or end with lower case alphanumeric characters, and contain lower case alphanumeric characters or '-' in between`,
      ];
    }
  }
  if (e.DefaultSubset && !Object.hasOwn(subsets, e.DefaultSubset))
    return [`DefaultSubset ${q(e.DefaultSubset)} is not a valid subset`];

  const errs: string[] = [];
  const failover = e.Failover ?? {};
  const hasFailover = hasOwnKeys(failover);
  const r = e.Redirect;
  if (r !== undefined) {
    const redirectError = ((): string | undefined => {
      if (r.Partition) return 'Redirect: Setting Partition requires Consul Enterprise';
      if (r.Namespace) return 'Redirect: Setting Namespace requires Consul Enterprise';
      if (hasFailover) return 'Redirect and Failover cannot both be set';
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
        return undefined;
      }
      if (r.ServiceSubset && r.Service === e.Name && !Object.hasOwn(subsets, r.ServiceSubset)) {
        return `Redirect.ServiceSubset ${q(r.ServiceSubset)} is not a valid subset of ${q(e.Name)}`;
      }
      return undefined;
    })();
    if (redirectError) return [redirectError];
  }

  for (const subset of hasFailover ? sortedKeys(failover) : NO_KEYS) {
    const f = failover[subset] ?? {};
    const prefix = `Bad Failover[${q(subset)}]: `;
    const err = ((): string | undefined => {
      if (f.Namespace) return `${prefix}Setting Namespace requires Consul Enterprise`;
      if (subset !== WILDCARD && !Object.hasOwn(subsets, subset)) return `${prefix}not a valid subset subset`;
      const targets = f.Targets ?? [];
      const dcs = f.Datacenters ?? [];
      if (!f.Service && !f.ServiceSubset && !f.Namespace && dcs.length === 0 && targets.length === 0) {
        return `${prefix}one of Service, ServiceSubset, Namespace, Targets, SamenessGroup, or Datacenters is required`;
      }
      if (f.ServiceSubset && (!f.Service || f.Service === e.Name) && !Object.hasOwn(subsets, f.ServiceSubset)) {
        return `${prefix}ServiceSubset ${q(f.ServiceSubset)} is not a valid subset of ${q(f.Service ?? '')}`;
      }
      if (dcs.length > 0 && targets.length > 0)
        return `Bad Failover[${q(subset)}]: Targets cannot be set with Datacenters`;
      if (f.ServiceSubset && targets.length > 0) {
        return `Bad Failover[${q(subset)}]: Targets cannot be set with ServiceSubset`;
      }
      if (f.Service && targets.length > 0) return `Bad Failover[${q(subset)}]: Targets cannot be set with Service`;
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i] ?? {};
        const tp = `Bad Failover[${q(subset)}].Targets[${i}]: `;
        if (t.Partition) return `${tp}Setting Partition requires Consul Enterprise`;
        if (t.Namespace) return `${tp}Setting Namespace requires Consul Enterprise`;
        if (t.Peer && t.ServiceSubset) return `${tp}Peer cannot be set with ServiceSubset`;
        if (t.Peer && t.Partition) return `${tp}Partition cannot be set with Peer`;
        if (t.Peer && t.Datacenter) return `${tp}Peer cannot be set with Datacenter`;
        if (t.Partition && t.Datacenter) return `${tp}Partition cannot be set with Datacenter`;
        if (t.ServiceSubset && (!t.Service || t.Service === e.Name) && !Object.hasOwn(subsets, t.ServiceSubset)) {
          return `${tp}ServiceSubset ${q(t.ServiceSubset)} is not a valid subset of ${q(e.Name)}`;
        }
      }
      if (dcs.some((dc) => dc === '')) return `Bad Failover[${q(subset)}].Datacenters: found empty datacenter`;
      return undefined;
    })();
    if (err) errs.push(err);
  }
  if (errs.length > 0) return errs;
  // Consul prints the parsed time.Duration (`-1500ms` is reported as `-1.5s`).
  if (durationBelowZero(e.ConnectTimeout)) return [`Bad ConnectTimeout '${goText(e.ConnectTimeout)}', must be >= 0`];
  if (durationBelowZero(e.RequestTimeout)) return [`Bad RequestTimeout '${goText(e.RequestTimeout)}', must be >= 0`];
  const lb = validateLoadBalancer(e.LoadBalancer);
  return lb ? [lb] : [];
}

/** `validateConfigEntryMeta` as one error (Consul's multierror text when there are several). */
function metaError(meta: Readonly<Record<string, string>> | undefined): string | undefined {
  if (metaWithinLimits(meta)) return undefined;
  const errs = validateMeta(meta);
  if (errs.length === 0) return undefined;
  return errs.length === 1 ? errs[0] : `${errs.length} errors occurred: ${errs.join('; ')}`;
}

const RETRY_CONDITIONS = [
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

/** `ServiceRouterConfigEntry.Normalize` + `Validate` (methods are upper-cased first, as Consul does). */
function validateRouter(e: ServiceRouterEntry): string[] {
  if (!e.Name) return ['Name is required'];
  const meta = metaError(e.Meta);
  if (meta) return [meta];
  const routes = e.Routes ?? [];
  // Newer api structs have these header fields; a v1.22 server does not know them and refuses the body.
  for (let i = 0; i < routes.length; i++) {
    const headers = routes[i]?.Match?.HTTP?.Header ?? [];
    for (let j = 0; j < headers.length; j++) {
      const h = headers[j];
      const field = h?.Contains !== undefined ? 'Contains' : h?.IgnoreCase !== undefined ? 'IgnoreCase' : undefined;
      if (field !== undefined) {
        return [
          `Request decoding failed: 1 error occurred:\n\t* invalid config key "Routes[${i}].Match.HTTP.Header[${j}].${field}"`,
        ];
      }
    }
  }
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
          return [`Route[${i}] PathExact doesn't start with '/': ${q(http.PathExact)}`];
      }
      if (http.PathPrefix) {
        eligibleForPrefixRewrite = true;
        pathParts++;
        if (!http.PathPrefix.startsWith('/')) {
          return [`Route[${i}] PathPrefix doesn't start with '/': ${q(http.PathPrefix)}`];
        }
      }
      if (http.PathRegex) pathParts++;
      if (pathParts > 1) return [`Route[${i}] should only contain at most one of PathExact, PathPrefix, or PathRegex`];
      const headers = http.Header ?? [];
      for (let j = 0; j < headers.length; j++) {
        const h = headers[j] ?? { Name: '' };
        if (!h.Name) return [`Route[${i}] Header[${j}] missing required Name field`];
        const parts = +(h.Present === true) + +!!h.Exact + +!!h.Regex + +!!h.Prefix + +!!h.Suffix;
        if (parts !== 1) {
          return [`Route[${i}] Header[${j}] should only contain one of Present, Exact, Prefix, Suffix, or Regex`];
        }
      }
      const params = http.QueryParam ?? [];
      for (let j = 0; j < params.length; j++) {
        const p = params[j] ?? { Name: '' };
        if (!p.Name) return [`Route[${i}] QueryParam[${j}] missing required Name field`];
        const parts = +(p.Present === true) + +!!p.Exact + +!!p.Regex;
        if (parts !== 1) return [`Route[${i}] QueryParam[${j}] should only contain one of Present, Exact, or Regex`];
      }
      const methods = http.Methods;
      if (methods !== undefined && methods.length > 0) {
        // A handful of methods at most (nine valid ones): a list scanned for repeats.
        const found: string[] = [];
        for (const raw of methods) {
          const m = raw.toUpperCase();
          if (!HTTP_METHODS.includes(m)) return [`Route[${i}] Methods contains an invalid method ${q(m)}`];
          if (found.includes(m)) return [`Route[${i}] Methods contains ${q(m)} more than once`];
          found.push(m);
        }
      }
    }
    const d = route.Destination;
    if (d) {
      if (d.PrefixRewrite && !eligibleForPrefixRewrite) {
        return [`Route[${i}] cannot make use of PrefixRewrite without configuring either PathExact or PathPrefix`];
      }
      for (const r of d.RetryOn ?? []) {
        if (!RETRY_CONDITIONS.includes(r)) return [`Route[${i}] contains an invalid retry condition: ${q(r)}`];
      }
    }
  }
  return [];
}

/** `ServiceSplitterConfigEntry.Validate`: splits present, no destination twice, weights summing to 100.00. */
function validateSplitter(e: ServiceSplitterEntry): string[] {
  if (!e.Name) return ['Name is required'];
  const splits = e.Splits ?? [];
  if (splits.length === 0) return ['no splits configured'];
  const meta = metaError(e.Meta);
  if (meta) return [meta];
  // Consul compares whole ServiceSplit values (Weight zeroed): splits with header modifiers hold distinct pointers,
  // so only splits without them can collide.
  // Each split against the earlier ones (a splitter has a few): the first that repeats one is reported.
  for (let i = 0; i < splits.length; i++) {
    const s = splits[i]!;
    if (s.RequestHeaders !== undefined || s.ResponseHeaders !== undefined) continue;
    const service = s.Service || e.Name;
    for (let j = 0; j < i; j++) {
      const o = splits[j]!;
      if (o.RequestHeaders !== undefined || o.ResponseHeaders !== undefined) continue;
      if (
        (o.Service || e.Name) === service &&
        (o.ServiceSubset ?? '') === (s.ServiceSubset ?? '') &&
        (o.Namespace ?? '') === (s.Namespace ?? '') &&
        (o.Partition ?? '') === (s.Partition ?? '')
      ) {
        return [
          `split destination occurs more than once: service=${q(service)}, subset=${q(s.ServiceSubset ?? '')}, namespace=${q(s.Namespace ?? '')}, partition=${q(s.Partition ?? '')}`,
        ];
      }
    }
  }
  let sum = 0;
  for (const s of splits) sum += scaleWeight(Number(s.Weight ?? 0));
  if (sum !== 10000) return [`the sum of all split weights must be 100, not ${goPercentF(Math.fround(sum) / 100)}`];
  return [];
}

/** `validateIntentionWildcards` (CE: namespace and partition are always `default`). */
function wildcardError(name: string, peer: string): string | undefined {
  if (name !== WILDCARD && name.includes(WILDCARD))
    return "Name: wildcard character '*' cannot be used with partial values";
  if (peer.includes(WILDCARD)) return "Peer: cannot use wildcard '*' in peer";
  return undefined;
}

interface PermissionLike {
  readonly Action?: unknown;
  readonly HTTP?: {
    readonly PathExact?: string;
    readonly PathPrefix?: string;
    readonly PathRegex?: string;
    readonly Header?: readonly unknown[];
    readonly Methods?: readonly string[];
  };
}

function validatePermission(p: PermissionLike, i: number, j: number): string | undefined {
  if (p.Action !== 'allow' && p.Action !== 'deny') {
    return `Sources[${i}].Permissions[${j}].Action must be set to 'allow' or 'deny'`;
  }
  const pre = `Sources[${i}].Permissions[${j}].HTTP`;
  const h = p.HTTP;
  if (!h) return `${pre} is required`;
  let parts = 0;
  if (h.PathExact) {
    parts++;
    if (!h.PathExact.startsWith('/')) return `${pre}.PathExact doesn't start with '/': ${q(h.PathExact)}`;
  }
  if (h.PathPrefix) {
    parts++;
    if (!h.PathPrefix.startsWith('/')) return `${pre}.PathPrefix doesn't start with '/': ${q(h.PathPrefix)}`;
  }
  if (h.PathRegex) parts++;
  if (parts > 1) return `${pre} should only contain at most one of PathExact, PathPrefix, or PathRegex`;
  parts += (h.Header ?? []).length;
  const methods = (h.Methods ?? []).map((m) => m.toUpperCase());
  if (methods.length > 0) {
    const found = new Set<string>();
    for (const m of methods) {
      if (!HTTP_METHODS.includes(m)) return `${pre}.Methods contains an invalid method ${q(m)}`;
      if (found.has(m)) return `${pre}.Methods contains ${q(m)} more than once`;
      found.add(m);
    }
    parts++;
  }
  if (parts === 0) return `${pre} should not be empty`;
  return undefined;
}

function validateIntentions(e: ServiceIntentionsEntry): string[] {
  if (!e.Name) return ['Name is required'];
  const destWild = wildcardError(e.Name, '');
  if (destWild) return [destWild];
  const meta = validateMeta(e.Meta);
  if (meta.length > 0) return meta;
  if (e.Sources.length === 0) return ['At least one source is required'];
  const destIsWild = e.Name === WILDCARD;
  const errs: string[] = [];
  const seen = new Set<string>();
  e.Sources.forEach((src, i) => {
    const err = ((): string | undefined => {
      if (!src.Name) return `Sources[${i}].Name is required`;
      const wild = wildcardError(src.Name, src.Peer ?? '');
      if (wild) return `Sources[${i}].${wild}`;
      if (src.Peer && src.Partition) return `Sources[${i}].Peer: cannot set Peer and Partition at the same time.`;
      if ((src.Description ?? '').length > META_VALUE_MAX_LENGTH) {
        return `Sources[${i}].Description exceeds maximum length ${META_VALUE_MAX_LENGTH}`;
      }
      const perms = (src.Permissions ?? []) as readonly PermissionLike[];
      if (perms.length === 0 && src.Action !== 'allow' && src.Action !== 'deny') {
        return `Sources[${i}].Action must be set to 'allow' or 'deny'`;
      }
      if (perms.length > 0 && src.Action) return `Sources[${i}].Action must be omitted if Permissions are specified`;
      if (destIsWild && perms.length > 0) {
        return `Sources[${i}].Permissions cannot be specified on intentions with wildcarded destinations`;
      }
      if ((src.Type ?? 'consul') !== 'consul') return `Sources[${i}].Type must be set to 'consul'`;
      for (let j = 0; j < perms.length; j++) {
        const pe = validatePermission(perms[j] ?? {}, i, j);
        if (pe) return pe;
      }
      const key = `${src.Peer ?? ''}\u0000${src.Name}`;
      if (seen.has(key)) {
        return src.Peer
          ? `Sources[${i}] defines peer(${q(src.Peer)}) ${q(src.Name)} more than once`
          : `Sources[${i}] defines ${q(src.Name)} more than once`;
      }
      seen.add(key);
      return undefined;
    })();
    if (err) errs.push(err);
  });
  return errs;
}

/**
 * Validates an entry as Consul's `Normalize()` + `Validate()` would on write; returns Consul's messages (empty when
 * Consul would accept it).
 */
export function validateEntry(entry: ConfigEntry): string[] {
  switch (entry.Kind) {
    case 'proxy-defaults':
      return proxyDefaultsRules(entry, validateProxyDefaults(entry));
    case 'service-defaults':
      return serviceDefaultsRules(entry, validateServiceDefaults(entry));
    case 'service-resolver':
      return resolverRules(entry, validateResolver(entry));
    case 'service-intentions':
      return validateIntentions(entry);
    case 'service-router':
      return validateRouter(entry);
    case 'service-splitter':
      return validateSplitter(entry);
    default:
      return validateKeptEntry(entry);
  }
}
