/**
 * Hand-built mesh models for the per-datacenter emitters, shaped like the example environments: a Kubernetes
 * primary with a VM secondary (multi-dc), two VM datacenters with the bundled gateway (vm-pair), two Kubernetes
 * datacenters (k8s-pair) and a VM primary with a Kubernetes secondary (vm-primary-k8s-secondary).
 */
import type { Compilation } from '../../src/compiler/types.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import type {
  DatacenterDecl,
  MeshGatewayDecl,
  MeshModel,
  ServiceInstanceDecl,
  UpstreamDecl,
} from '../../src/model/types.ts';

const file = 'environments/fixture/mesh.ts';
let line = 10;
const span = () => ({ file, line: line++, column: 1 });

export function dc(
  name: string,
  primaryName: string,
  platform: 'kubernetes' | 'vm',
  extra: Partial<DatacenterDecl> = {},
): DatacenterDecl {
  return {
    path: `fixture/${name}`,
    span: span(),
    name,
    primary: name === primaryName,
    platform,
    connectEnabled: true,
    primaryDatacenter: primaryName,
    network: name,
    servers: 3,
    tls: true,
    ...(platform === 'kubernetes'
      ? {
          kubernetes: {
            releaseName: 'consul',
            namespace: 'consul',
            ...(name === primaryName ? {} : { federationSecretName: 'consul-federation' }),
          },
        }
      : {}),
    ...extra,
  };
}

export function gateway(
  datacenter: string,
  lan: string,
  wan: string | undefined,
  extra: Partial<MeshGatewayDecl> = {},
): MeshGatewayDecl {
  return {
    path: `fixture/${datacenter}/mesh-gateway`,
    span: span(),
    name: 'mesh-gateway',
    datacenter,
    lan: { address: lan, port: 8443 },
    ...(wan ? { wan: { address: wan, port: 443 } } : {}),
    instances: 2,
    implementation: 'envoy',
    ...extra,
  };
}

export function upstream(
  destinationName: string,
  localBindPort: number,
  extra: Partial<UpstreamDecl> = {},
): UpstreamDecl {
  return {
    path: `fixture/upstreams/${destinationName}-${localBindPort}`,
    span: span(),
    destinationName,
    destinationNamespace: 'default',
    destinationPartition: 'default',
    localBindPort,
    ...extra,
  };
}

export function instance(
  service: string,
  datacenter: string,
  port: number,
  extra: Partial<ServiceInstanceDecl> = {},
): ServiceInstanceDecl {
  return {
    path: `fixture/${service}/${datacenter}`,
    span: span(),
    service,
    namespace: 'default',
    partition: 'default',
    datacenter,
    port,
    count: 1,
    upstreams: [],
    ...extra,
  };
}

export function model(
  name: string,
  parts: Pick<MeshModel, 'datacenters' | 'gateways' | 'instances'> & Partial<MeshModel>,
): MeshModel {
  const clusterId = parts.clusterId ?? '11111111-2222-3333-4444-555555555555';
  const primary = parts.datacenters.find((d) => d.primary)!;
  const services = [...new Set(parts.instances.map((i) => i.service))].sort().map((s) => ({
    path: `fixture/${s}`,
    name: s,
    namespace: 'default',
    partition: 'default',
  }));
  return {
    name,
    path: `fixture`,
    clusterId,
    trustDomain: `${clusterId}.consul`,
    primaryDatacenter: primary.name,
    aclDefaultPolicy: 'deny',
    aclsEnabled: true,
    services,
    entries: [],
    ...parts,
  };
}

export function compilation(m: MeshModel, entries: readonly ConfigEntry[] = []): Compilation {
  return { model: m, entries, upstreams: [], diagnostics: [] };
}

const meta = (env: string) => ({ 'managed-by': 'meshcc', 'meshcc-environment': env });

/** dc1 (Kubernetes, primary) and dc2 (VMs): web → payments → currency, currency in both, resolver failover. */
export function multiDc(): Compilation {
  const m = model('multi-dc', {
    datacenters: [dc('dc1', 'dc1', 'kubernetes'), dc('dc2', 'dc1', 'vm')],
    gateways: [
      gateway('dc1', '10.1.0.10', 'mgw.dc1.example.net', { wanAddressSource: 'Static', serviceType: 'LoadBalancer' }),
      gateway('dc2', '10.2.0.10', '198.51.100.20'),
    ],
    instances: [
      instance('web', 'dc1', 9090, { upstreams: [upstream('payments', 9091)] }),
      instance('payments', 'dc1', 9091, { upstreams: [upstream('currency', 9094)] }),
      instance('currency', 'dc1', 9094),
      instance('currency', 'dc2', 9094, { address: '10.2.0.30' }),
    ],
  });
  return compilation(m, [
    { Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'local' }, Meta: meta('multi-dc') },
    {
      Kind: 'service-resolver',
      Name: 'currency',
      ConnectTimeout: '3s',
      Subsets: { v1: { Filter: 'Service.Meta.version == v1' } },
      Failover: { '*': { Datacenters: ['dc2'] } },
      Meta: meta('multi-dc'),
    },
    {
      Kind: 'service-intentions',
      Name: 'payments',
      Sources: [{ Name: 'web', Action: 'allow' }],
      Meta: meta('multi-dc'),
    },
  ]);
}

/** Two VM datacenters with meshcc's bundled gateway in both; web in secondary dials socat in primary. */
export function vmPair(): Compilation {
  const m = model('vm-pair', {
    datacenters: [dc('primary', 'primary', 'vm'), dc('secondary', 'primary', 'vm')],
    gateways: [
      gateway('primary', '10.10.0.5', '203.0.113.10', {
        name: 'gateway-primary',
        implementation: 'meshcc',
        adminPort: 19100,
      }),
      gateway('secondary', '10.20.0.5', 'mgw.secondary.example.net', {
        name: 'gateway-secondary',
        implementation: 'meshcc',
        adminPort: 19100,
      }),
    ],
    instances: [
      instance('socat', 'primary', 8181, { address: '10.10.0.21' }),
      instance('web', 'secondary', 8080, {
        address: '10.20.0.21',
        meshGateway: 'local',
        tags: ['v1'],
        upstreams: [upstream('socat', 8181, { datacenter: 'primary', meshGateway: 'local' })],
      }),
      instance('api', 'secondary', 9000, { address: '10.20.0.21' }),
    ],
  });
  return compilation(m, [
    {
      Kind: 'service-intentions',
      Name: 'socat',
      Sources: [
        { Name: 'web', Action: 'allow' },
        { Name: '*', Action: 'deny' },
      ],
      Meta: meta('vm-pair'),
    },
    { Kind: 'service-defaults', Name: 'web', Protocol: 'http', Meta: meta('vm-pair') },
  ]);
}

/** Two Kubernetes datacenters: the secondary loads serverConfigJSON from the federation secret. */
export function k8sPair(): Compilation {
  const m = model('k8s-pair', {
    datacenters: [
      dc('east', 'east', 'kubernetes'),
      dc('west', 'east', 'kubernetes', {
        kubernetes: {
          releaseName: 'consul',
          namespace: 'consul',
          federationSecretName: 'consul-federation',
          k8sAuthMethodHost: 'https://west.k8s.example.net:6443',
        },
      }),
    ],
    gateways: [
      gateway('east', '10.1.0.10', '203.0.113.1', { wanAddressSource: 'Service', serviceType: 'LoadBalancer' }),
      gateway('west', '10.2.0.10', '203.0.113.2', {
        // NodePort with source Service: the chart advertises the node port, so the WAN port is the node port.
        wan: { address: '203.0.113.2', port: 30443 },
        wanAddressSource: 'Service',
        serviceType: 'NodePort',
        nodePort: 30443,
        instances: 1,
      }),
    ],
    instances: [
      instance('frontend', 'east', 8080, { upstreams: [upstream('backend', 9000, { datacenter: 'west' })] }),
      instance('backend', 'west', 9000),
    ],
  });
  return compilation(m);
}

/** A VM primary and a Kubernetes secondary: the secondary lists the primary's gateways itself. */
export function vmPrimaryK8sSecondary(): Compilation {
  const m = model('vm-primary-k8s-secondary', {
    datacenters: [dc('primary', 'primary', 'vm'), dc('secondary', 'primary', 'kubernetes')],
    gateways: [
      gateway('primary', '10.10.0.5', '203.0.113.10'),
      gateway('secondary', '10.20.0.5', 'mgw.secondary.example.net', {
        wanAddressSource: 'Static',
        serviceType: 'LoadBalancer',
      }),
    ],
    instances: [
      instance('web', 'primary', 8080, {
        address: '10.10.0.31',
        upstreams: [upstream('api', 10000, { datacenter: 'secondary' })],
      }),
      instance('api', 'secondary', 9000),
    ],
  });
  return compilation(m);
}

export const fixtures: Readonly<Record<string, () => Compilation>> = {
  'multi-dc': multiDc,
  'vm-pair': vmPair,
  'k8s-pair': k8sPair,
  'vm-primary-k8s-secondary': vmPrimaryK8sSecondary,
};
