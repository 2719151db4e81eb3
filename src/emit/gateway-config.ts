/**
 * Runtime config of meshcc's bundled SNI gateway: `<dc>/gateway/<name>.json`, one per gateway whose
 * implementation is `meshcc` (or every gateway, with `allImplementations`). Follows
 * `schemas/gateway-config.schema.json` exactly:
 *
 * - listeners: `lan` on the gateway's LAN address; `wan` on its WAN port, bound to the WAN address when that is an
 *   IP literal, else to `0.0.0.0` (a DNS name or load balancer in front of the host).
 * - routes.local: the exact SNI of every service deployed in this datacenter, and of every subset its
 *   service-resolver declares, to the sidecar endpoints (instance address + sidecar port, see `model/topology.ts`).
 *   Kubernetes pods have no address at synth time: their routes have no endpoints and the gateway discovers them
 *   from Consul (the `consul` block).
 * - routes.remote: every other datacenter with a WAN-reachable gateway, to those gateways' WAN endpoints.
 * - routes.servers (federated meshes: the agent config turns on `connect.enable_mesh_gateway_wan_federation`): Consul's
 *   servers tunnel RPC and gossip through the gateways by SNI (`<node>.server.<dc>.consul`, `server.<dc>.consul`); the
 *   local servers are discovered from Consul (`/v1/health/service/consul`), so the `consul` block is always present
 *   (`discover` stays false on VMs: static service routes are not replaced) and registers the gateway with the
 *   `consul-wan-federation` meta the servers look for. Server addresses are not
 *   part of the model; the domain is Consul's default `consul`.
 * - Peering (peered meshes, `options.peering`, gateways in the cluster's primary only; see `gateway-peering.ts`):
 *   `routes.peering` (local servers discovered) with `PeerThroughMeshGateways`, `routes.peers` (each peer's server
 *   and imported-service names to its gateways' WAN endpoints) and `routes.local` entries for exported services'
 *   `...external...` names. Such a gateway always registers itself: Consul puts the registered mesh gateways' WAN
 *   addresses into peering tokens (`PeerThroughMeshGateways`), replicates exported services to importers as the
 *   registered gateway and gives sidecars in mode `local` the registered local gateways.
 */
import { isIP } from 'node:net';
import { serviceSni } from '../compiler/sni.ts';
import type { Compilation } from '../compiler/types.ts';
import type { ServiceResolverEntry } from '../model/entries.ts';
import { byString, DEFAULT_ADMIN_PORT, gatewaysIn, instancesIn, isFederated, sidecarPorts } from '../model/topology.ts';
import type { DatacenterDecl, MeshGatewayDecl } from '../model/types.ts';
import { type Artifact, stableJson } from './artifact.ts';
import type { ClusterPeeringRoutes, PeerRoute } from './gateway-peering.ts';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface LocalRoute {
  readonly sni: string;
  readonly service: string;
  readonly endpoints: readonly Endpoint[];
}

export interface RemoteRoute {
  readonly datacenter: string;
  readonly gateways: readonly Endpoint[];
}

/** WAN federation through mesh gateways: server names are routed; the local servers come from discovery. */
export interface ServerRoutes {
  readonly domain: string;
  readonly local: readonly { readonly node: string; readonly address: string; readonly port: number }[];
}

/** Consul's default DNS domain, which server names (`tlsutil.Configurator.ServerSNI`) end in. */
export const CONSUL_DOMAIN = 'consul';

/** The gateway runtime config (the shape of schemas/gateway-config.schema.json). */
export interface GatewayRuntimeConfig {
  readonly version: 1;
  readonly name: string;
  readonly datacenter: string;
  readonly trustDomain: string;
  readonly listeners: readonly { readonly name: 'lan' | 'wan'; readonly address: string; readonly port: number }[];
  readonly admin: Endpoint;
  readonly routes: {
    readonly local: readonly LocalRoute[];
    readonly remote: readonly RemoteRoute[];
    readonly servers?: ServerRoutes;
    readonly peering?: { readonly servers: readonly Endpoint[] };
    readonly peers?: readonly PeerRoute[];
  };
  readonly consul?: {
    readonly address: string;
    readonly tokenEnv?: string;
    /** Watch services and remote gateways (server routes are watched regardless). */
    readonly discover: boolean;
    readonly register?: { readonly id: string; readonly lan: Endpoint; readonly wan?: Endpoint };
  };
}

function subsetsOf(c: Compilation, service: string): string[] {
  const r = c.entries.find((e): e is ServiceResolverEntry => e.Kind === 'service-resolver' && e.Name === service);
  return Object.keys(r?.Subsets ?? {}).sort(byString);
}

function localRoutes(c: Compilation, dc: DatacenterDecl): LocalRoute[] {
  const ports = sidecarPorts(c.model, dc);
  const byKey = new Map<string, { service: string; namespace: string; partition: string; endpoints: Endpoint[] }>();
  for (const i of instancesIn(c.model, dc.name)) {
    const key = `${i.partition}/${i.namespace}/${i.service}`;
    const entry = byKey.get(key) ?? {
      service: i.service,
      namespace: i.namespace,
      partition: i.partition,
      endpoints: [],
    };
    if (dc.platform === 'vm' && i.address) entry.endpoints.push({ address: i.address, port: ports.get(i.path)! });
    byKey.set(key, entry);
  }
  const routes: LocalRoute[] = [];
  for (const s of byKey.values()) {
    const endpoints = [...s.endpoints].sort((a, b) => byString(a.address, b.address) || a.port - b.port);
    // Subset SNIs carry the same endpoints: the gateway cannot evaluate a subset's Filter, Consul's does so upstream.
    for (const subset of ['', ...subsetsOf(c, s.service)]) {
      const sni = serviceSni(
        { service: s.service, subset, namespace: s.namespace, partition: s.partition, datacenter: dc.name },
        c.model.trustDomain,
      );
      routes.push({ sni, service: s.service, endpoints });
    }
  }
  return routes.sort((a, b) => byString(a.sni, b.sni));
}

/** Exported services' `...external...` names carry the same endpoints as the service's own local route. */
function withExports(local: LocalRoute[], peering: ClusterPeeringRoutes | undefined): LocalRoute[] {
  if (!peering || peering.exported.length === 0) return local;
  const bySvc = new Map(local.filter((r) => !r.sni.includes('.internal-v1.')).map((r) => [r.service, r]));
  const extra: LocalRoute[] = [];
  for (const x of peering.exported) {
    const own = bySvc.get(x.service);
    if (own) extra.push({ sni: x.sni, service: x.service, endpoints: own.endpoints });
  }
  return [...local, ...extra].sort((a, b) => byString(a.sni, b.sni));
}

function remoteRoutes(c: Compilation, dc: DatacenterDecl): RemoteRoute[] {
  return c.model.datacenters
    .filter((d) => d.name !== dc.name)
    .map((d) => ({
      datacenter: d.name,
      gateways: gatewaysIn(c.model, d.name).flatMap((g) =>
        g.wan ? [{ address: g.wan.address, port: g.wan.port }] : [],
      ),
    }))
    .filter((r) => r.gateways.length > 0)
    .sort((a, b) => byString(a.datacenter, b.datacenter));
}

function consulAddress(dc: DatacenterDecl): string {
  const scheme = dc.tls ? 'https' : 'http';
  const port = dc.tls ? 8501 : 8500;
  if (dc.platform === 'kubernetes' && dc.kubernetes) {
    return `${scheme}://${dc.kubernetes.releaseName}-server.${dc.kubernetes.namespace}.svc:${port}`;
  }
  return `${scheme}://127.0.0.1:${port}`;
}

/** The runtime config of one gateway. */
export function gatewayRuntimeConfig(
  c: Compilation,
  g: MeshGatewayDecl,
  peeringRoutes?: ClusterPeeringRoutes,
): GatewayRuntimeConfig {
  const dc = c.model.datacenters.find((d) => d.name === g.datacenter)!;
  const listeners: { name: 'lan' | 'wan'; address: string; port: number }[] = [
    { name: 'lan', address: g.lan.address, port: g.lan.port },
  ];
  if (g.wan)
    listeners.push({ name: 'wan', address: isIP(g.wan.address) ? g.wan.address : '0.0.0.0', port: g.wan.port });
  const peering = peeringRoutes?.datacenter === dc.name ? peeringRoutes : undefined;
  const local = withExports(localRoutes(c, dc), peering);
  const federated = isFederated(c.model);
  const peeringServers = peering?.peerThroughMeshGateways === true;
  // Consul finds mesh gateways only in its catalog: WAN federation (servers), and in a peered cluster's primary
  // whatever the `mesh` entry says — tokens and dialing with PeerThroughMeshGateways, the exported services' sidecars
  // replicated to importers as the registered gateway (seen live), sidecars in mode `local` dialing their gateway.
  const register = federated || peering !== undefined;
  // Services and remote gateways are watched only when some route has no endpoints (Kubernetes pods); the servers of
  // a federated mesh are watched whatever `discover` says.
  const discover = local.some((r) => r.endpoints.length === 0);
  return {
    version: 1,
    name: g.name,
    datacenter: dc.name,
    trustDomain: c.model.trustDomain,
    listeners,
    admin: { address: '127.0.0.1', port: g.adminPort ?? DEFAULT_ADMIN_PORT },
    routes: {
      local,
      remote: remoteRoutes(c, dc),
      ...(federated ? { servers: { domain: CONSUL_DOMAIN, local: [] } } : {}),
      ...(peeringServers ? { peering: { servers: [] } } : {}),
      ...(peering && peering.peers.length > 0 ? { peers: peering.peers } : {}),
    },
    ...(discover || register
      ? {
          consul: {
            address: consulAddress(dc),
            discover,
            ...(c.model.aclsEnabled ? { tokenEnv: 'CONSUL_HTTP_TOKEN' } : {}),
            ...(register
              ? {
                  register: {
                    id: g.name,
                    lan: { address: g.lan.address, port: g.lan.port },
                    ...(g.wan ? { wan: { address: g.wan.address, port: g.wan.port } } : {}),
                  },
                }
              : {}),
          },
        }
      : {}),
  };
}

export interface GatewayConfigOptions {
  /** Emit a config for Envoy gateways too (e.g. to swap implementations later). @default false */
  readonly allImplementations?: boolean;
  /** A peered cluster's peering routes (`clusterPeeringRoutes`), for the gateways of its primary datacenter. */
  readonly peering?: ClusterPeeringRoutes;
}

/** Emits `<dc>/gateway/<name>.json` for every bundled (or, with the option, every) gateway. */
export function emitGatewayConfig(c: Compilation, options: GatewayConfigOptions = {}): Artifact[] {
  return [...c.model.gateways]
    .filter((g) => options.allImplementations || g.implementation === 'meshcc')
    .sort((a, b) => byString(a.datacenter, b.datacenter) || byString(a.name, b.name))
    .map((g) => ({
      path: `${g.datacenter}/gateway/${g.name}.json`,
      content: stableJson(gatewayRuntimeConfig(c, g, options.peering)),
    }));
}
