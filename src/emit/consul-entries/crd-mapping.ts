/**
 * How a Consul config entry maps onto a consul-k8s custom resource: which kinds have one, the resource kind, the
 * json tag of each field, the fields a resource has no place for, `metadata.name`, and which `Meta` keys become
 * annotations and labels. Both CRD writers (`crd.ts`, the resource as plain data; `crd-yaml.ts`, its YAML written
 * straight from the entry) follow these rules.
 */

/**
 * consul-k8s resource kind for each Consul kind that has a custom resource in the consul-k8s chart
 * (`templates/crd-*.yaml`). API gateways, routes and certificates are Kubernetes Gateway API resources there, not
 * config-entry CRDs: they have no CRD artifact (their API JSON, HCL and Terraform are emitted as for every kind).
 */
export const CRD_KINDS: Readonly<Record<string, string>> = {
  'proxy-defaults': 'ProxyDefaults',
  'service-defaults': 'ServiceDefaults',
  'service-resolver': 'ServiceResolver',
  'service-intentions': 'ServiceIntentions',
  'service-splitter': 'ServiceSplitter',
  'service-router': 'ServiceRouter',
  mesh: 'Mesh',
  'exported-services': 'ExportedServices',
  'sameness-group': 'SamenessGroup',
  'ingress-gateway': 'IngressGateway',
  'terminating-gateway': 'TerminatingGateway',
  'jwt-provider': 'JWTProvider',
};

/**
 * API fields the consul-k8s CRDs have no field for (checked against the chart's schemas): Consul fills in or computes
 * them (`ParsedFromCheck`, intention `Precedence` and legacy fields), or consul-k8s does not expose them yet. They are
 * left out of the resource; the API JSON, HCL and Terraform outputs keep them.
 */
export const NO_CRD_FIELD: ReadonlySet<string> = new Set([
  'ParsedFromCheck',
  'ConsulVersion',
  'EnvoyVersion',
  'BalanceOutboundConnections',
  'MaxRequestHeadersKB',
  'Precedence',
  'LegacyID',
  'LegacyMeta',
  'LegacyCreateTime',
  'LegacyUpdateTime',
]);

/**
 * Go json tag of a Consul field in consul-k8s: `ConnectTimeout` → `connectTimeout`, `HTTP` → `http`,
 * `ExternalSNI` → `externalSNI`, and a leading acronym lower-cased whole: `TLSMinVersion` → `tlsMinVersion`,
 * `CAFile` → `caFile`, `JSONWebKeySet` → `jsonWebKeySet`.
 */
export function camelField(k: string): string {
  let tag = camelTags.get(k);
  if (tag === undefined) {
    const lead = /^[A-Z0-9]+/.exec(k)?.[0] ?? '';
    tag =
      lead.length === k.length
        ? k.toLowerCase()
        : lead.length > 1
          ? lead.slice(0, -1).toLowerCase() + k.slice(lead.length - 1)
          : k.charAt(0).toLowerCase() + k.slice(1);
    // Field names come from the entry schemas: few and the same in every entry (bounded anyway).
    if (camelTags.size < 4096) camelTags.set(k, tag);
  }
  return tag;
}

const camelTags = new Map<string, string>();

/** A name `kubeName` leaves as it is (most names; `isKubeName` checks it without the regular expression). */
export const KUBE_NAME = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;

/** A DNS-1123 subdomain for `metadata.name`: lower-case, `[a-z0-9.-]`, `*` → `wildcard`. */
export function kubeName(name: string): string {
  if (name === '*') return 'wildcard';
  if (isKubeName(name)) return name;
  const n = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return n === '' ? 'unnamed' : n.slice(0, 253);
}

/** `name.length <= 253 && KUBE_NAME.test(name)`, by its characters (every entry's name is checked once per CRD). */
export function isKubeName(name: string): boolean {
  const n = name.length;
  if (n === 0 || n > 253) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) continue;
    // `.` and `-` only inside.
    if ((c === 0x2e || c === 0x2d) && i > 0 && i < n - 1) continue;
    return false;
  }
  return true;
}

/** A `Meta` key kept as the annotation `meshcc.io/<key>` (and a valid value of the environment label). */
export const ANNOTATION_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
