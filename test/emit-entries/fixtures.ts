/** Config entries covering every field meshcc models, for the golden and round-trip tests of the emitters. */
import type { ConfigEntry } from '../../src/model/entries.ts';

export const FIXTURE_ENTRIES: readonly ConfigEntry[] = [
  {
    Kind: 'proxy-defaults',
    Name: 'global',
    Config: { protocol: 'http', envoy_prometheus_bind_addr: '0.0.0.0:9102', local_connect_timeout_ms: 1000 },
    MeshGateway: { Mode: 'local' },
    Mode: 'direct',
    Meta: { 'managed-by': 'meshcc', 'meshcc-environment': 'multi-dc' },
  },
  {
    Kind: 'service-defaults',
    Name: 'web',
    Protocol: 'http',
    MeshGateway: { Mode: 'remote' },
    ExternalSNI: 'web.example.com',
    UpstreamConfig: {
      Defaults: { ConnectTimeoutMs: 5000, Protocol: 'tcp' },
      Overrides: [
        { Name: 'payments', ConnectTimeoutMs: 2500, MeshGateway: { Mode: 'local' } },
        { Name: 'currency', Peer: 'partner', Protocol: 'grpc' },
      ],
    },
    Meta: { 'managed-by': 'meshcc' },
  },
  {
    Kind: 'service-resolver',
    Name: 'currency',
    ConnectTimeout: '3s',
    RequestTimeout: '1m30s',
    DefaultSubset: 'v1',
    Subsets: {
      v1: { Filter: 'Service.Meta.version == "v1"', OnlyPassing: true },
      v2: { Filter: 'Service.Meta.version == "v2"' },
    },
    Failover: {
      '*': { Datacenters: ['dc2', 'dc3'] },
      v2: {
        Targets: [
          { Datacenter: 'dc2', ServiceSubset: 'v2' },
          { Peer: 'partner', Service: 'currency' },
        ],
      },
    },
    Meta: { 'managed-by': 'meshcc' },
  },
  {
    Kind: 'service-resolver',
    Name: 'legacy',
    Redirect: { Service: 'currency', Datacenter: 'dc2' },
  },
  {
    Kind: 'service-intentions',
    Name: 'payments',
    Sources: [
      { Name: 'web', Action: 'allow', Type: 'consul', Description: 'storefront calls payments' },
      {
        Name: 'admin',
        Type: 'consul',
        Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/admin', Methods: ['GET', 'POST'] } }],
      },
      { Name: '*', Action: 'deny', Type: 'consul' },
    ],
  },
  {
    Kind: 'service-intentions',
    Name: '*',
    Sources: [{ Name: '*', Action: 'deny', Type: 'consul' }],
  },
];
