/**
 * MC6xxx: the bundled SNI gateway (`meshcc-gateway`): its runtime config, as checked when it loads or reloads one.
 */
import { def } from '../diagnostic.ts';

export const GatewayConfigUnreadable = def<{ file: string; error: string }>(
  'MC6001',
  'error',
  'gateway config unreadable',
  (a) => `gateway config ${a.file} cannot be read as JSON: ${a.error}`,
  'pass the file written by `meshcc synth` (out/<env>/<dc>/gateway/<name>.json)',
);

export const GatewayConfigSchema = def<{ file: string; pointer: string; error: string }>(
  'MC6002',
  'error',
  'gateway config does not match its schema',
  (a) => `gateway config ${a.file} at ${a.pointer || '/'} ${a.error}`,
  'see schemas/gateway-config.schema.json',
);

export const GatewayDuplicateSni = def<{ sni: string; first: string; second: string }>(
  'MC6003',
  'error',
  'duplicate local SNI',
  (a) => `local SNI ${a.sni} is routed to both ${a.first} and ${a.second}; a gateway cannot choose between them`,
  'give each local route a distinct SNI',
);

export const GatewayRemoteIsSelf = def<{ dc: string }>(
  'MC6004',
  'error',
  'remote route to own datacenter',
  (a) => `routes.remote names datacenter ${a.dc}, which is this gateway's own datacenter; it would route to itself`,
  'remove the entry; local services are routed by routes.local',
);

export const GatewayDuplicateRemote = def<{ dc: string }>(
  'MC6005',
  'error',
  'duplicate remote datacenter',
  (a) => `routes.remote lists datacenter ${a.dc} more than once`,
  'merge the gateways into one entry',
);

export const GatewayLocalSniOutsideTrustDomain = def<{ sni: string; trustDomain: string }>(
  'MC6006',
  'warning',
  'local SNI outside the trust domain',
  (a) => `local SNI ${a.sni} does not end in .${a.trustDomain}; Consul's proxies never send it`,
  'check the trust domain (the CA cluster ID followed by .consul)',
);

export const GatewayBadLocalSni = def<{ sni: string }>(
  'MC6007',
  'error',
  'local SNI is not a host name',
  (a) => `local SNI ${JSON.stringify(a.sni)} is not an LDH host name; no ClientHello can carry it`,
  'SNI names are lower-case letters, digits and hyphens in dot-separated labels',
);

export const GatewaySniConflict = def<{ sni: string; first: string; second: string }>(
  'MC6008',
  'error',
  'one SNI on two kinds of route',
  (a) => `SNI ${a.sni} is routed both as ${a.first} and as ${a.second}; a gateway cannot choose between them`,
  'each SNI belongs to one route: a local service, a Consul server name, the peering server name or one peer',
);

export const GatewayBadPeerSni = def<{ peer: string; sni: string }>(
  'MC6009',
  'error',
  'peer SNI is not a host name',
  (a) => `routes.peers[${a.peer}] SNI ${JSON.stringify(a.sni)} is not an LDH host name; no ClientHello can carry it`,
  'list the exact SNIs the peer serves (`<svc>.<ns>.<partition>.<peer>.external.<peer trust domain>`, `server.<dc>.peering.<peer trust domain>`)',
);

export const GatewayDuplicatePeer = def<{ peer: string }>(
  'MC6010',
  'error',
  'duplicate peer',
  (a) => `routes.peers lists peer ${a.peer} more than once`,
  'merge the SNIs and gateways into one entry',
);
