/**
 * Entries of every kind Consul CE accepts, with the fields meshcc keeps without analyzing, and invalid entries with
 * Consul's exact message. Shared by the unit tests (test/entries/kinds.test.ts) and the differential test against the
 * real Consul (test/consul/entries-conformance.test.ts), which proves each message and each acceptance. Names carry
 * the suffix `i12x` so they never collide with other suites' entries on the shared test cluster.
 */

export type Raw = Record<string, unknown>;

/** Valid entries in write order (later entries may need earlier ones: protocols, providers). */
export const VALID_ENTRIES: readonly Raw[] = [
  { Kind: 'mesh', AllowEnablingPermissiveMutualTLS: true, TransparentProxy: { MeshDestinationsOnly: false } },
  {
    Kind: 'mesh',
    AllowEnablingPermissiveMutualTLS: true,
    ValidateClusters: true,
    TLS: { Incoming: { TLSMinVersion: 'TLSv1_2', TLSMaxVersion: 'TLSv1_3' }, Outgoing: { TLSMinVersion: 'TLSv1_2' } },
    HTTP: { SanitizeXForwardedClientCert: true },
    Peering: { PeerThroughMeshGateways: true },
  },
  {
    Kind: 'proxy-defaults',
    Name: 'global',
    MutualTLSMode: 'permissive',
    AccessLogs: { Enabled: true, Type: 'file', Path: '/var/log/envoy.log', JSONFormat: '{"a":"%START_TIME%"}' },
    Expose: { Checks: true, Paths: [{ Path: '/health', LocalPathPort: 8080, ListenerPort: 21500, Protocol: 'http' }] },
    TransparentProxy: { OutboundListenerPort: 15001, DialedDirectly: true },
    FailoverPolicy: { Mode: 'sequential' },
    Config: { protocol: 'tcp' },
  },
  {
    Kind: 'jwt-provider',
    Name: 'okta-i12x',
    Issuer: 'https://issuer.example.com',
    Audiences: ['a', 'b'],
    JSONWebKeySet: { Remote: { URI: 'https://issuer.example.com/keys', RequestTimeoutMs: 500, CacheDuration: '5m' } },
    Locations: [{ Header: { Name: 'Authorization', ValuePrefix: 'Bearer ', Forward: true } }],
    Forwarding: { HeaderName: 'x-jwt' },
    ClockSkewSeconds: 45,
    CacheConfig: { Size: 100 },
  },
  {
    Kind: 'service-defaults',
    Name: 'web-i12x',
    Protocol: 'http',
    MutualTLSMode: 'strict',
    BalanceInboundConnections: 'exact_balance',
    MaxInboundConnections: 100,
    LocalConnectTimeoutMs: 1000,
    LocalRequestTimeoutMs: 2000,
    MaxRequestHeadersKB: 96,
    TransparentProxy: { OutboundListenerPort: 15001, DialedDirectly: true },
    Expose: { Checks: true },
    UpstreamConfig: {
      Defaults: {
        ConnectTimeoutMs: 5000,
        Limits: { MaxConnections: 10, MaxPendingRequests: 20, MaxConcurrentRequests: 30 },
        PassiveHealthCheck: { Interval: '10s', MaxFailures: 3, EnforcingConsecutive5xx: 50, MaxEjectionPercent: 20 },
        BalanceOutboundConnections: 'exact_balance',
      },
      Overrides: [{ Name: 'db-i12x', Protocol: 'tcp', Limits: { MaxConnections: 5 } }],
    },
    EnvoyExtensions: [
      {
        Name: 'builtin/lua',
        Required: false,
        Arguments: { ProxyType: 'connect-proxy', Listener: 'inbound', Script: 'function envoy_on_request(r) end' },
      },
    ],
  },
  { Kind: 'service-defaults', Name: 'api-i12x', Protocol: 'http' },
  {
    Kind: 'service-defaults',
    Name: 'ext-i12x',
    Protocol: 'tcp',
    Destination: { Addresses: ['example.com', '10.0.0.1'], Port: 443 },
  },
  {
    Kind: 'service-resolver',
    Name: 'api-i12x',
    ConnectTimeout: '5s',
    LoadBalancer: { Policy: 'ring_hash', RingHashConfig: { MinimumRingSize: 1024, MaximumRingSize: 8192 } },
  },
  {
    Kind: 'service-resolver',
    Name: 'web-i12x',
    LoadBalancer: { Policy: 'maglev', HashPolicies: [{ Field: 'header', FieldValue: 'x-user', Terminal: true }] },
    Failover: { '*': { Targets: [{ Datacenter: 'dc2' }] } },
  },
  {
    Kind: 'service-intentions',
    Name: 'api-i12x',
    JWT: { Providers: [{ Name: 'okta-i12x', VerifyClaims: [{ Path: ['aud'], Value: 'a' }] }] },
    Sources: [
      {
        Name: 'web-i12x',
        Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/v1', Methods: ['GET'] } }],
      },
    ],
  },
  {
    Kind: 'ingress-gateway',
    Name: 'ingress-i12x',
    TLS: { Enabled: true, TLSMinVersion: 'TLSv1_2' },
    Listeners: [
      {
        Port: 8080,
        Protocol: 'http',
        Services: [
          {
            Name: 'web-i12x',
            Hosts: ['web.example.com'],
            RequestHeaders: { Add: { 'x-from': 'ingress' }, Remove: ['x-debug'] },
            MaxConnections: 10,
          },
          { Name: 'api-i12x', Hosts: ['api.example.com'] },
        ],
      },
      { Port: 9090, Protocol: 'tcp', Services: [{ Name: 'db-i12x' }] },
    ],
    Defaults: { MaxConnections: 100, PassiveHealthCheck: { Interval: '5s', MaxFailures: 2 } },
  },
  {
    Kind: 'terminating-gateway',
    Name: 'term-i12x',
    Services: [
      { Name: 'ext-i12x', CAFile: '/etc/ca.pem', CertFile: '/etc/cert.pem', KeyFile: '/etc/key.pem', SNI: 'ext' },
      { Name: 'legacy-i12x' },
    ],
  },
  {
    Kind: 'file-system-certificate',
    Name: 'fscert-i12x',
    Certificate: '/etc/tls/cert.pem',
    PrivateKey: '/etc/tls/key.pem',
  },
  {
    Kind: 'api-gateway',
    Name: 'apigw-i12x',
    Listeners: [
      {
        Name: 'http',
        Port: 8443,
        Protocol: 'http',
        TLS: { Certificates: [{ Kind: 'file-system-certificate', Name: 'fscert-i12x' }] },
      },
      { Name: 'tcp', Port: 9443, Protocol: 'tcp' },
    ],
  },
  {
    Kind: 'http-route',
    Name: 'route-i12x',
    Parents: [{ Kind: 'api-gateway', Name: 'apigw-i12x', SectionName: 'http' }],
    Hostnames: ['web.example.com'],
    Rules: [
      {
        Matches: [{ Path: { Match: 'prefix', Value: '/api' } }],
        Filters: { Headers: [{ Add: { 'x-route': 'api' } }], URLRewrite: { Path: '/' } },
        Services: [{ Name: 'api-i12x', Weight: 1 }],
      },
    ],
  },
  {
    Kind: 'tcp-route',
    Name: 'tcp-route-i12x',
    Parents: [{ Kind: 'api-gateway', Name: 'apigw-i12x', SectionName: 'tcp' }],
    Services: [{ Name: 'db-i12x' }],
  },
  {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'api-i12x', Consumers: [{ Peer: 'peer-i12x' }] }],
  },
];

export interface InvalidCase {
  readonly rule: string;
  readonly entry: Raw;
  /** Consul's message (the part meshcc reports after `file:line: kind/name: `). */
  readonly message: string;
}

const SD = (o: Raw): Raw => ({ Kind: 'service-defaults', Name: 'bad-i12x', ...o });
const PD = (o: Raw): Raw => ({ Kind: 'proxy-defaults', Name: 'global', ...o });
const IG = (o: Raw): Raw => ({ Kind: 'ingress-gateway', Name: 'bad-ingress-i12x', ...o });
const TG = (o: Raw): Raw => ({ Kind: 'terminating-gateway', Name: 'bad-term-i12x', ...o });
const EX = (o: Raw): Raw => ({ Kind: 'exported-services', Name: 'default', ...o });
const MESH = (o: Raw): Raw => ({ Kind: 'mesh', ...o });

export const INVALID_CASES: readonly InvalidCase[] = [
  // kinds
  {
    rule: 'enterprise kind',
    entry: { Kind: 'control-plane-request-limit', Name: 'x' },
    message: 'invalid config entry kind: control-plane-request-limit',
  },
  {
    rule: 'sameness groups are enterprise',
    entry: { Kind: 'sameness-group', Name: 'sg-i12x' },
    message: 'sameness-groups are an enterprise-only feature',
  },
  { rule: 'mesh has no Name', entry: { Kind: 'mesh', Name: 'mesh' }, message: 'invalid config key "Name"' },
  // service-defaults
  {
    rule: 'MutualTLSMode',
    entry: SD({ MutualTLSMode: 'bogus' }),
    message: 'Invalid MutualTLSMode "bogus". Must be one of "", "strict", or "permissive".',
  },
  {
    rule: 'BalanceInboundConnections',
    entry: SD({ BalanceInboundConnections: 'round' }),
    message: 'invalid value for balance_inbound_connections: round',
  },
  {
    rule: 'UpstreamConfig with Destination',
    entry: SD({
      Destination: { Addresses: ['a.com'], Port: 443 },
      UpstreamConfig: { Defaults: { ConnectTimeoutMs: 5 } },
    }),
    message: 'UpstreamConfig and Destination are mutually exclusive for service defaults',
  },
  {
    rule: 'Destination needs an address',
    entry: SD({ Destination: { Port: 443 } }),
    message: 'Destination must contain at least one valid address',
  },
  {
    rule: 'Destination duplicate address',
    entry: SD({ Destination: { Addresses: ['a.com', 'a.com'], Port: 443 } }),
    message: "Duplicate address 'a.com' is not allowed",
  },
  {
    rule: 'Destination wildcard address',
    entry: SD({ Destination: { Addresses: ['*.a.com'], Port: 443 } }),
    message: "Destination address '*.a.com' is invalid Could not validate address *.a.com as an IP or Hostname",
  },
  {
    rule: 'Destination port',
    entry: SD({ Destination: { Addresses: ['a.com'], Port: 70000 } }),
    message: 'Invalid Port number 70000',
  },
  {
    rule: 'Destination port unset',
    entry: SD({ Destination: { Addresses: ['a.com'] } }),
    message: 'Invalid Port number 0',
  },
  {
    rule: 'RateLimits are enterprise',
    entry: SD({ RateLimits: { InstanceLevel: { RequestsPerSecond: 10 } } }),
    message: 'invalid rate_limits config. Rate limiting is a consul enterprise feature',
  },
  {
    rule: 'upstream limits',
    entry: SD({ UpstreamConfig: { Defaults: { Limits: { MaxConnections: -1 } } } }),
    message: 'error in upstream defaults: 1 error occurred: max connections cannot be negative',
  },
  {
    rule: 'upstream passive health check',
    entry: SD({ UpstreamConfig: { Overrides: [{ Name: 'x', PassiveHealthCheck: { MaxEjectionPercent: 101 } }] } }),
    message:
      'error in upstream override for x:: 1 error occurred: passive health check max_ejection_percent must be a percentage between 0 and 100',
  },
  {
    rule: 'upstream passive health check interval',
    entry: SD({ UpstreamConfig: { Defaults: { PassiveHealthCheck: { Interval: '-1s' } } } }),
    message: 'error in upstream defaults: 1 error occurred: passive health check interval cannot be negative',
  },
  {
    rule: 'upstream outbound balance',
    entry: SD({ UpstreamConfig: { Defaults: { BalanceOutboundConnections: 'x' } } }),
    message: 'error in upstream defaults: 1 error occurred: invalid value for balance_outbound_connections: x',
  },
  // Found by fast-check: Consul returns at UpstreamConfig+Destination before it looks at MutualTLSMode.
  {
    rule: 'UpstreamConfig with Destination before MutualTLSMode',
    entry: SD({ MutualTLSMode: 'loose', Destination: {}, UpstreamConfig: {} }),
    message: 'UpstreamConfig and Destination are mutually exclusive for service defaults',
  },
  {
    rule: 'extension name required',
    entry: SD({ EnvoyExtensions: [{ Required: true }] }),
    message: 'invalid EnvoyExtensions[0]: Name is required',
  },
  {
    rule: 'extension must be built in',
    entry: SD({
      EnvoyExtensions: [
        { Name: 'builtin/lua', Arguments: { ProxyType: 'connect-proxy', Listener: 'inbound', Script: 'x' } },
        { Name: 'custom/x' },
      ],
    }),
    message: 'invalid EnvoyExtensions[1][custom/x]: name "custom/x" is not a built-in extension',
  },
  // proxy-defaults
  {
    rule: 'proxy-defaults MutualTLSMode',
    entry: PD({ MutualTLSMode: 'loose' }),
    message: 'Invalid MutualTLSMode "loose". Must be one of "", "strict", or "permissive".',
  },
  {
    rule: 'access logs file path',
    entry: PD({ AccessLogs: { Enabled: true, Type: 'file' } }),
    message: 'path must be specified when using file type access logs',
  },
  {
    rule: 'access logs type',
    entry: PD({ AccessLogs: { Type: 'syslog' } }),
    message: 'invalid access log type: syslog',
  },
  {
    rule: 'access logs formats',
    entry: PD({ AccessLogs: { JSONFormat: '{}', TextFormat: 'x' } }),
    message: 'cannot specify both access log JSONFormat and TextFormat',
  },
  {
    rule: 'access logs path',
    entry: PD({ AccessLogs: { Type: 'stdout', Path: '/x' } }),
    message: 'path is only valid for file type access logs',
  },
  {
    rule: 'proxy-defaults extension name',
    entry: PD({ EnvoyExtensions: [{ Name: 'builtin/nope' }] }),
    message: 'invalid EnvoyExtensions[0][builtin/nope]: name "builtin/nope" is not a built-in extension',
  },
  {
    rule: 'failover policy mode',
    entry: PD({ FailoverPolicy: { Mode: 'random' } }),
    message: "Failover-policy mode must be one of '', 'sequential', or 'order-by-locality'",
  },
  {
    rule: 'prioritize by locality is enterprise',
    entry: PD({ PrioritizeByLocality: { Mode: 'failover' } }),
    message: 'Prioritize-by-locality requires Consul Enterprise ' /* sic: Consul's trailing space */,
  },
  // mesh
  {
    rule: 'mesh TLS version',
    entry: MESH({ TLS: { Incoming: { TLSMinVersion: 'TLSv9' } } }),
    message:
      'error in incoming TLS configuration: no matching TLS version found for TLSv9, please specify one of [TLS_AUTO, TLSv1_0, TLSv1_1, TLSv1_2, TLSv1_3]',
  },
  {
    rule: 'mesh TLS max below min',
    entry: MESH({ TLS: { Outgoing: { TLSMinVersion: 'TLSv1_3', TLSMaxVersion: 'TLSv1_2' } } }),
    message:
      'error in outgoing TLS configuration: configuring max version TLSv1_2 less than the configured min version TLSv1_3 is invalid',
  },
  {
    rule: 'mesh cipher suites with TLS 1.3',
    entry: MESH({
      TLS: { Incoming: { TLSMinVersion: 'TLSv1_3', CipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] } },
    }),
    message:
      'error in incoming TLS configuration: configuring CipherSuites is only applicable to connections negotiated with TLS 1.2 or earlier, TLSMinVersion is set to TLSv1_3',
  },
  // exported-services
  { rule: 'exported-services name', entry: EX({ Name: 'other' }), message: 'exported-services Name must be "default"' },
  {
    rule: 'exported service name',
    entry: EX({ Services: [{ Consumers: [{ Peer: 'p' }] }] }),
    message: 'Services[0]: service name cannot be empty',
  },
  {
    rule: 'exported service consumers',
    entry: EX({ Services: [{ Name: 'a' }] }),
    message: 'Services[0]: must have at least one consumer',
  },
  {
    rule: 'exported to all peers',
    entry: EX({ Services: [{ Name: 'a', Consumers: [{ Peer: '*' }] }] }),
    message: 'Services[0].Consumers[0]: exporting to all peers (wildcard) is not supported',
  },
  {
    rule: 'exported to a sameness group',
    entry: EX({ Services: [{ Name: 'a', Consumers: [{ SamenessGroup: 'g' }] }] }),
    message: 'Services[0].Consumers[0]: sameness-groups are an enterprise-only feature',
  },
  // Found by fast-check: a CE server drops Namespace, so the wildcard-namespace rule never fires there.
  {
    rule: 'exported wildcard namespace is ignored in CE',
    entry: EX({ Services: [{ Name: 'api-i12x', Namespace: '*' }] }),
    message: 'Services[0]: must have at least one consumer',
  },
  // ingress-gateway
  {
    rule: 'ingress duplicate port',
    entry: IG({
      Listeners: [
        { Port: 1, Services: [{ Name: 'a' }] },
        { Port: 1, Services: [{ Name: 'b' }] },
      ],
    }),
    message: 'port 1 declared on two listeners',
  },
  {
    rule: 'ingress protocol',
    entry: IG({ Listeners: [{ Port: 1, Protocol: 'udp', Services: [{ Name: 'a' }] }] }),
    message: "protocol must be 'tcp', 'http', 'http2', or 'grpc'. 'udp' is an unsupported protocol",
  },
  {
    rule: 'ingress listener without service',
    entry: IG({ Listeners: [{ Port: 2 }] }),
    message: 'No service declared for listener with port 2',
  },
  {
    rule: 'ingress tcp with two services',
    entry: IG({ Listeners: [{ Port: 3, Services: [{ Name: 'a' }, { Name: 'b' }] }] }),
    message:
      "Multiple services per listener are only supported for L7 protocols, 'http', 'grpc' and 'http2' (listener on port 3)",
  },
  {
    rule: 'ingress tcp wildcard',
    entry: IG({ Listeners: [{ Port: 4, Services: [{ Name: '*' }] }] }),
    message: "Wildcard service name is only valid for protocol = 'http' (listener on port 4)",
  },
  {
    rule: 'ingress tcp hosts',
    entry: IG({ Listeners: [{ Port: 5, Services: [{ Name: 'a', Hosts: ['a.com'] }] }] }),
    message: 'Associating hosts to a service is not supported for the tcp protocol (listener on port 5)',
  },
  {
    rule: 'ingress blank service',
    entry: IG({ Listeners: [{ Port: 6, Protocol: 'http', Services: [{ Hosts: ['a.com'] }] }] }),
    message: 'Service name cannot be blank (listener on port 6)',
  },
  {
    rule: 'ingress wildcard hosts',
    entry: IG({ Listeners: [{ Port: 7, Protocol: 'http', Services: [{ Name: '*', Hosts: ['a.com'] }] }] }),
    message: 'Associating hosts to a wildcard service is not supported (listener on port 7)',
  },
  {
    rule: 'ingress duplicate service',
    entry: IG({
      Listeners: [
        {
          Port: 8,
          Protocol: 'http',
          Services: [
            { Name: 'a', Hosts: ['x.com'] },
            { Name: 'a', Hosts: ['y.com'] },
          ],
        },
      ],
    }),
    message: 'Service a cannot be added multiple times (listener on port 8)',
  },
  {
    rule: 'ingress duplicate host',
    entry: IG({
      Listeners: [
        {
          Port: 9,
          Protocol: 'http',
          Services: [
            { Name: 'a', Hosts: ['x.com'] },
            { Name: 'b', Hosts: ['x.com'] },
          ],
        },
      ],
    }),
    message: 'Hosts must be unique within a specific listener (listener on port 9)',
  },
  {
    rule: 'ingress TLS version',
    entry: IG({ TLS: { TLSMinVersion: 'SSLv3' } }),
    message:
      'no matching TLS version found for SSLv3, please specify one of [TLS_AUTO, TLSv1_0, TLSv1_1, TLSv1_2, TLSv1_3]',
  },
  // terminating-gateway
  {
    rule: 'terminating blank service',
    entry: TG({ Services: [{ SNI: 'x' }] }),
    message: 'Service name cannot be blank.',
  },
  {
    rule: 'terminating duplicate service',
    entry: TG({ Services: [{ Name: 'a' }, { Name: 'a' }] }),
    message: 'Service "a" was specified more than once within a namespace',
  },
  {
    rule: 'terminating TLS files',
    entry: TG({ Services: [{ Name: 'a', CertFile: '/c.pem' }] }),
    message: 'Service "a" must have a CertFile, CAFile, and KeyFile specified for TLS origination',
  },
];

const JWT = (o: Raw): Raw => ({ Kind: 'jwt-provider', Name: 'bad-jwt-i12x', ...o });
const REMOTE = { Remote: { URI: 'https://x.example.com/keys' } };
const AG = (o: Raw): Raw => ({ Kind: 'api-gateway', Name: 'bad-apigw-i12x', ...o });
const L = (o: Raw): Raw => ({ Name: 'l', Port: 80, Protocol: 'http', ...o });
const HR = (o: Raw): Raw => ({ Kind: 'http-route', Name: 'bad-route-i12x', ...o });
const TR = (o: Raw): Raw => ({ Kind: 'tcp-route', Name: 'bad-tcp-route-i12x', ...o });

/** Invalid entries of the gateway, route, certificate and JWT kinds. */
export const INVALID_GATEWAY_CASES: readonly InvalidCase[] = [
  { rule: 'jwt key set required', entry: JWT({}), message: 'JSONWebKeySet is required' },
  {
    rule: 'jwt local or remote',
    entry: JWT({ JSONWebKeySet: {} }),
    message: 'must specify exactly one of Local or Remote JSON Web key set',
  },
  {
    rule: 'jwt local string or file',
    entry: JWT({ JSONWebKeySet: { Local: { JWKS: 'e30=', Filename: '/k' } } }),
    message: 'must specify exactly one of String or filename for local keyset',
  },
  {
    rule: 'jwt local base64',
    entry: JWT({ JSONWebKeySet: { Local: { JWKS: 'not base64!' } } }),
    message: 'JWKS must be valid base64 encoded string',
  },
  {
    rule: 'jwt remote URI required',
    entry: JWT({ JSONWebKeySet: { Remote: { RequestTimeoutMs: 5 } } }),
    message: 'Remote JWKS URI is required',
  },
  {
    rule: 'jwt remote URI invalid',
    entry: JWT({ JSONWebKeySet: { Remote: { URI: 'keys.json' } } }),
    message: 'Remote JWKS URI is invalid: parse "keys.json": invalid URI for request, uri: keys.json',
  },
  {
    rule: 'jwt backoff',
    entry: JWT({
      JSONWebKeySet: {
        Remote: { URI: 'https://x/k', RetryPolicy: { RetryPolicyBackOff: { BaseInterval: '10s', MaxInterval: '5s' } } },
      },
    }),
    message: "retry policy backoff's MaxInterval should be greater or equal to BaseInterval",
  },
  {
    rule: 'jwt cluster discovery type',
    entry: JWT({ JSONWebKeySet: { Remote: { URI: 'https://x/k', JWKSCluster: { DiscoveryType: 'DNS' } } } }),
    message: 'unsupported jwks cluster discovery type: "DNS"',
  },
  {
    rule: 'jwt trusted CA',
    entry: JWT({
      JSONWebKeySet: {
        Remote: {
          URI: 'https://x/k',
          JWKSCluster: { TLSCertificates: { TrustedCA: { Filename: '/a', InlineString: 'b' } } },
        },
      },
    }),
    message:
      "must specify exactly one of: Filename, EnvironmentVariable, InlineString or InlineBytes for JWKS' TrustedCA",
  },
  {
    rule: 'jwt location',
    entry: JWT({ JSONWebKeySet: REMOTE, Locations: [{ Header: { Name: 'a' }, Cookie: { Name: 'b' } }] }),
    message: '1 error occurred: must set exactly one of: JWT location header, query param or cookie',
  },
  {
    rule: 'jwt location header name',
    entry: JWT({ JSONWebKeySet: REMOTE, Locations: [{ Header: { Forward: true } }] }),
    message: '1 error occurred: JWT location header name must be specified',
  },
  {
    rule: 'jwt forwarding header',
    entry: JWT({ JSONWebKeySet: REMOTE, Forwarding: { PadForwardPayloadHeader: true } }),
    message: 'Header name required for forwarding config',
  },
  { rule: 'api gateway listeners', entry: AG({}), message: 'api gateway must have at least one listener' },
  {
    rule: 'api gateway listener name',
    entry: AG({ Listeners: [L({ Name: 'Bad_Name' })] }),
    message:
      'listener name "Bad_Name" is invalid, must be at least 1 character and contain only letters, numbers, or dashes',
  },
  {
    rule: 'api gateway duplicate listener',
    entry: AG({ Listeners: [L({}), L({ Port: 81 })] }),
    message: 'found multiple listeners with the name "l"',
  },
  {
    rule: 'api gateway merged listeners',
    entry: AG({ Listeners: [L({}), L({ Name: 'm', Protocol: 'tcp' })] }),
    message: 'listeners "l" and "m" cannot be merged',
  },
  {
    rule: 'api gateway protocol',
    entry: AG({ Listeners: [L({ Protocol: 'grpc' })] }),
    message: "unsupported listener protocol \"grpc\", must be one of 'tcp', or 'http'",
  },
  {
    rule: 'api gateway tcp hostname',
    entry: AG({ Listeners: [L({ Protocol: 'tcp', Hostname: 'a.com' })] }),
    message: 'hostname specification is not supported when using TCP',
  },
  {
    rule: 'api gateway port',
    entry: AG({ Listeners: [L({ Port: 0 })] }),
    message: 'listener port 0 not in the range 1-65535',
  },
  {
    rule: 'api gateway wildcard host',
    entry: AG({ Listeners: [L({ Hostname: 'a.*.com' })] }),
    message: 'host "a.*.com" is not valid, a wildcard specifier is only allowed as the left-most label',
  },
  {
    rule: 'api gateway certificate kind',
    entry: AG({ Listeners: [L({ TLS: { Certificates: [{ Kind: 'mesh', Name: 'c' }] } })] }),
    message: "unsupported certificate kind: \"mesh\", must be 'file-system-certificate' or 'inline-certificate'",
  },
  {
    rule: 'api gateway certificate name',
    entry: AG({ Listeners: [L({ TLS: { Certificates: [{ Kind: 'file-system-certificate' }] } })] }),
    message: 'certificate reference must have a name',
  },
  {
    rule: 'api gateway TLS version',
    entry: AG({ Listeners: [L({ TLS: { MinVersion: 'TLSv2' } })] }),
    message:
      'no matching TLS version found for TLSv2, please specify one of [TLS_AUTO, TLSv1_0, TLSv1_1, TLSv1_2, TLSv1_3]',
  },
  { rule: 'http route host', entry: HR({ Hostnames: ['*.a.com'] }), message: 'host "*.a.com" must not be a wildcard' },
  {
    rule: 'http route parent kind',
    entry: HR({ Parents: [{ Kind: 'ingress-gateway', Name: 'g' }] }),
    message: 'unsupported parent kind: "ingress-gateway", must be \'api-gateway\'',
  },
  {
    rule: 'http route parents unique',
    entry: HR({ Parents: [{ Name: 'g' }, { Kind: 'api-gateway', Name: 'g' }] }),
    message: 'route parents must be unique',
  },
  {
    rule: 'http route method',
    entry: HR({ Rules: [{ Matches: [{ Method: 'FETCH' }] }] }),
    message: 'Rule[0], Match[0], Method contains an invalid method "FETCH"',
  },
  {
    rule: 'tcp route one service',
    entry: TR({ Services: [{ Name: 'a' }, { Name: 'b' }] }),
    message: 'tcp-route currently only supports one service',
  },
  {
    rule: 'tcp route parent kind',
    entry: TR({ Parents: [{ Kind: 'mesh', Name: 'g' }] }),
    message: 'unsupported parent kind: "mesh", must be \'api-gateway\'',
  },
];

const RS = (o: Raw): Raw => ({ Kind: 'service-resolver', Name: 'bad-resolver-i12x', ...o });

/** Invalid resolver entries through the fields meshcc keeps (LoadBalancer, sameness groups, failover policy). */
export const INVALID_RESOLVER_CASES: readonly InvalidCase[] = [
  {
    rule: 'resolver locality is enterprise',
    entry: RS({ PrioritizeByLocality: { Mode: 'failover' } }),
    message: 'Prioritize-by-locality requires Consul Enterprise ',
  },
  {
    rule: 'resolver redirect sameness group',
    entry: RS({ Redirect: { SamenessGroup: 'g' } }),
    message: 'Redirect: Setting SamenessGroup requires Consul Enterprise',
  },
  {
    rule: 'resolver failover sameness group',
    entry: RS({ Failover: { '*': { SamenessGroup: 'g' } } }),
    message: 'Bad Failover["*"]: Setting SamenessGroup requires Consul Enterprise',
  },
  {
    rule: 'resolver failover policy',
    entry: RS({ Failover: { '*': { Datacenters: ['dc2'], Policy: { Mode: 'sequential' } } } }),
    message: 'Bad Failover["*"]: Setting failover policies requires Consul Enterprise',
  },
  {
    rule: 'resolver failover policy after empty block',
    entry: RS({ Failover: { '*': { Policy: { Mode: 'sequential' } } } }),
    message:
      'Bad Failover["*"]: one of Service, ServiceSubset, Namespace, Targets, SamenessGroup, or Datacenters is required',
  },
  {
    rule: 'load balancer policy',
    entry: RS({ LoadBalancer: { Policy: 'fastest' } }),
    message: 'Bad LoadBalancer policy: "fastest" is not supported',
  },
  {
    rule: 'load balancer ring hash config',
    entry: RS({ LoadBalancer: { Policy: 'maglev', RingHashConfig: { MinimumRingSize: 1 } } }),
    message: 'Bad LoadBalancer configuration. RingHashConfig specified for incompatible load balancing policy "maglev"',
  },
  {
    rule: 'load balancer least request config',
    entry: RS({ LoadBalancer: { Policy: 'random', LeastRequestConfig: { ChoiceCount: 2 } } }),
    message:
      'Bad LoadBalancer configuration. LeastRequestConfig specified for incompatible load balancing policy "random"',
  },
  {
    rule: 'load balancer hash policies',
    entry: RS({ LoadBalancer: { Policy: 'random', HashPolicies: [{ SourceIP: true }] } }),
    message: 'Bad LoadBalancer configuration: HashPolicies specified for non-hash-based Policy: "random"',
  },
  {
    rule: 'hash policy field',
    entry: RS({ LoadBalancer: { Policy: 'maglev', HashPolicies: [{ Field: 'body', FieldValue: 'x' }] } }),
    message: 'Bad LoadBalancer HashPolicy[0]: "body" is not a supported field',
  },
  {
    rule: 'hash policy source ip and field',
    entry: RS({
      LoadBalancer: { Policy: 'maglev', HashPolicies: [{ Field: 'header', FieldValue: 'x', SourceIP: true }] },
    }),
    message: 'Bad LoadBalancer HashPolicy[0]: A single hash policy cannot hash both a source address and a "header"',
  },
  {
    rule: 'hash policy field value',
    entry: RS({ LoadBalancer: { Policy: 'ring_hash', HashPolicies: [{ Field: 'cookie' }] } }),
    message: 'Bad LoadBalancer HashPolicy[0]: Field "cookie" was specified without a FieldValue',
  },
  {
    rule: 'hash policy value without field',
    entry: RS({ LoadBalancer: { Policy: 'ring_hash', HashPolicies: [{ FieldValue: 'x' }] } }),
    message: 'Bad LoadBalancer HashPolicy[0]: FieldValue requires a Field to apply to',
  },
  {
    rule: 'hash policy cookie config',
    entry: RS({
      LoadBalancer: {
        Policy: 'ring_hash',
        HashPolicies: [{ Field: 'header', FieldValue: 'x', CookieConfig: { Path: '/' } }],
      },
    }),
    message: 'Bad LoadBalancer HashPolicy[0]: cookie_config provided for "header"',
  },
  {
    rule: 'hash policy session cookie ttl',
    entry: RS({
      LoadBalancer: {
        Policy: 'ring_hash',
        HashPolicies: [{ Field: 'cookie', FieldValue: 'c', CookieConfig: { Session: true, TTL: '10s' } }],
      },
    }),
    message: 'Bad LoadBalancer HashPolicy[0]: a session cookie cannot have an associated TTL',
  },
];

/** Every invalid case. */
export const ALL_INVALID_CASES: readonly InvalidCase[] = [
  ...INVALID_CASES,
  ...INVALID_GATEWAY_CASES,
  ...INVALID_RESOLVER_CASES,
];
