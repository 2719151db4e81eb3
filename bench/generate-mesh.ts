/**
 * Generates a large MeshModel that validates without errors for benchmarks: `services` services spread over three datacenters (dc1 primary on
 * Kubernetes, dc2 and dc3 on VMs, a mesh gateway in each), every tenth service also deployed in a second datacenter,
 * each instance with `upstreamsPerInstance` upstreams (an L7 service runs a v1 group and a v2 canary group, by `Service.Meta.version`) (every fifth one pinned to another datacenter), a
 * service-defaults for every fourth service, a resolver with failover for every tenth, and one intentions entry per
 * destination allowing its callers. Deterministic: same arguments, same model.
 */
import type { ConfigEntry, IntentionSource } from '../src/model/entries.ts';
import type {
  DatacenterDecl,
  EntryDecl,
  MeshGatewayDecl,
  MeshModel,
  ServiceInstanceDecl,
  UpstreamDecl,
} from '../src/model/types.ts';

const DCS = ['dc1', 'dc2', 'dc3'] as const;

/** A service index with `index % 3 === group` (its home datacenter), spread deterministically by caller and slot. */
function pickInGroup(caller: number, slot: number, group: number, services: number): number {
  const groupSize = Math.floor((services - 1 - group) / 3) + 1;
  return ((Math.floor(caller / 3) + slot * 7) % groupSize) * 3 + group;
}

function svcName(i: number): string {
  return `svc-${String(i).padStart(5, '0')}`;
}

/** Options of {@link generateMesh}. */
export interface MeshShape {
  /**
   * Half the services (every even one) speak HTTP and get L7 routing: a resolver with subsets v1/v2, a splitter
   * (90 % v1, 10 % v2) and a router (`/v2` to subset v2, a canary header to the splitter, the rest by default).
   */
  readonly l7?: boolean;
}

export function generateMesh(services: number, upstreamsPerInstance = 5, shape: MeshShape = {}): MeshModel {
  const root = 'bench';
  const datacenters: DatacenterDecl[] = DCS.map((name, i) => ({
    path: `${root}/${name}`,
    name,
    primary: i === 0,
    platform: i === 0 ? 'kubernetes' : 'vm',
    connectEnabled: true,
    primaryDatacenter: 'dc1',
    network: name,
    servers: 3,
    tls: true,
    ...(i === 0 ? { kubernetes: { releaseName: 'consul', namespace: 'consul' } } : {}),
  }));
  const gateways: MeshGatewayDecl[] = DCS.map((dc, i) => ({
    path: `${root}/${dc}/mesh-gateway`,
    name: 'mesh-gateway',
    datacenter: dc,
    lan: { address: `10.${i}.0.10`, port: 8443 },
    wan: { address: `192.0.2.${10 + i}`, port: 8443 },
    instances: 2,
    implementation: 'envoy',
  }));
  const instances: ServiceInstanceDecl[] = [];
  const callers = new Map<string, string[]>();
  const entries: EntryDecl[] = [
    {
      path: `${root}/proxy-defaults`,
      origin: 'construct',
      entry: { Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'local' }, Config: { protocol: 'tcp' } },
    },
  ];
  for (let i = 0; i < services; i++) {
    const name = svcName(i);
    const l7 = shape.l7 === true && i % 2 === 0;
    const homes = i % 10 === 0 ? [DCS[i % 3]!, DCS[(i + 1) % 3]!] : [DCS[i % 3]!];
    for (const dc of homes) {
      const upstreams: UpstreamDecl[] = [];
      for (let u = 1; u <= upstreamsPerInstance; u++) {
        // Unpinned upstreams go to a service of the caller's home datacenter (so every chain resolves to a deployed
        // instance); the fifth is pinned to a service living in the next datacenter, through the gateways.
        const home = DCS.indexOf(dc);
        const pinned = u === 5 ? DCS[(home + 1) % 3] : undefined;
        const j = pickInGroup(i, u, pinned === undefined ? home : (home + 1) % 3, services);
        if (j === i) continue;
        const dest = svcName(j);
        upstreams.push({
          path: `${root}/${name}/${dc}/upstreams/${dest}`,
          destinationName: dest,
          destinationNamespace: 'default',
          destinationPartition: 'default',
          ...(pinned ? { datacenter: pinned } : {}),
          localBindPort: 20000 + u,
          ...(u === 2 ? { meshGateway: 'remote' as const } : {}),
        });
        const list = callers.get(dest) ?? [];
        list.push(name);
        callers.set(dest, list);
      }
      // One literal per instance, as the lowering (src/constructs/lower.ts) builds them: not `{ ...base, path }`,
      // which in V8 gives every instance a hidden class of its own (see src/model/data-copy.ts).
      const instance = (path: string, count: number, extra: Partial<ServiceInstanceDecl>): ServiceInstanceDecl => ({
        service: name,
        namespace: 'default',
        partition: 'default',
        datacenter: dc,
        port: 8080,
        upstreams,
        path,
        count,
        ...extra,
      });
      if (l7) {
        // Instances for both subsets: two of version v1, one canary of v2 (same callers).
        instances.push(instance(`${root}/${name}/${dc}`, 2, { meta: { version: 'v1' } }));
        instances.push(instance(`${root}/${name}/${dc}/v2`, 1, { meta: { version: 'v2' }, group: 'v2' }));
      } else {
        instances.push(instance(`${root}/${name}/${dc}`, 2, {}));
      }
    }
    if (i % 4 === 0 || l7) {
      entries.push({
        path: `${root}/${name}/service-defaults`,
        origin: 'construct',
        entry: { Kind: 'service-defaults', Name: name, Protocol: l7 ? 'http' : 'tcp', MeshGateway: { Mode: 'local' } },
      });
    }
    if (i % 10 === 0 || l7) {
      entries.push({
        path: `${root}/${name}/resolver`,
        origin: 'construct',
        entry: {
          Kind: 'service-resolver',
          Name: name,
          ConnectTimeout: '3s',
          ...(l7
            ? {
                Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } },
              }
            : {}),
          ...(i % 10 === 0 ? { Failover: { '*': { Datacenters: [DCS[(i + 1) % 3]!] } } } : {}),
        },
      });
    }
    if (l7) {
      entries.push({
        path: `${root}/${name}/splitter`,
        origin: 'construct',
        entry: {
          Kind: 'service-splitter',
          Name: name,
          Splits: [
            { Weight: 90, ServiceSubset: 'v1' },
            { Weight: 10, ServiceSubset: 'v2' },
          ],
        },
      });
      entries.push({
        path: `${root}/${name}/router`,
        origin: 'construct',
        entry: {
          Kind: 'service-router',
          Name: name,
          Routes: [
            { Match: { HTTP: { PathPrefix: '/v2' } }, Destination: { ServiceSubset: 'v2', RequestTimeout: '5s' } },
            {
              Match: { HTTP: { Header: [{ Name: 'x-canary', Present: true }], Methods: ['GET'] } },
              Destination: { Service: name, NumRetries: 2, RetryOnStatusCodes: [503] },
            },
          ],
        },
      });
    }
  }
  for (let i = 0; i < services; i++) {
    const name = svcName(i);
    const from = [...new Set(callers.get(name) ?? [])].sort();
    if (from.length === 0) continue;
    const Sources: IntentionSource[] = from.map((s) => ({ Name: s, Action: 'allow' }));
    const entry: ConfigEntry = { Kind: 'service-intentions', Name: name, Sources };
    entries.push({ path: `${root}/${name}/intentions`, origin: 'construct', entry });
  }
  return {
    name: root,
    path: root,
    clusterId: '11111111-2222-3333-4444-555555555555',
    trustDomain: '11111111-2222-3333-4444-555555555555.consul',
    primaryDatacenter: 'dc1',
    aclDefaultPolicy: 'deny',
    aclsEnabled: true,
    datacenters,
    gateways,
    services: Array.from({ length: services }, (_, i) => ({
      path: `${root}/${svcName(i)}`,
      name: svcName(i),
      namespace: 'default',
      partition: 'default',
    })),
    instances,
    entries,
  };
}
