/**
 * Consul's `Normalize()` + `Validate()` rules for the fields and kinds meshcc keeps without analyzing (agent/structs
 * config_entry*.go of Consul v1.22.7, the CE build), message for message: the service-defaults and proxy-defaults
 * fields beyond the analyzed ones, and the mesh, exported-services, sameness-group, ingress-gateway and
 * terminating-gateway kinds. Each returns Consul's messages (empty when Consul would accept the entry); where Consul
 * stops at the first error, so does the function. Rules not reproduced here are listed in docs/entries.md.
 */
import type { ConfigEntry, ProxyDefaultsEntry, ServiceDefaultsEntry, ServiceResolverEntry } from './entries.ts';
import { parseGoDuration } from './go-duration.ts';
import { inlineCertificateError } from './validate-certificate.ts';

type Obj = Readonly<Record<string, unknown>>;

const q = (s: string): string => JSON.stringify(s);
const WILDCARD = '*';

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}
function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map((x) => obj(x) ?? {}) : [];
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}
/** A Go duration below zero (decoded durations are Go's text, e.g. `-1s`). */
function negative(v: unknown): boolean {
  if (typeof v !== 'string') return typeof v === 'number' && v < 0;
  const p = parseGoDuration(v);
  return p.ok && p.ns < 0n;
}

/** `validateConfigEntryMeta`, as one error (Consul's multierror text when there are several). */
function metaError(meta: unknown): string | undefined {
  const m = obj(meta) ?? {};
  const errs: string[] = [];
  const keys = Object.keys(m).sort();
  if (keys.length > 64) errs.push('Meta exceeds maximum element count 64');
  for (const k of keys) {
    if (k.length > 128) errs.push(`Meta key ${q(k)} exceeds maximum length 128`);
    if (str(m[k]).length > 512) errs.push(`Meta value for key ${q(k)} exceeds maximum length 512`);
  }
  return errs.length === 0 ? undefined : errs.length === 1 ? errs[0] : errs.join('; ');
}

/** `MutualTLSMode.validate`. */
function mutualTLSModeError(m: unknown): string | undefined {
  const mode = str(m);
  if (mode === '' || mode === 'strict' || mode === 'permissive') return undefined;
  return `Invalid MutualTLSMode ${q(mode)}. Must be one of "", "strict", or "permissive".`;
}

const TLS_VERSIONS = ['TLS_AUTO', 'TLSv1_0', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3'];
const TLS_ORDER: Readonly<Record<string, number>> = { TLSv1_0: 1, TLSv1_1: 2, TLSv1_2: 3, TLSv1_3: 4 };
const CIPHER_CONFIGURABLE = ['', 'TLS_AUTO', 'TLSv1_0', 'TLSv1_1', 'TLSv1_2'];

/** `validateTLSConfig` (cipher-suite names themselves are not checked here). */
function tlsError(cfg: Obj | undefined): string | undefined {
  if (cfg === undefined) return undefined;
  const min = str(cfg.TLSMinVersion);
  const max = str(cfg.TLSMaxVersion);
  const bad = (v: string) =>
    `no matching TLS version found for ${v}, please specify one of [${[...TLS_VERSIONS].sort().join(', ')}]`;
  if (min !== '' && !TLS_VERSIONS.includes(min)) return bad(min);
  if (max !== '') {
    if (!TLS_VERSIONS.includes(max)) return bad(max);
    const a = TLS_ORDER[max];
    const b = TLS_ORDER[min];
    if (min !== '' && a !== undefined && b !== undefined && a < b) {
      return `configuring max version ${max} less than the configured min version ${min} is invalid`;
    }
  }
  if (Array.isArray(cfg.CipherSuites) && cfg.CipherSuites.length > 0 && !CIPHER_CONFIGURABLE.includes(min)) {
    return `configuring CipherSuites is only applicable to connections negotiated with TLS 1.2 or earlier, TLSMinVersion is set to ${min}`;
  }
  return undefined;
}

/** `UpstreamConfig.validate` beyond the name rules: passive health check, limits, outbound balancing. */
function upstreamExtraErrors(u: Obj): string[] {
  const errs: string[] = [];
  const phc = obj(u.PassiveHealthCheck);
  if (phc !== undefined) {
    const pre = 'passive health check';
    if (negative(phc.Interval)) errs.push(`${pre} interval cannot be negative`);
    else if (num(phc.EnforcingConsecutive5xx) > 100) {
      errs.push(`${pre} enforcing_consecutive_5xx must be a percentage between 0 and 100`);
    } else if (num(phc.MaxEjectionPercent) > 100) {
      errs.push(`${pre} max_ejection_percent must be a percentage between 0 and 100`);
    } else if (negative(phc.BaseEjectionTime)) errs.push(`${pre} base_ejection_time cannot be negative`);
  }
  const limits = obj(u.Limits);
  if (limits !== undefined) {
    const lim = [
      ['MaxConnections', 'max connections'],
      ['MaxPendingRequests', 'max pending requests'],
      ['MaxConcurrentRequests', 'max concurrent requests'],
    ] as const;
    for (const [field, words] of lim) {
      if (typeof limits[field] === 'number' && (limits[field] as number) < 0) {
        errs.push(`${words} cannot be negative`);
        break;
      }
    }
  }
  const bal = str(u.BalanceOutboundConnections);
  if (bal !== '' && bal !== 'exact_balance') errs.push(`invalid value for balance_outbound_connections: ${bal}`);
  return errs;
}

/**
 * A go-multierror nested inside another message, on one line: Consul prints `1 error occurred:\n\t* x`, meshcc
 * `1 error occurred: x` (the same words; diagnostics are one line).
 */
function multi(errs: readonly string[]): string | undefined {
  if (errs.length === 0) return undefined;
  return `${errs.length} error${errs.length === 1 ? '' : 's'} occurred: ${errs.join(' ')}`;
}

/** `PeeredServiceName.String()` in CE. */
function peeredName(u: Obj): string {
  return str(u.Name) ? `${str(u.Name)}:${str(u.Peer)}` : ':';
}

function validIPv4or6(a: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(a)) return a.split('.').every((p) => Number(p) <= 255);
  return a.includes(':') && /^[0-9a-fA-F:.]+$/.test(a);
}

/** `dns.IsDomainName` (miekg/dns): labels of 1..63 octets, at most 255 in all; any printable characters. */
function isDomainName(s: string): boolean {
  if (s === '' || s.length > 255) return false;
  if (s === '.') return true;
  const body = s.endsWith('.') ? s.slice(0, -1) : s;
  return body.split('.').every((l) => l.length > 0 && l.length <= 63);
}

/** An error of `validateServiceDefaults`' upstream checks. */
function isUpstream(m: string): boolean {
  return m.startsWith('error in upstream');
}

/**
 * The service-defaults rules for the fields meshcc keeps, merged with `base` (the analyzed fields' messages from
 * `validateServiceDefaults`) in Consul's order: UpstreamConfig with Destination stops before the upstream checks (and
 * before MutualTLSMode); otherwise a bad MutualTLSMode replaces every other error.
 */
export function serviceDefaultsRules(e: ServiceDefaultsEntry, base: readonly string[]): string[] {
  const x = e as unknown as Obj;
  if (!e.Name || e.Name === WILDCARD) return [...base];
  // `base` is nearly always empty: no filtering (nor a closure per call) then.
  const errs = base.length === 0 ? [] : base.filter((m) => !isUpstream(m));
  const bal = str(x.BalanceInboundConnections);
  if (bal !== '' && bal !== 'exact_balance') errs.push(`invalid value for balance_inbound_connections: ${bal}`);
  const dest = obj(x.Destination);
  if (e.UpstreamConfig !== undefined && dest !== undefined) {
    return [...errs, 'UpstreamConfig and Destination are mutually exclusive for service defaults'];
  }
  // Checked last in Consul, and returned alone: every other error found so far is dropped.
  const mtls = mutualTLSModeError(x.MutualTLSMode);
  if (mtls) return [mtls];
  if (base.length > 0) errs.push(...base.filter(isUpstream));
  for (const o of list(e.UpstreamConfig?.Overrides)) {
    const m = multi(upstreamExtraErrors(o));
    if (m) errs.push(`error in upstream override for ${peeredName(o)}: ${m}`);
  }
  const d = obj(e.UpstreamConfig?.Defaults);
  const dm = d === undefined ? undefined : multi(upstreamExtraErrors(d));
  if (dm) errs.push(`error in upstream defaults: ${dm}`);
  if (dest !== undefined) {
    const addrs = Array.isArray(dest.Addresses) ? dest.Addresses.map(str) : [];
    if (addrs.length === 0) errs.push('Destination must contain at least one valid address');
    const seen = new Set<string>();
    for (const a of addrs) {
      if (seen.has(a)) {
        errs.push(`Duplicate address '${a}' is not allowed`);
        continue;
      }
      seen.add(a);
      if (!validIPv4or6(a) && !(isDomainName(a) && !a.includes('*'))) {
        errs.push(`Destination address '${a}' is invalid Could not validate address ${a} as an IP or Hostname`);
      }
    }
    const port = num(dest.Port);
    if (port < 1 || port > 65535) errs.push(`Invalid Port number ${port}`);
  }
  if (x.RateLimits !== undefined) errs.push('invalid rate_limits config. Rate limiting is a consul enterprise feature');
  errs.push(...extensionErrors(x.EnvoyExtensions));
  return errs;
}

const BUILTIN_EXTENSIONS = [
  'builtin/otel-access-logging',
  'builtin/lua',
  'builtin/aws/lambda',
  'builtin/property-override',
  'builtin/wasm',
  'builtin/ext-authz',
];

/**
 * `envoyextensions.ValidateExtensions`, as far as names go: each extension needs a Name that is a built-in extension.
 * (The version constraints and each extension's own argument checks are not reproduced.)
 */
function extensionErrors(v: unknown): string[] {
  const errs: string[] = [];
  list(v).forEach((ext, i) => {
    const name = str(ext.Name);
    if (name === '') errs.push(`invalid EnvoyExtensions[${i}]: Name is required`);
    else if (!BUILTIN_EXTENSIONS.includes(name)) {
      errs.push(`invalid EnvoyExtensions[${i}][${name}]: name ${q(name)} is not a built-in extension`);
    }
  });
  return errs;
}

/** `AccessLogsConfig.Validate`. */
function accessLogsError(a: Obj | undefined): string | undefined {
  if (a === undefined) return undefined;
  const type = str(a.Type);
  const path = str(a.Path);
  if (type === 'file') {
    if (path === '') return 'path must be specified when using file type access logs';
  } else if (!['', 'stderr', 'stdout'].includes(type)) return `invalid access log type: ${type}`;
  if (str(a.JSONFormat) !== '' && str(a.TextFormat) !== '') {
    return 'cannot specify both access log JSONFormat and TextFormat';
  }
  if (type !== 'file' && path !== '') return 'path is only valid for file type access logs';
  if (str(a.JSONFormat) !== '') {
    try {
      JSON.parse(str(a.JSONFormat));
    } catch {
      // Go's encoding/json wording differs from V8's; Consul's prefix is what names the problem.
      return 'invalid access log json for JSON format';
    }
  }
  return undefined;
}

/** The proxy-defaults rules after the analyzed ones (`base` from `validateProxyDefaults`), in Consul's order. */
export function proxyDefaultsRules(e: ProxyDefaultsEntry, base: readonly string[]): string[] {
  const x = e as unknown as Obj;
  if (e.Name !== 'global') return [...base];
  const logs = accessLogsError(obj(x.AccessLogs));
  if (logs) return [logs];
  if (base.length > 0) return [...base];
  const ext = extensionErrors(x.EnvoyExtensions);
  if (ext.length > 0) return ext;
  const mode = str(obj(x.FailoverPolicy)?.Mode);
  if (!['', 'sequential', 'order-by-locality'].includes(mode)) {
    return ["Failover-policy mode must be one of '', 'sequential', or 'order-by-locality'"];
  }
  if (str(obj(x.PrioritizeByLocality)?.Mode) !== '') return ['Prioritize-by-locality requires Consul Enterprise '];
  const mtls = mutualTLSModeError(x.MutualTLSMode);
  return mtls ? [mtls] : [];
}

function validateMesh(x: Obj): string[] {
  const meta = metaError(x.Meta);
  if (meta) return [meta];
  const tls = obj(x.TLS);
  const incoming = tlsError(obj(tls?.Incoming));
  if (incoming) return [`error in incoming TLS configuration: ${incoming}`];
  const outgoing = tlsError(obj(tls?.Outgoing));
  if (outgoing) return [`error in outgoing TLS configuration: ${outgoing}`];
  return [];
}

function validateExportedServices(x: Obj): string[] {
  if (str(x.Name) !== 'default') return ['exported-services Name must be "default"'];
  const meta = metaError(x.Meta);
  if (meta) return [meta];
  const services = list(x.Services);
  for (let i = 0; i < services.length; i++) {
    const consumers = list(services[i]?.Consumers);
    for (let j = 0; j < consumers.length; j++) {
      const c = consumers[j] ?? {};
      // acl.IsDefaultPartition is true for every name in CE: a Partition passes here.
      if (str(c.SamenessGroup) !== '') {
        return [`Services[${i}].Consumers[${j}]: sameness-groups are an enterprise-only feature`];
      }
    }
  }
  for (let i = 0; i < services.length; i++) {
    const s = services[i] ?? {};
    if (str(s.Name) === '') return [`Services[${i}]: service name cannot be empty`];
    // The namespace rules never fire in CE: the server drops Namespace (its EnterpriseMeta is empty).
    const consumers = list(s.Consumers);
    if (consumers.length === 0) return [`Services[${i}]: must have at least one consumer`];
    for (let j = 0; j < consumers.length; j++) {
      const c = consumers[j] ?? {};
      const count = [c.Peer, c.Partition, c.SamenessGroup].filter((v) => str(v) !== '').length;
      if (count > 1)
        return [`Services[${i}].Consumers[${j}]: must define at most one of Peer, Partition, or SamenessGroup`];
      if (str(c.Partition) === WILDCARD) {
        return [`Services[${i}].Consumers[${j}]: exporting to all partitions (wildcard) is not supported`];
      }
      if (str(c.Peer) === WILDCARD) {
        return [`Services[${i}].Consumers[${j}]: exporting to all peers (wildcard) is not supported`];
      }
    }
  }
  return [];
}

const HTTP_LIKE = ['http', 'http2', 'grpc'];

function validateIngress(x: Obj): string[] {
  const meta = metaError(x.Meta);
  if (meta) return [meta];
  const gwTls = tlsError(obj(x.TLS));
  if (gwTls) return [gwTls];
  const ports = new Set<number>();
  for (const l of list(x.Listeners)) {
    const port = num(l.Port);
    // Normalize(): an unset protocol is tcp, and protocols are lower-cased.
    const protocol = (str(l.Protocol) || 'tcp').toLowerCase();
    if (ports.has(port)) return [`port ${port} declared on two listeners`];
    ports.add(port);
    if (!['tcp', ...HTTP_LIKE].includes(protocol)) {
      return [`protocol must be 'tcp', 'http', 'http2', or 'grpc'. '${protocol}' is an unsupported protocol`];
    }
    const services = list(l.Services);
    if (services.length === 0) return [`No service declared for listener with port ${port}`];
    if (!HTTP_LIKE.includes(protocol) && services.length > 1) {
      return [
        `Multiple services per listener are only supported for L7 protocols, 'http', 'grpc' and 'http2' (listener on port ${port})`,
      ];
    }
    const lisTls = tlsError(obj(l.TLS));
    if (lisTls) return [lisTls];
    const names = new Set<string>();
    const hosts = new Set<string>();
    for (const s of services) {
      const name = str(s.Name);
      const sHosts = Array.isArray(s.Hosts) ? s.Hosts.map(str) : [];
      if (protocol === 'tcp') {
        if (name === WILDCARD) {
          return [`Wildcard service name is only valid for protocol = 'http' (listener on port ${port})`];
        }
        if (sHosts.length !== 0) {
          return [
            `Associating hosts to a service is not supported for the ${protocol} protocol (listener on port ${port})`,
          ];
        }
      }
      if (name === '') return [`Service name cannot be blank (listener on port ${port})`];
      if (name === WILDCARD && sHosts.length !== 0) {
        return [`Associating hosts to a wildcard service is not supported (listener on port ${port})`];
      }
      if (names.has(name)) return [`Service ${name} cannot be added multiple times (listener on port ${port})`];
      names.add(name);
      for (const h of sHosts) {
        if (hosts.has(h)) return [`Hosts must be unique within a specific listener (listener on port ${port})`];
        hosts.add(h);
      }
    }
  }
  return [];
}

function validateTerminating(x: Obj): string[] {
  const meta = metaError(x.Meta);
  if (meta) return [meta];
  const seen = new Set<string>();
  for (const s of list(x.Services)) {
    const name = str(s.Name);
    if (name === '') return ['Service name cannot be blank.'];
    if (seen.has(name)) return [`Service ${q(name)} was specified more than once within a namespace`];
    seen.add(name);
    const ca = str(s.CAFile);
    const cert = str(s.CertFile);
    const key = str(s.KeyFile);
    if ((cert !== '' || key !== '') && (ca === '' || cert === '' || key === '')) {
      return [`Service ${q(name)} must have a CertFile, CAFile, and KeyFile specified for TLS origination`];
    }
  }
  return [];
}

/** A first error after which `resolverRules` adds nothing (one regular expression, not one per call). */
const EARLY_RESOLVER_ERROR = /^(Name is required|Meta |\d+ errors occurred|Subset |DefaultSubset )/;
const REDIRECT_ERROR = /^(Cross-|Redirect: Setting (Partition|Namespace))/;

/**
 * The service-resolver rules for the fields meshcc keeps (`PrioritizeByLocality`, redirect and failover
 * `SamenessGroup`, failover `Policy`), spliced into `base` (the analyzed fields' messages, the load balancer's last)
 * where Consul's `Validate()` checks them: locality after the subsets, the sameness groups with the enterprise checks
 * of their block, the failover policy after the empty-block check.
 */
export function resolverRules(e: ServiceResolverEntry, base: readonly string[]): string[] {
  const x = e as unknown as Obj;
  const first = base[0] ?? '';
  if (EARLY_RESOLVER_ERROR.test(first)) return [...base];
  if (str(obj(x.PrioritizeByLocality)?.Mode) !== '') return ['Prioritize-by-locality requires Consul Enterprise '];
  const redirect = obj(x.Redirect);
  if (redirect !== undefined && str(redirect.SamenessGroup) !== '' && !REDIRECT_ERROR.test(first)) {
    return ['Redirect: Setting SamenessGroup requires Consul Enterprise'];
  }
  if (base.length > 0 && !first.startsWith('Bad Failover[')) return [...base];
  const failover = obj(x.Failover) ?? {};
  const errs: string[] = [];
  const keys = Object.keys(failover);
  if (keys.length > 1) keys.sort();
  for (const key of keys) {
    const f = obj(failover[key]) ?? {};
    const pre = `Bad Failover[${q(key)}]: `;
    const own = base.find((m) => m.startsWith(pre) || m.startsWith(`Bad Failover[${q(key)}].`));
    const early =
      own !== undefined &&
      (own === `${pre}Setting Namespace requires Consul Enterprise` ||
        own === `${pre}not a valid subset subset` ||
        own.startsWith(`${pre}one of Service,`));
    if (str(f.SamenessGroup) !== '' && own !== `${pre}Setting Namespace requires Consul Enterprise`) {
      errs.push(`${pre}Setting SamenessGroup requires Consul Enterprise`);
    } else if (str(obj(f.Policy)?.Mode) !== '' && !early) {
      errs.push(`${pre}Setting failover policies requires Consul Enterprise`);
    } else if (own !== undefined) errs.push(own);
  }
  if (errs.length > 0) return errs;
  // `base` already ends with the load balancer's message (validate-load-balancer.ts), last as in Consul.
  return [...base];
}

const exactlyOne = (...xs: boolean[]): boolean => xs.filter(Boolean).length === 1;

/** Go's `base64.StdEncoding.DecodeString` accepts it (padding required; CR and LF ignored). */
function isStdBase64(s: string): boolean {
  return /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s.replace(/[\r\n]/g, ''));
}

function jwtLocationError(l: Obj): string | undefined {
  const header = obj(l.Header);
  const query = obj(l.QueryParam);
  const cookie = obj(l.Cookie);
  if (!exactlyOne(header !== undefined, query !== undefined, cookie !== undefined)) {
    return 'must set exactly one of: JWT location header, query param or cookie';
  }
  if (header !== undefined) return str(header.Name) ? undefined : 'JWT location header name must be specified';
  if (cookie !== undefined) return str(cookie.Name) ? undefined : 'JWT location cookie name must be specified';
  return str(query?.Name) ? undefined : 'JWT location query param name must be specified';
}

const DISCOVERY_TYPES = ['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'];

function remoteJwksError(r: Obj): string | undefined {
  const uri = str(r.URI);
  if (uri === '') return 'Remote JWKS URI is required';
  // url.ParseRequestURI: an absolute URI (with a scheme) or an absolute path.
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) && !uri.startsWith('/')) {
    return `Remote JWKS URI is invalid: parse ${q(uri)}: invalid URI for request, uri: ${uri}`;
  }
  const backoff = obj(obj(r.RetryPolicy)?.RetryPolicyBackOff);
  if (backoff !== undefined) {
    const base = parseGoDuration(str(backoff.BaseInterval) || '0s');
    const max = parseGoDuration(str(backoff.MaxInterval) || '0s');
    if (base.ok && max.ok && max.ns !== 0n && base.ns > max.ns) {
      return "retry policy backoff's MaxInterval should be greater or equal to BaseInterval";
    }
  }
  const cluster = obj(r.JWKSCluster);
  if (cluster !== undefined) {
    const d = str(cluster.DiscoveryType);
    if (d !== '' && !DISCOVERY_TYPES.includes(d)) return `unsupported jwks cluster discovery type: ${q(d)}`;
    const certs = obj(cluster.TLSCertificates);
    if (certs !== undefined) {
      const ca = obj(certs.TrustedCA);
      if (!exactlyOne(obj(certs.CaCertificateProviderInstance) !== undefined, ca !== undefined)) {
        return "must specify exactly one of: CaCertificateProviderInstance or TrustedCA for JKWS' TLSCertificates";
      }
      if (
        ca !== undefined &&
        !exactlyOne(
          str(ca.Filename) !== '',
          str(ca.EnvironmentVariable) !== '',
          str(ca.InlineString) !== '',
          Array.isArray(ca.InlineBytes) ? ca.InlineBytes.length > 0 : str(ca.InlineBytes) !== '',
        )
      ) {
        return "must specify exactly one of: Filename, EnvironmentVariable, InlineString or InlineBytes for JWKS' TrustedCA";
      }
    }
  }
  return undefined;
}

function validateJwtProvider(x: Obj): string[] {
  if (str(x.Name) === '') return ['Name is required'];
  const meta = metaError(x.Meta);
  if (meta) return [meta];
  const jwks = obj(x.JSONWebKeySet);
  if (jwks === undefined) return ['JSONWebKeySet is required'];
  const local = obj(jwks.Local);
  const remote = obj(jwks.Remote);
  if (!exactlyOne(local !== undefined, remote !== undefined)) {
    return ['must specify exactly one of Local or Remote JSON Web key set'];
  }
  if (remote !== undefined) {
    const err = remoteJwksError(remote);
    if (err) return [err];
  } else if (local !== undefined) {
    if (!exactlyOne(str(local.Filename) !== '', str(local.JWKS) !== '')) {
      return ['must specify exactly one of String or filename for local keyset'];
    }
    if (str(local.JWKS) !== '' && !isStdBase64(str(local.JWKS))) return ['JWKS must be valid base64 encoded string'];
  }
  const locations = list(x.Locations)
    .map(jwtLocationError)
    .filter((e): e is string => e !== undefined);
  if (locations.length > 0) return [multi(locations) ?? ''];
  const fwd = obj(x.Forwarding);
  if (fwd !== undefined && str(fwd.HeaderName) === '') return ['Header name required for forwarding config'];
  return [];
}

const LISTENER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateApiGateway(x: Obj): string[] {
  const meta = metaError(x.Meta);
  if (meta) return [meta];
  const listeners = list(x.Listeners);
  if (listeners.length === 0) return ['api gateway must have at least one listener'];
  const names = new Set<string>();
  for (const l of listeners) {
    const name = str(l.Name);
    if (!LISTENER_NAME.test(name)) {
      return [
        `listener name ${q(name)} is invalid, must be at least 1 character and contain only letters, numbers, or dashes`,
      ];
    }
    if (names.has(name)) return [`found multiple listeners with the name ${q(name)}`];
    names.add(name);
  }
  // Normalize(): protocols are lower-cased, certificate references default to inline-certificate.
  const protocol = (l: Obj): string => str(l.Protocol).toLowerCase();
  const byPort = new Map<number, Obj>();
  for (const l of listeners) {
    const prev = byPort.get(num(l.Port));
    if (prev !== undefined && (str(prev.Hostname) !== str(l.Hostname) || protocol(prev) !== protocol(l))) {
      return [`listeners ${q(str(prev.Name))} and ${q(str(l.Name))} cannot be merged`];
    }
    byPort.set(num(l.Port), l);
  }
  for (const l of listeners) {
    const p = protocol(l);
    const host = str(l.Hostname);
    if (p !== 'http' && p !== 'tcp') return [`unsupported listener protocol ${q(p)}, must be one of 'tcp', or 'http'`];
    if (p === 'tcp' && host !== '') return ['hostname specification is not supported when using TCP'];
    const port = num(l.Port);
    if (port <= 0 || port > 65535) return [`listener port ${port} not in the range 1-65535`];
    if ((host.startsWith('*.') ? host.slice(2) : host).includes('*')) {
      return [`host ${q(host)} is not valid, a wildcard specifier is only allowed as the left-most label`];
    }
    const tls = obj(l.TLS);
    for (const c of list(tls?.Certificates)) {
      const kind = str(c.Kind) || 'inline-certificate';
      if (kind !== 'file-system-certificate' && kind !== 'inline-certificate') {
        return [`unsupported certificate kind: ${q(kind)}, must be 'file-system-certificate' or 'inline-certificate'`];
      }
      if (str(c.Name) === '') return ['certificate reference must have a name'];
    }
    const t = tlsError(
      tls === undefined
        ? undefined
        : { TLSMinVersion: tls.MinVersion, TLSMaxVersion: tls.MaxVersion, CipherSuites: tls.CipherSuites },
    );
    if (t) return [t];
  }
  return [];
}

/** Route parents: only API gateways (an unset Kind is one, `Normalize()`), each once. */
function parentsError(parents: readonly Obj[]): string | undefined {
  const seen = new Set<string>();
  for (const p of parents) {
    const kind = str(p.Kind) || 'api-gateway';
    if (kind !== 'api-gateway') return `unsupported parent kind: ${q(kind)}, must be 'api-gateway'`;
    const key = JSON.stringify([kind, str(p.Name), str(p.SectionName)]);
    if (seen.has(key)) return 'route parents must be unique';
    seen.add(key);
  }
  return undefined;
}

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE'];

function validateHttpRoute(x: Obj): string[] {
  for (const h of Array.isArray(x.Hostnames) ? x.Hostnames.map(str) : []) {
    if (!isDomainName(h)) return [`host ${q(h)} must be a valid DNS hostname`];
    if (h.includes('*')) return [`host ${q(h)} must not be a wildcard`];
  }
  const parents = parentsError(list(x.Parents));
  if (parents) return [parents];
  const meta = metaError(x.Meta);
  if (meta) return [meta];
  const rules = list(x.Rules);
  for (let i = 0; i < rules.length; i++) {
    const matches = list(rules[i]?.Matches);
    for (let j = 0; j < matches.length; j++) {
      const method = str(matches[j]?.Method);
      if (method !== '' && !HTTP_METHODS.includes(method)) {
        return [`Rule[${i}], Match[${j}], Method contains an invalid method ${q(method)}`];
      }
    }
  }
  return [];
}

function validateTcpRoute(x: Obj): string[] {
  if (list(x.Services).length > 1) return ['tcp-route currently only supports one service'];
  const parents = parentsError(list(x.Parents));
  if (parents) return [parents];
  const meta = metaError(x.Meta);
  return meta ? [meta] : [];
}

/** Consul's messages for an entry of a kind meshcc keeps without analyzing (empty when Consul would accept it). */
export function validateKeptEntry(entry: ConfigEntry): string[] {
  const x = entry as unknown as Obj;
  switch (entry.Kind) {
    case 'mesh':
      return validateMesh(x);
    case 'exported-services':
      return validateExportedServices(x);
    case 'sameness-group':
      return ['sameness-groups are an enterprise-only feature'];
    case 'ingress-gateway':
      return validateIngress(x);
    case 'terminating-gateway':
      return validateTerminating(x);
    case 'jwt-provider':
      return validateJwtProvider(x);
    case 'api-gateway':
      return validateApiGateway(x);
    case 'http-route':
      return validateHttpRoute(x);
    case 'tcp-route':
      return validateTcpRoute(x);
    case 'inline-certificate': {
      const meta = metaError(x.Meta);
      if (meta) return [meta];
      const err = inlineCertificateError(str(x.Certificate), str(x.PrivateKey));
      return err ? [err] : [];
    }
    case 'file-system-certificate': {
      const meta = metaError(x.Meta);
      return meta ? [meta] : [];
    }
    default:
      return [];
  }
}
