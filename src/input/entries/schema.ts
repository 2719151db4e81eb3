/**
 * The shape of each config-entry kind as Consul's API structs define it (`api/config_entry*.go`, api v1.33.x as
 * required by Consul v1.22.7): field names, `alias` tags (the snake_case spellings `HookTranslateKeys` accepts) and Go
 * types (named in Consul's own error messages). Fields Consul knows but meshcc does not model are listed as
 * `unsupported`, so they are reported instead of silently dropped.
 */

/** A Go type the decoder converts to, weakly (mapstructure `WeaklyTypedInput`). */
export type FieldType =
  | { readonly k: 'string'; readonly go?: string }
  | { readonly k: 'int' }
  | { readonly k: 'bool' }
  | { readonly k: 'duration' }
  | { readonly k: 'any' }
  | { readonly k: 'map'; readonly value: FieldType; readonly go: string }
  | { readonly k: 'list'; readonly item: FieldType; readonly go: string }
  | StructType;

export interface StructType {
  readonly k: 'struct';
  /** Go type name, e.g. `api.ServiceResolverFailover`. */
  readonly go: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Field names Consul accepts here that meshcc does not model (with their snake_case aliases). */
  readonly unsupported?: readonly string[];
}

export interface FieldSpec {
  readonly type: FieldType;
  /** The `alias:"..."` tag: accepted snake_case spelling. */
  readonly alias?: string;
}

const str = (go?: string): FieldSpec => ({ type: go ? { k: 'string', go } : { k: 'string' } });
const aliased = (spec: FieldSpec, alias: string): FieldSpec => ({ ...spec, alias });
const INT: FieldSpec = { type: { k: 'int' } };
const BOOL: FieldSpec = { type: { k: 'bool' } };
const DURATION: FieldSpec = { type: { k: 'duration' } };
const META: FieldSpec = { type: { k: 'map', value: { k: 'string' }, go: 'map[string]string' } };
const STRINGS: FieldSpec = { type: { k: 'list', item: { k: 'string' }, go: '[]string' } };

const meshGateway: StructType = {
  k: 'struct',
  go: 'api.MeshGatewayConfig',
  fields: { Mode: str('api.MeshGatewayMode') },
};
const MESH_GATEWAY = aliased({ type: meshGateway }, 'mesh_gateway');

const upstreamConfig: StructType = {
  k: 'struct',
  go: 'api.UpstreamConfig',
  fields: {
    Name: str(),
    Partition: str(),
    Namespace: str(),
    Peer: str(),
    Protocol: str(),
    ConnectTimeoutMs: aliased(INT, 'connect_timeout_ms'),
    MeshGateway: MESH_GATEWAY,
  },
  unsupported: [
    'EnvoyListenerJSON:envoy_listener_json',
    'EnvoyClusterJSON:envoy_cluster_json',
    'Limits',
    'PassiveHealthCheck:passive_health_check',
    'BalanceOutboundConnections:balance_outbound_connections',
  ],
};

const COMMON_UNSUPPORTED = ['CreateIndex', 'ModifyIndex'];

const proxyDefaults: StructType = {
  k: 'struct',
  go: 'api.ProxyConfigEntry',
  fields: {
    Kind: str(),
    Name: str(),
    Partition: str(),
    Namespace: str(),
    Mode: str('api.ProxyMode'),
    Config: { type: { k: 'map', value: { k: 'any' }, go: 'map[string]interface {}' } },
    MeshGateway: MESH_GATEWAY,
    Meta: META,
  },
  unsupported: [
    'TransparentProxy:transparent_proxy',
    'MutualTLSMode:mutual_tls_mode',
    'Expose',
    'AccessLogs:access_logs',
    'EnvoyExtensions:envoy_extensions',
    'FailoverPolicy:failover_policy',
    'PrioritizeByLocality:prioritize_by_locality',
    ...COMMON_UNSUPPORTED,
  ],
};

const serviceDefaults: StructType = {
  k: 'struct',
  go: 'api.ServiceConfigEntry',
  fields: {
    Kind: str(),
    Name: str(),
    Partition: str(),
    Namespace: str(),
    Protocol: str(),
    Mode: str('api.ProxyMode'),
    MeshGateway: MESH_GATEWAY,
    ExternalSNI: aliased(str(), 'external_sni'),
    UpstreamConfig: aliased(
      {
        type: {
          k: 'struct',
          go: 'api.UpstreamConfiguration',
          fields: {
            Overrides: { type: { k: 'list', item: upstreamConfig, go: '[]*api.UpstreamConfig' } },
            Defaults: { type: upstreamConfig },
          },
        },
      },
      'upstream_config',
    ),
    Meta: META,
  },
  unsupported: [
    'TransparentProxy:transparent_proxy',
    'MutualTLSMode:mutual_tls_mode',
    'Expose',
    'Destination',
    'MaxInboundConnections:max_inbound_connections',
    'LocalConnectTimeoutMs:local_connect_timeout_ms',
    'LocalRequestTimeoutMs:local_request_timeout_ms',
    'BalanceInboundConnections:balance_inbound_connections',
    'RateLimits:rate_limits',
    'EnvoyExtensions:envoy_extensions',
    'MaxRequestHeadersKB',
    ...COMMON_UNSUPPORTED,
  ],
};

const failoverTarget: StructType = {
  k: 'struct',
  go: 'api.ServiceResolverFailoverTarget',
  fields: {
    Service: str(),
    ServiceSubset: aliased(str(), 'service_subset'),
    Partition: str(),
    Namespace: str(),
    Datacenter: str(),
    Peer: str(),
  },
};

const serviceResolver: StructType = {
  k: 'struct',
  go: 'api.ServiceResolverConfigEntry',
  fields: {
    Kind: str(),
    Name: str(),
    Partition: str(),
    Namespace: str(),
    DefaultSubset: aliased(str(), 'default_subset'),
    Subsets: {
      type: {
        k: 'map',
        go: 'map[string]api.ServiceResolverSubset',
        value: {
          k: 'struct',
          go: 'api.ServiceResolverSubset',
          fields: { Filter: str(), OnlyPassing: aliased(BOOL, 'only_passing') },
        },
      },
    },
    Redirect: {
      type: {
        k: 'struct',
        go: 'api.ServiceResolverRedirect',
        fields: {
          Service: str(),
          ServiceSubset: aliased(str(), 'service_subset'),
          Namespace: str(),
          Partition: str(),
          Datacenter: str(),
          Peer: str(),
        },
        unsupported: ['SamenessGroup:sameness_group'],
      },
    },
    Failover: {
      type: {
        k: 'map',
        go: 'map[string]api.ServiceResolverFailover',
        value: {
          k: 'struct',
          go: 'api.ServiceResolverFailover',
          fields: {
            Service: str(),
            ServiceSubset: aliased(str(), 'service_subset'),
            Namespace: str(),
            Datacenters: STRINGS,
            Targets: { type: { k: 'list', item: failoverTarget, go: '[]api.ServiceResolverFailoverTarget' } },
          },
          unsupported: ['Policy', 'SamenessGroup:sameness_group'],
        },
      },
    },
    ConnectTimeout: aliased(DURATION, 'connect_timeout'),
    RequestTimeout: aliased(DURATION, 'request_timeout'),
    Meta: META,
  },
  unsupported: ['PrioritizeByLocality:prioritize_by_locality', 'LoadBalancer:load_balancer', ...COMMON_UNSUPPORTED],
};

const sourceIntention: StructType = {
  k: 'struct',
  go: 'api.SourceIntention',
  fields: {
    Name: str(),
    Peer: str(),
    Partition: str(),
    Namespace: str(),
    Action: str('api.IntentionAction'),
    Permissions: { type: { k: 'list', item: { k: 'any' }, go: '[]*api.IntentionPermission' } },
    Type: str('api.IntentionSourceType'),
    Description: str(),
  },
  unsupported: [
    'SamenessGroup:sameness_group',
    'Precedence',
    'LegacyID:legacy_id',
    'LegacyMeta:legacy_meta',
    'LegacyCreateTime:legacy_create_time',
    'LegacyUpdateTime:legacy_update_time',
  ],
};

const serviceIntentions: StructType = {
  k: 'struct',
  go: 'api.ServiceIntentionsConfigEntry',
  fields: {
    Kind: str(),
    Name: str(),
    Partition: str(),
    Namespace: str(),
    Sources: { type: { k: 'list', item: sourceIntention, go: '[]*api.SourceIntention' } },
    Meta: META,
  },
  unsupported: ['JWT', ...COMMON_UNSUPPORTED],
};

const exportedServices: StructType = {
  k: 'struct',
  go: 'api.ExportedServicesConfigEntry',
  fields: {
    Kind: str(),
    Name: str(),
    Partition: str(),
    Services: {
      type: {
        k: 'list',
        go: '[]api.ExportedService',
        item: {
          k: 'struct',
          go: 'api.ExportedService',
          fields: {
            Name: str(),
            Namespace: str(),
            Consumers: {
              type: {
                k: 'list',
                go: '[]api.ServiceConsumer',
                item: {
                  k: 'struct',
                  go: 'api.ServiceConsumer',
                  fields: { Peer: str(), Partition: str(), SamenessGroup: aliased(str(), 'sameness_group') },
                },
              },
            },
          },
        },
      },
    },
    Meta: META,
  },
  unsupported: [...COMMON_UNSUPPORTED],
};

const meshEntry: StructType = {
  k: 'struct',
  go: 'api.MeshConfigEntry',
  fields: {
    Kind: str(),
    Partition: str(),
    Peering: {
      type: {
        k: 'struct',
        go: 'api.PeeringMeshConfig',
        fields: { PeerThroughMeshGateways: aliased(BOOL, 'peer_through_mesh_gateways') },
      },
    },
    TransparentProxy: aliased(
      {
        type: {
          k: 'struct',
          go: 'api.TransparentProxyMeshConfig',
          fields: { MeshDestinationsOnly: aliased(BOOL, 'mesh_destinations_only') },
        },
      },
      'transparent_proxy',
    ),
    Meta: META,
  },
  unsupported: ['AllowEnablingPermissiveMutualTLS', 'ValidateClusters', 'TLS', 'HTTP', ...COMMON_UNSUPPORTED],
};

/** Schemas of the kinds meshcc decodes field by field. Splitters and routers are kept opaque. */
export const ENTRY_SCHEMAS: Readonly<Record<string, StructType>> = {
  'proxy-defaults': proxyDefaults,
  'service-defaults': serviceDefaults,
  'service-resolver': serviceResolver,
  'service-intentions': serviceIntentions,
  // Written by the cluster-peering constructs (not read from entry files yet).
  'exported-services': exportedServices,
  mesh: meshEntry,
};

/** Every kind Consul's `api.MakeConfigEntry` knows (v1.22). */
export const CONSUL_KINDS: readonly string[] = [
  'service-defaults',
  'proxy-defaults',
  'service-router',
  'service-splitter',
  'service-resolver',
  'ingress-gateway',
  'terminating-gateway',
  'service-intentions',
  'mesh',
  'exported-services',
  'sameness-group',
  'api-gateway',
  'bound-api-gateway',
  'inline-certificate',
  'file-system-certificate',
  'http-route',
  'tcp-route',
  'jwt-provider',
  'rate-limit-ip',
  'control-plane-request-limit',
];

/** Kinds meshcc reads. */
export const MESHCC_KINDS: readonly string[] = [
  'proxy-defaults',
  'service-defaults',
  'service-resolver',
  'service-intentions',
  'service-splitter',
  'service-router',
];
