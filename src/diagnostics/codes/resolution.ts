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

export const EntryWriteRefused = def<{ entry: string; where: string; message: string }>(
  'MC2005',
  'error',
  'Consul refuses to write this entry',
  (a) =>
    `Consul would refuse to write ${a.entry} (${a.where}): ${a.message}. Consul compiles every discovery chain the ` +
    'entry changes when it is written, and rejects the write when one of them does not compile',
  'fix the router/splitter/resolver/service-defaults entries named in the message (protocols must agree and be http, http2 or grpc where routers or splitters are used; subsets must exist; no redirect or splitter loops)',
);

export const UndeclaredDatacenter = def<{ entry: string; field: string; dc: string; known: string }>(
  'MC2006',
  'error',
  'redirect or failover to an undeclared datacenter',
  (a) =>
    `${a.entry}: ${a.field} names datacenter '${a.dc}', which the mesh does not declare (declared: ${a.known}); ` +
    'traffic sent there has nowhere to go',
  (a) => `declare datacenter '${a.dc}' in the mesh, or remove it from ${a.field}`,
);
