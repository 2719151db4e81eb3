/**
 * MC2xxx: resolution and precedence — which config entry applies, which mesh-gateway mode wins, and discovery chains
 * Consul would refuse to compile.
 */
import { def } from '../diagnostic.ts';

export const DuplicateConfigEntry = def<{ kind: string; name: string; first: string; second: string }>(
  'MC2001',
  'error',
  'config entry defined twice',
  (a) =>
    `${a.kind} '${a.name}' is defined twice (${a.first} and ${a.second}); Consul keeps one entry per kind and name, ` +
    'so one definition would silently overwrite the other',
  'remove one of the definitions, or merge them into one',
);

export const ChainCompileFailed = def<{ upstream: string; service: string; dc: string; message: string }>(
  'MC2002',
  'error',
  'discovery chain does not compile',
  (a) =>
    `Consul refuses to compile the discovery chain for ${a.service} in ${a.dc} (upstream ${a.upstream}): ${a.message}`,
  'fix the service-resolver / service-defaults entries named in the message; Consul rejects the same chain',
);

export const L7ChainNotCompiled = def<{ service: string; dc: string; kind: string }>(
  'MC2003',
  'warning',
  'router or splitter not compiled',
  (a) =>
    `the discovery chain for ${a.service} in ${a.dc} uses a ${a.kind}, which meshcc does not compile yet; ` +
    'targets and reachability of this upstream are not checked',
  'check this chain against Consul with `GET /v1/discovery-chain/<service>`',
);

export const InvalidTimeout = def<{ entry: string; field: string; value: string }>(
  'MC2004',
  'error',
  'invalid duration',
  (a) => `${a.entry} has ${a.field} '${a.value}', which is not a Go duration such as '5s' or '1m30s'`,
  "write the duration with a unit: '500ms', '5s', '1m'",
);

export const L7ProtocolNotHttp = def<{ kind: string; name: string; consul: string; protocol: string }>(
  'MC2005',
  'error',
  'router or splitter on a service that is not HTTP',
  (a) => `Consul refuses to write ${a.kind} '${a.name}': ${a.consul}`,
  (a) =>
    `routers and splitters need protocol http, http2 or grpc: set \`protocol: 'http'\` on the ServiceDefaults of '${a.name}' ` +
    `(or on ProxyDefaults for every service); it is '${a.protocol}' now`,
);

export const L7SubsetUndefined = def<{ kind: string; name: string; where: string; consul: string; service: string }>(
  'MC2006',
  'error',
  'route or split names a subset the resolver does not define',
  (a) => `Consul refuses to write ${a.kind} '${a.name}' (${a.where}): ${a.consul}`,
  (a) => `define the subset in the service-resolver of '${a.service}' (\`subsets: { ... }\`), or name one it defines`,
);
