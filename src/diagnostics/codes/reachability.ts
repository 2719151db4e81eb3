/**
 * MC3xxx: validation before merge — topology, reachability of every upstream target (primary and failover), upstream
 * declarations, intentions, cross-artifact consistency and suppressions. See `docs/diagnostics.md`.
 */
import { def } from '../diagnostic.ts';

// ---- Topology (MC300x) ----

export const DuplicateDatacenter = def<{ name: string }>(
  'MC3001',
  'error',
  'datacenter name used twice',
  (a) => `datacenter name '${a.name}' is declared twice; Consul requires every datacenter to have a unique name`,
  'rename one of the datacenters',
);

export const PrimaryDatacenterCount = def<{ count: number; names: string }>(
  'MC3002',
  'error',
  'not exactly one primary datacenter',
  (a) =>
    a.count === 0
      ? 'no datacenter is marked primary; a mesh needs exactly one primary datacenter (the Connect CA and config entries live there)'
      : `${a.count} datacenters are marked primary (${a.names}); a mesh needs exactly one`,
  'set `primary: true` on exactly one Datacenter',
);

export const ConnectDisabled = def<{ dc: string; kubernetes: boolean }>(
  'MC3003',
  'error',
  'Connect disabled in a datacenter',
  (a) =>
    `datacenter '${a.dc}' has Connect disabled; mesh gateways and sidecars need Connect enabled in every datacenter` +
    (a.kubernetes ? ` (with a mesh gateway the consul-k8s chart fails with "connectInject.enabled must be true")` : ''),
  'enable Connect in this datacenter (`connect.enabled = true`, Helm `connectInject.enabled`)',
);

export const PrimaryDatacenterDisagreement = def<{ dc: string; configured: string; primary: string }>(
  'MC3004',
  'error',
  'datacenters disagree on the primary',
  (a) =>
    `datacenter '${a.dc}' is configured with primary_datacenter '${a.configured}', but the mesh's primary is '${a.primary}'; ` +
    'all datacenters must agree on the primary for certificates to be trusted across them',
  (a) => `set primary_datacenter to '${a.primary}' in '${a.dc}'`,
);

export const FederationGatewayMissing = def<{ dc: string; reason: string }>(
  'MC3005',
  'error',
  'WAN federation needs a mesh gateway with a WAN address in every datacenter',
  (a) =>
    `datacenter '${a.dc}' has no mesh gateway with a WAN address, but the mesh federates through mesh gateways (${a.reason})`,
  'add a MeshGateway with a `wan` address to this datacenter',
);

// ---- Reachability per (instance, upstream, target) (MC301x) ----

export const LocalModeNoSourceGateway = def<{ upstream: string; target: string; dc: string; targetDc: string }>(
  'MC3010',
  'error',
  'mode local without a gateway in the source datacenter',
  (a) =>
    `upstream ${a.upstream} reaches ${a.target} in '${a.targetDc}' in mesh-gateway mode 'local', but datacenter '${a.dc}' ` +
    'deploys no mesh gateway for the sidecar to dial',
  (a) => `add a MeshGateway to '${a.dc}', or use mode 'remote' for this upstream`,
);

export const NoRemoteGateway = def<{ upstream: string; target: string; targetDc: string; mode: string; why: string }>(
  'MC3011',
  'error',
  'no reachable gateway in the target datacenter',
  (a) =>
    `upstream ${a.upstream} reaches ${a.target} in '${a.targetDc}' in mesh-gateway mode '${a.mode}', but '${a.targetDc}' ${a.why}`,
  (a) => `add a MeshGateway with a \`wan\` address to '${a.targetDc}'`,
);

export const DirectAcrossNetworks = def<{
  upstream: string;
  target: string;
  dc: string;
  targetDc: string;
  network: string;
  targetNetwork: string;
}>(
  'MC3012',
  'error',
  "mode 'none' across networks",
  (a) =>
    `upstream ${a.upstream} reaches ${a.target} in '${a.targetDc}' in mesh-gateway mode 'none' (direct), but '${a.dc}' is on ` +
    `network '${a.network}' and '${a.targetDc}' on network '${a.targetNetwork}'; the sidecar cannot dial the instances directly`,
  "set the mesh-gateway mode to 'local' or 'remote' (e.g. on the upstream or in proxy-defaults)",
);

export const DestinationNotDeployed = def<{ upstream: string; service: string; dc: string; deployedIn: string }>(
  'MC3013',
  'error',
  'upstream destination not deployed in the target datacenter',
  (a) =>
    `upstream ${a.upstream} targets ${a.service} in '${a.dc}', but ${a.service} is deployed ${a.deployedIn} and no failover ` +
    'covers it; the upstream has no endpoints',
  (a) =>
    `deploy ${a.service} to '${a.dc}', point the upstream at a datacenter that runs it, or add a service-resolver failover`,
);

export const FailoverTargetNotDeployed = def<{ upstream: string; service: string; dc: string }>(
  'MC3014',
  'warning',
  'failover target datacenter does not run the service',
  (a) =>
    `failover of upstream ${a.upstream} goes to ${a.service} in '${a.dc}', but ${a.service} is not deployed there; ` +
    'this failover target never has endpoints',
  (a) => `deploy ${a.service} to '${a.dc}' or remove '${a.dc}' from the resolver's Failover`,
);

export const FailoverNeverTriggers = def<{ resolver: string; dc: string; service: string }>(
  'MC3015',
  'warning',
  'failover that can never trigger',
  (a) =>
    `service-resolver '${a.resolver}' fails over to ${a.service} in '${a.dc}', which is the primary target itself; ` +
    'failing over to the target that just failed never helps',
  (a) => `remove '${a.dc}' from Failover Datacenters/Targets, or fail over to another datacenter`,
);

// ---- Upstream declarations (MC302x) ----

export const BindPortCollision = def<{
  instance: string;
  address: string;
  port: number;
  first: string;
  second: string;
}>(
  'MC3020',
  'error',
  'local bind port used twice in one instance',
  (a) =>
    `instance ${a.instance} binds upstreams ${a.first} and ${a.second} to the same address ${a.address}:${a.port}; ` +
    'the sidecar cannot open two listeners on one port',
  'give each upstream its own localBindPort',
);

export const UpstreamToSelf = def<{ instance: string; service: string }>(
  'MC3021',
  'warning',
  'upstream to the service itself',
  (a) => `instance ${a.instance} declares an upstream to its own service ${a.service}`,
  'remove the upstream unless the service really calls itself through its sidecar',
);

export const DuplicateUpstream = def<{ instance: string; destination: string; dc: string }>(
  'MC3022',
  'error',
  'upstream declared twice',
  (a) => `instance ${a.instance} declares the upstream ${a.destination} (datacenter '${a.dc}') twice`,
  'remove one of the upstream declarations',
);

export const UpstreamUnknownDatacenter = def<{ upstream: string; dc: string; known: string }>(
  'MC3023',
  'error',
  'upstream targets an undeclared datacenter',
  (a) => `upstream ${a.upstream} targets datacenter '${a.dc}', which is not declared (declared: ${a.known})`,
  'declare the datacenter or fix the name',
);

// ---- Intentions (MC303x) ----

export const NoAllowingIntention = def<{ source: string; destination: string }>(
  'MC3030',
  'error',
  'upstream not allowed by any intention (default deny)',
  (a) =>
    `${a.source} calls ${a.destination}, but ACLs default to deny and no service-intentions entry allows ${a.source} → ${a.destination}; ` +
    'every connection will be refused',
  (a) => `add an intention allowing '${a.source}' to '${a.destination}'`,
);

export const DeniedByIntention = def<{ source: string; destination: string; rule: string }>(
  'MC3031',
  'error',
  'upstream denied by an intention',
  (a) =>
    `${a.source} calls ${a.destination}, but the intention ${a.rule} denies it (the most precise matching intention wins); ` +
    'every connection will be refused',
  'remove the upstream or change the intention to allow',
);

export const IntentionMatchesNothing = def<{ entry: string; role: 'source' | 'destination'; name: string }>(
  'MC3032',
  'warning',
  'intention matches no declared service',
  (a) => `service-intentions '${a.entry}' names ${a.role} '${a.name}', which is not a declared service`,
  'fix the service name or remove the intention',
);

export const LegNotAllowed = def<{ source: string; upstream: string; leg: string; target: string; why: string }>(
  'MC3033',
  'error',
  'route, split or failover target not allowed by intentions',
  (a) =>
    `${a.source}'s upstream ${a.upstream} sends ${a.leg} to ${a.target}, but ${a.why}; ` +
    `those requests will be refused (${a.target}'s sidecar checks intentions against ${a.source})`,
  (a) => `add an intention allowing '${a.source}' to '${a.target}', or change the route/split/failover`,
);

// ---- Cross-artifact consistency (MC304x) ----

export const ModeNeedsGatewayNotDeployed = def<{ where: string; mode: string; dc: string }>(
  'MC3040',
  'warning',
  'gateway mode set where no gateway is deployed',
  (a) =>
    `${a.where} sets mesh-gateway mode '${a.mode}', but datacenter '${a.dc}' runs affected services and deploys no mesh gateway`,
  (a) => `add a MeshGateway to '${a.dc}' before any of its services call another datacenter`,
);

export const ProtocolMismatch = def<{ upstream: string; protocol: string; destination: string; destProtocol: string }>(
  'MC3041',
  'error',
  'upstream protocol differs from the destination protocol',
  (a) =>
    `upstream ${a.upstream} is configured with protocol '${a.protocol}', but ${a.destination} speaks '${a.destProtocol}' ` +
    '(service-defaults / proxy-defaults); the listener and the cluster would disagree',
  (a) => `set the upstream protocol to '${a.destProtocol}' or change the destination's service-defaults`,
);

// ---- Suppressions (MC305x) ----

export const ErrorSuppressionRejected = def<{ code: string; path: string }>(
  'MC3050',
  'error',
  'an error cannot be suppressed',
  (a) => `${a.path} suppresses ${a.code}, which is an error; only warnings and info can be suppressed`,
  'fix the problem instead; remove the suppression',
);

export const SuppressionUnknownCode = def<{ code: string; path: string }>(
  'MC3051',
  'warning',
  'suppression of an unknown code',
  (a) => `${a.path} suppresses ${a.code}, which is not a meshcc diagnostic code`,
  'check the code in docs/diagnostics.md',
);

// ---- Raw entry files (MC306x) ----

export const ResolverRejected = def<{ name: string; message: string }>(
  'MC3060',
  'error',
  'service-resolver Consul would refuse to write',
  (a) => `service-resolver '${a.name}' would be rejected by Consul: ${a.message}`,
  'fix the field named in the message; `consul config write` refuses the same entry',
);
