/**
 * Hand-built mesh models for the validation tests: two VM datacenters (dc1 primary, dc2) on separate networks, each
 * with a mesh gateway that has a WAN address, ACL default allow. Tests override pieces to trigger one code at a time.
 */
import { compile } from '../../src/compiler/compile.ts';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import type {
  DatacenterDecl,
  EntryDecl,
  MeshGatewayDecl,
  MeshModel,
  ServiceDecl,
  ServiceInstanceDecl,
  UpstreamDecl,
} from '../../src/model/types.ts';

export const FILE = 'environments/fixture/mesh.ts';
let line = 1;
const span = () => ({ file: FILE, line: line++, column: 3 });

export function dc(name: string, extra: Partial<DatacenterDecl> = {}): DatacenterDecl {
  return {
    path: `fixture/${name}`,
    span: span(),
    name,
    primary: name === 'dc1',
    platform: 'vm',
    connectEnabled: true,
    primaryDatacenter: 'dc1',
    network: name,
    servers: 3,
    tls: true,
    ...extra,
  };
}

export function gw(datacenter: string, extra: Partial<MeshGatewayDecl> = {}): MeshGatewayDecl {
  return {
    path: `fixture/${datacenter}/mesh-gateway`,
    span: span(),
    name: 'mesh-gateway',
    datacenter,
    lan: { address: `10.${datacenter.slice(2)}.0.10`, port: 8443 },
    wan: { address: `198.51.100.${datacenter.slice(2)}`, port: 443 },
    instances: 1,
    implementation: 'envoy',
    ...extra,
  };
}

export function up(
  destinationName: string,
  localBindPort: number,
  extra: Partial<UpstreamDecl> & { caller?: string } = {},
): UpstreamDecl {
  const { caller = 'web@dc1', ...rest } = extra;
  return {
    path: `fixture/${caller}/upstreams/${destinationName}${rest.datacenter ? `-${rest.datacenter}` : ''}-${localBindPort}`,
    span: span(),
    destinationName,
    destinationNamespace: 'default',
    destinationPartition: 'default',
    localBindPort,
    ...rest,
  };
}

export function inst(
  service: string,
  datacenter: string,
  upstreams: UpstreamDecl[] = [],
  extra: Partial<ServiceInstanceDecl> = {},
): ServiceInstanceDecl {
  return {
    path: `fixture/${service}@${datacenter}`,
    span: span(),
    service,
    namespace: 'default',
    partition: 'default',
    datacenter,
    address: `10.${datacenter.slice(2)}.0.${20 + line}`,
    port: 9090,
    count: 1,
    upstreams,
    ...extra,
  };
}

export function entry(e: ConfigEntry, extra: Partial<EntryDecl> = {}): EntryDecl {
  return { path: `fixture/entries/${e.Kind}/${e.Name}`, span: span(), entry: e, origin: 'construct', ...extra };
}

export interface ModelParts {
  datacenters?: DatacenterDecl[];
  gateways?: MeshGatewayDecl[];
  instances?: ServiceInstanceDecl[];
  entries?: EntryDecl[];
  aclDefaultPolicy?: 'allow' | 'deny';
  suppressions?: MeshModel['suppressions'];
}

/** A model: defaults are dc1 + dc2 with WAN gateways; services are derived from the instances. */
export function model(p: ModelParts = {}): MeshModel {
  const datacenters = p.datacenters ?? [dc('dc1'), dc('dc2')];
  const instances = p.instances ?? [];
  const names = [...new Set(instances.map((i) => i.service))].sort();
  const services: ServiceDecl[] = names.map((name) => ({
    path: `fixture/${name}`,
    name,
    namespace: 'default',
    partition: 'default',
  }));
  return {
    name: 'fixture',
    path: 'fixture',
    span: { file: FILE, line: 1, column: 1 },
    clusterId: '11111111-2222-3333-4444-555555555555',
    trustDomain: '11111111-2222-3333-4444-555555555555.consul',
    primaryDatacenter: 'dc1',
    aclDefaultPolicy: p.aclDefaultPolicy ?? 'allow',
    aclsEnabled: true,
    datacenters,
    gateways: p.gateways ?? datacenters.map((d) => gw(d.name)),
    services,
    instances,
    entries: p.entries ?? [],
    ...(p.suppressions ? { suppressions: p.suppressions } : {}),
  };
}

/** Compiles the model and returns the validation diagnostics (MC3xxx). */
export function validate(m: MeshModel): Diagnostic[] {
  return compile(m).diagnostics.filter((d) => d.code.startsWith('MC3'));
}

/** The diagnostics with one code. */
export function withCode(ds: readonly Diagnostic[], code: string): Diagnostic[] {
  return ds.filter((d) => d.code === code);
}

export const localMode = entry({ Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'local' } });
