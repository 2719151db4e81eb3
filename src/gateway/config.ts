/**
 * The gateway's runtime config: read a JSON file, validate it against `schemas/gateway-config.schema.json` (strict:
 * unknown fields are errors), fill in the schema's defaults and check what a schema cannot (duplicate SNI, one SNI on two
 * kinds of route, a remote route to the gateway's own datacenter). Returns diagnostics instead of throwing.
 */
import { readFileSync } from 'node:fs';
import Ajv2020Import from 'ajv/dist/2020.js';
import schema from '../../schemas/gateway-config.schema.json' with { type: 'json' };
import {
  GatewayBadLocalSni,
  GatewayBadPeerSni,
  GatewayConfigSchema,
  GatewayConfigUnreadable,
  GatewayDuplicatePeer,
  GatewayDuplicateRemote,
  GatewayDuplicateSni,
  GatewayLocalSniOutsideTrustDomain,
  GatewayRemoteIsSelf,
  GatewaySniConflict,
} from '../diagnostics/codes/gateway.ts';
import { type Diagnostic, diag } from '../diagnostics/diagnostic.ts';
import { isLdhHostname } from './client-hello.ts';
import {
  type Endpoint,
  type PeeringRoutesSpec,
  type PeerRouteSpec,
  peeringServerSni,
  type RouteTableSpec,
  type ServerRoutesSpec,
  serverSni,
} from './route-table.ts';

/** The validated config with every default filled in. */
export interface GatewayConfig {
  readonly version: 1;
  readonly name: string;
  readonly datacenter: string;
  readonly trustDomain: string;
  readonly listeners: readonly { readonly name: 'lan' | 'wan'; readonly address: string; readonly port: number }[];
  readonly admin: Endpoint;
  readonly routes: {
    readonly local: readonly {
      readonly sni: string;
      readonly service: string;
      readonly endpoints: readonly Endpoint[];
    }[];
    readonly remote: readonly { readonly datacenter: string; readonly gateways: readonly Endpoint[] }[];
    /** WAN federation through mesh gateways: Consul server traffic. */
    readonly servers?: ServerRoutesSpec;
    /** Peering control plane through mesh gateways: this datacenter's servers for peers. */
    readonly peering?: PeeringRoutesSpec;
    /** Peers reached through their gateways, by the exact SNIs they serve. */
    readonly peers?: readonly PeerRouteSpec[];
  };
  readonly timeouts: {
    readonly clientHelloMs: number;
    readonly connectMs: number;
    readonly idleMs: number;
    readonly drainMs: number;
  };
  readonly limits: {
    readonly maxConnections: number;
    readonly maxPendingHandshakes: number;
    readonly maxClientHelloBytes: number;
  };
  readonly accessLog: { readonly enabled: boolean; readonly path?: string };
  readonly consul?: {
    readonly address: string;
    readonly tokenEnv?: string;
    readonly tokenFile?: string;
    readonly caFile?: string;
    readonly discover: boolean;
    readonly register?: { readonly id: string; readonly lan?: Endpoint; readonly wan?: Endpoint };
  };
}

export interface LoadResult {
  readonly config?: GatewayConfig;
  readonly diagnostics: readonly Diagnostic[];
}

type Validate = ((data: unknown) => boolean) & {
  errors?: readonly { instancePath: string; message?: string; params?: Record<string, unknown> }[] | null;
};

let validator: Validate | undefined;

function getValidator(): Validate {
  if (validator) return validator;
  // ajv is CommonJS: under NodeNext its default import is `module.exports`, whose `.default` is the class.
  const Ajv2020 = ((Ajv2020Import as unknown as { default?: unknown }).default ?? Ajv2020Import) as unknown as new (
    o: object,
  ) => { compile(s: unknown): Validate };
  const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: true, allowUnionTypes: true });
  validator = ajv.compile(schema);
  return validator;
}

const DEFAULTS = {
  timeouts: { clientHelloMs: 5000, connectMs: 5000, idleMs: 3_600_000, drainMs: 30_000 },
  limits: { maxConnections: 20_000, maxPendingHandshakes: 2000, maxClientHelloBytes: 16_384 },
  accessLog: { enabled: true },
};

/** Validates an already-parsed config object. `file` only names it in messages. */
export function validateGatewayConfig(raw: unknown, file: string): LoadResult {
  const data = structuredClone(raw) as Record<string, unknown>;
  const validate = getValidator();
  if (!validate(data)) {
    const diagnostics = (validate.errors ?? []).map((e) => {
      const extra = e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : '';
      return diag(
        GatewayConfigSchema,
        { path: file },
        { file, pointer: e.instancePath, error: `${e.message ?? 'is invalid'}${extra}` },
      );
    });
    return { diagnostics };
  }
  const cfg = {
    name: 'mesh-gateway',
    ...data,
    timeouts: { ...DEFAULTS.timeouts, ...(data.timeouts as object | undefined) },
    limits: { ...DEFAULTS.limits, ...(data.limits as object | undefined) },
    accessLog: { ...DEFAULTS.accessLog, ...(data.accessLog as object | undefined) },
    ...(data.consul ? { consul: { discover: true, ...(data.consul as object) } } : {}),
  } as GatewayConfig;
  const diagnostics: Diagnostic[] = [];
  const seen = new Map<string, string>();
  for (const l of cfg.routes.local) {
    const sni = l.sni.toLowerCase();
    if (!isLdhHostname(sni)) diagnostics.push(diag(GatewayBadLocalSni, { path: file }, { sni: l.sni }));
    else if (!sni.endsWith(`.${cfg.trustDomain}`))
      diagnostics.push(
        diag(GatewayLocalSniOutsideTrustDomain, { path: file }, { sni: l.sni, trustDomain: cfg.trustDomain }),
      );
    const first = seen.get(sni);
    if (first !== undefined && first !== l.service)
      diagnostics.push(diag(GatewayDuplicateSni, { path: file }, { sni, first, second: l.service }));
    seen.set(sni, l.service);
  }
  const dcs = new Set<string>();
  for (const r of cfg.routes.remote) {
    if (r.datacenter === cfg.datacenter)
      diagnostics.push(diag(GatewayRemoteIsSelf, { path: file }, { dc: r.datacenter }));
    if (dcs.has(r.datacenter)) diagnostics.push(diag(GatewayDuplicateRemote, { path: file }, { dc: r.datacenter }));
    dcs.add(r.datacenter);
  }
  // Every other exact name must not collide with a local service's SNI or with each other.
  const owner = new Map<string, string>([...seen].map(([sni, service]) => [sni, `local service ${service}`]));
  const claim = (sni: string, what: string) => {
    const n = sni.toLowerCase();
    const first = owner.get(n);
    if (first !== undefined && first !== what)
      diagnostics.push(diag(GatewaySniConflict, { path: file }, { sni: n, first, second: what }));
    else owner.set(n, what);
  };
  const { servers, peering, peers } = cfg.routes;
  if (servers) {
    for (const s of servers.local) claim(serverSni(cfg.datacenter, servers.domain, s.node), `server ${s.node}`);
    claim(serverSni(cfg.datacenter, servers.domain), 'any local server');
    for (const r of cfg.routes.remote)
      if (r.datacenter !== cfg.datacenter)
        claim(serverSni(r.datacenter, servers.domain), `the servers of ${r.datacenter}`);
  }
  if (peering) claim(peeringServerSni(cfg.datacenter, cfg.trustDomain), 'the peering servers');
  const peerNames = new Set<string>();
  for (const p of peers ?? []) {
    if (peerNames.has(p.peer)) diagnostics.push(diag(GatewayDuplicatePeer, { path: file }, { peer: p.peer }));
    peerNames.add(p.peer);
    for (const sni of p.snis) {
      if (!isLdhHostname(sni.toLowerCase()))
        diagnostics.push(diag(GatewayBadPeerSni, { path: file }, { peer: p.peer, sni }));
      else claim(sni, `peer ${p.peer}`);
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return { config: cfg, diagnostics };
}

/** Reads and validates a config file. */
export function loadGatewayConfig(file: string): LoadResult {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { diagnostics: [diag(GatewayConfigUnreadable, { path: file }, { file, error: (e as Error).message })] };
  }
  return validateGatewayConfig(raw, file);
}

/** The route-table input of a config. */
export function routeSpecOf(cfg: GatewayConfig): RouteTableSpec {
  return {
    datacenter: cfg.datacenter,
    trustDomain: cfg.trustDomain,
    local: cfg.routes.local,
    remote: cfg.routes.remote,
    ...(cfg.routes.servers ? { servers: cfg.routes.servers } : {}),
    ...(cfg.routes.peering ? { peering: cfg.routes.peering } : {}),
    ...(cfg.routes.peers ? { peers: cfg.routes.peers } : {}),
  };
}
