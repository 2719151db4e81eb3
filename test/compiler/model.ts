/** Small hand-built mesh models for the compiler tests. */
import type { ConfigEntry } from '../../src/model/entries.ts';
import type {
  DatacenterDecl,
  EntryDecl,
  GatewayMode,
  MeshModel,
  ServiceInstanceDecl,
  UpstreamDecl,
} from '../../src/model/types.ts';

export const TD = '11111111-2222-3333-4444-555555555555.consul';
const file = 'environments/test/mesh.ts';

export function dc(name: string, primary = false): DatacenterDecl {
  return {
    path: `test/${name}`,
    name,
    primary,
    platform: 'vm',
    connectEnabled: true,
    primaryDatacenter: 'dc1',
    network: name,
    servers: 1,
    tls: true,
  };
}

export function upstream(
  destination: string,
  extra: Partial<UpstreamDecl> & { meshGateway?: GatewayMode } = {},
): UpstreamDecl {
  return {
    path: `test/upstreams/${destination}`,
    span: { file, line: 20, column: 3 },
    destinationName: destination,
    destinationNamespace: 'default',
    destinationPartition: 'default',
    localBindPort: 10000,
    ...extra,
  };
}

export function instance(
  service: string,
  datacenter: string,
  upstreams: UpstreamDecl[],
  extra: Partial<ServiceInstanceDecl> = {},
): ServiceInstanceDecl {
  return {
    path: `test/${datacenter}/${service}`,
    span: { file, line: 10, column: 1 },
    service,
    namespace: 'default',
    partition: 'default',
    datacenter,
    port: 8080,
    count: 1,
    upstreams: upstreams.map((u) => ({ ...u, path: `test/${datacenter}/${service}/upstreams/${u.destinationName}` })),
    ...extra,
  };
}

let entryLine = 1;
export function entry(e: ConfigEntry, origin: 'construct' | 'file' = 'construct'): EntryDecl {
  const line = entryLine++;
  return {
    path: origin === 'file' ? `entries/${e.Name}.hcl` : `test/${e.Kind}/${e.Name}`,
    span: { file: origin === 'file' ? `environments/test/entries/${e.Name}.hcl` : file, line, column: 1 },
    entry: e,
    origin,
  };
}

export function model(instances: ServiceInstanceDecl[], entries: EntryDecl[] = []): MeshModel {
  return {
    name: 'test',
    path: 'test',
    clusterId: '11111111-2222-3333-4444-555555555555',
    trustDomain: TD,
    primaryDatacenter: 'dc1',
    aclDefaultPolicy: 'allow',
    aclsEnabled: false,
    datacenters: [dc('dc1', true), dc('dc2'), dc('dc3')],
    gateways: [],
    services: [],
    instances,
    entries,
  };
}
