/**
 * One failing and one passing entry per Consul validation rule, with Consul's exact message. Shared by the table
 * test and by the cross-check against a real Consul (`test/entries/consul-crosscheck.ts`).
 */
import type { ConfigEntry } from '../../src/model/entries.ts';

export interface ValidationCase {
  readonly rule: string;
  readonly bad: ConfigEntry;
  readonly message: string;
  readonly good: ConfigEntry;
}

const R = (o: Record<string, unknown>): ConfigEntry => ({ Kind: 'service-resolver', Name: 'api', ...o }) as ConfigEntry;
const SD = (o: Record<string, unknown>): ConfigEntry =>
  ({ Kind: 'service-defaults', Name: 'web', ...o }) as ConfigEntry;
const PD = (o: Record<string, unknown>): ConfigEntry =>
  ({ Kind: 'proxy-defaults', Name: 'global', ...o }) as ConfigEntry;
const SI = (o: Record<string, unknown>): ConfigEntry =>
  ({ Kind: 'service-intentions', Name: 'api', Sources: [{ Name: 'web', Action: 'allow' }], ...o }) as ConfigEntry;
const V1 = { v1: { Filter: 'Service.Meta.version == v1' } };
const long = (n: number): string => 'x'.repeat(n);

export const VALIDATION_CASES: readonly ValidationCase[] = [
  // proxy-defaults
  {
    rule: 'proxy-defaults name must be global',
    bad: PD({ Name: 'main' }),
    message: 'invalid name ("main"), only "global" is supported',
    good: PD({}),
  },
  {
    rule: 'proxy-defaults meta value length',
    bad: PD({ Meta: { k: long(513) } }),
    message: 'Meta value for key "k" exceeds maximum length 512',
    good: PD({ Meta: { k: long(512) } }),
  },
  // service-defaults
  { rule: 'service-defaults name required', bad: SD({ Name: '' }), message: 'Name is required', good: SD({}) },
  {
    rule: 'service-defaults name not a wildcard',
    bad: SD({ Name: '*' }),
    message: 'service-defaults name must be the name of a service, and not a wildcard',
    good: SD({ Name: 'star' }),
  },
  {
    rule: 'service-defaults protocol',
    bad: SD({ Protocol: 'udp' }),
    message: 'invalid value for protocol: udp',
    good: SD({ Protocol: 'grpc' }),
  },
  {
    rule: 'service-defaults meta key length',
    bad: SD({ Meta: { [long(129)]: 'v' } }),
    message: `Meta key "${long(129)}" exceeds maximum length 128`,
    good: SD({ Meta: { [long(128)]: 'v' } }),
  },
  {
    rule: 'upstream override needs a name',
    bad: SD({ UpstreamConfig: { Overrides: [{ Name: '', Protocol: 'http' }] } }),
    message: 'error in upstream override for :: Name is required',
    good: SD({ UpstreamConfig: { Overrides: [{ Name: 'api', Protocol: 'http' }] } }),
  },
  {
    rule: 'upstream override name not a wildcard',
    bad: SD({ UpstreamConfig: { Overrides: [{ Name: '*' }] } }),
    message: 'error in upstream override for *:: Wildcard name is not supported',
    good: SD({ UpstreamConfig: { Overrides: [{ Name: 'api' }] } }),
  },
  {
    rule: 'upstream defaults have no name',
    bad: SD({ UpstreamConfig: { Defaults: { Name: 'api', ConnectTimeoutMs: 100 } } }),
    message: 'error in upstream defaults: Name must be empty',
    good: SD({ UpstreamConfig: { Defaults: { ConnectTimeoutMs: 100 } } }),
  },
  // service-resolver
  { rule: 'resolver name required', bad: R({ Name: '' }), message: 'Name is required', good: R({}) },
  {
    rule: 'subset names are DNS labels',
    bad: R({ Subsets: { V1: {} } }),
    message:
      'Subset "V1" is invalid: must be 63 characters or fewer, begin or end with lower case alphanumeric characters, and contain lower case alphanumeric characters or \'-\' in between',
    good: R({ Subsets: { v1: {} } }),
  },
  {
    rule: 'subset names at most 63 characters',
    bad: R({ Subsets: { [long(64)]: {} } }),
    message: `Subset "${long(64)}" is invalid: must be non-empty and 63 characters or fewer`,
    good: R({ Subsets: { [long(63)]: {} } }),
  },
  {
    rule: 'DefaultSubset must be a subset',
    bad: R({ DefaultSubset: 'v2', Subsets: V1 }),
    message: 'DefaultSubset "v2" is not a valid subset',
    good: R({ DefaultSubset: 'v1', Subsets: V1 }),
  },
  {
    rule: 'redirect and failover are exclusive',
    bad: R({ Redirect: { Service: 'other' }, Failover: { '*': { Datacenters: ['dc2'] } } }),
    message: 'Redirect and Failover cannot both be set',
    good: R({ Redirect: { Service: 'other' } }),
  },
  {
    rule: 'redirect not empty',
    bad: R({ Redirect: {} }),
    message: 'Redirect is empty',
    good: R({ Redirect: { Datacenter: 'dc2' } }),
  },
  {
    rule: 'redirect peer and subset exclusive',
    bad: R({ Redirect: { Service: 'other', Peer: 'p', ServiceSubset: 'v1' } }),
    message: 'Redirect.Peer cannot be set with Redirect.ServiceSubset',
    good: R({ Redirect: { Service: 'other', Peer: 'p' } }),
  },
  {
    rule: 'redirect peer and datacenter exclusive',
    bad: R({ Redirect: { Service: 'other', Peer: 'p', Datacenter: 'dc2' } }),
    message: 'Redirect.Peer cannot be set with Redirect.Datacenter',
    good: R({ Redirect: { Service: 'other', Datacenter: 'dc2' } }),
  },
  {
    rule: 'redirect subset needs a service',
    bad: R({ Redirect: { ServiceSubset: 'v1' }, Subsets: V1 }),
    message: 'Redirect.ServiceSubset defined without Redirect.Service',
    good: R({ Redirect: { Service: 'api', ServiceSubset: 'v1' }, Subsets: V1 }),
  },
  {
    rule: 'redirect peer needs a service',
    bad: R({ Redirect: { Peer: 'p' } }),
    message: 'Redirect.Peer defined without Redirect.Service',
    good: R({ Redirect: { Service: 'x', Peer: 'p' } }),
  },
  {
    rule: 'redirect to own subset must exist',
    bad: R({ Redirect: { Service: 'api', ServiceSubset: 'v9' }, Subsets: V1 }),
    message: 'Redirect.ServiceSubset "v9" is not a valid subset of "api"',
    good: R({ Redirect: { Service: 'api', ServiceSubset: 'v1' }, Subsets: V1 }),
  },
  {
    rule: 'failover key must be a subset or *',
    bad: R({ Subsets: V1, Failover: { v2: { Datacenters: ['dc2'] } } }),
    message: 'Bad Failover["v2"]: not a valid subset subset',
    good: R({ Subsets: V1, Failover: { v1: { Datacenters: ['dc2'] } } }),
  },
  {
    rule: 'failover not empty',
    bad: R({ Failover: { '*': {} } }),
    message:
      'Bad Failover["*"]: one of Service, ServiceSubset, Namespace, Targets, SamenessGroup, or Datacenters is required',
    good: R({ Failover: { '*': { Service: 'backup' } } }),
  },
  {
    rule: 'failover subset of self must exist',
    bad: R({ Subsets: V1, Failover: { '*': { ServiceSubset: 'v2' } } }),
    message: 'Bad Failover["*"]: ServiceSubset "v2" is not a valid subset of ""',
    good: R({ Subsets: V1, Failover: { '*': { ServiceSubset: 'v1' } } }),
  },
  {
    rule: 'failover targets and datacenters exclusive',
    bad: R({ Failover: { '*': { Datacenters: ['dc2'], Targets: [{ Datacenter: 'dc3' }] } } }),
    message: 'Bad Failover["*"]: Targets cannot be set with Datacenters',
    good: R({ Failover: { '*': { Targets: [{ Datacenter: 'dc2' }, { Datacenter: 'dc3' }] } } }),
  },
  {
    rule: 'failover targets and service exclusive',
    bad: R({ Failover: { '*': { Service: 'b', Targets: [{ Datacenter: 'dc3' }] } } }),
    message: 'Bad Failover["*"]: Targets cannot be set with Service',
    good: R({ Failover: { '*': { Targets: [{ Service: 'b', Datacenter: 'dc3' }] } } }),
  },
  {
    rule: 'failover targets and service subset exclusive',
    bad: R({ Subsets: V1, Failover: { '*': { ServiceSubset: 'v1', Targets: [{ Datacenter: 'dc3' }] } } }),
    message: 'Bad Failover["*"]: Targets cannot be set with ServiceSubset',
    good: R({ Subsets: V1, Failover: { '*': { Targets: [{ ServiceSubset: 'v1', Datacenter: 'dc3' }] } } }),
  },
  {
    rule: 'failover target peer and datacenter exclusive',
    bad: R({ Failover: { '*': { Targets: [{ Peer: 'p', Datacenter: 'dc2' }] } } }),
    message: 'Bad Failover["*"].Targets[0]: Peer cannot be set with Datacenter',
    good: R({ Failover: { '*': { Targets: [{ Peer: 'p' }] } } }),
  },
  {
    rule: 'failover target peer and subset exclusive',
    bad: R({ Subsets: V1, Failover: { '*': { Targets: [{ Peer: 'p', ServiceSubset: 'v1' }] } } }),
    message: 'Bad Failover["*"].Targets[0]: Peer cannot be set with ServiceSubset',
    good: R({ Subsets: V1, Failover: { '*': { Targets: [{ ServiceSubset: 'v1' }] } } }),
  },
  {
    rule: 'failover target subset of self must exist',
    bad: R({ Subsets: V1, Failover: { '*': { Targets: [{ ServiceSubset: 'v2' }] } } }),
    message: 'Bad Failover["*"].Targets[0]: ServiceSubset "v2" is not a valid subset of "api"',
    good: R({ Subsets: V1, Failover: { '*': { Targets: [{ ServiceSubset: 'v1' }] } } }),
  },
  {
    rule: 'failover datacenters not empty strings',
    bad: R({ Failover: { '*': { Datacenters: ['dc2', ''] } } }),
    message: 'Bad Failover["*"].Datacenters: found empty datacenter',
    good: R({ Failover: { '*': { Datacenters: ['dc2'] } } }),
  },
  {
    rule: 'failover namespace is enterprise',
    bad: R({ Failover: { '*': { Namespace: 'ns1' } } }),
    message: 'Bad Failover["*"]: Setting Namespace requires Consul Enterprise',
    good: R({ Failover: { '*': { Service: 'b' } } }),
  },
  {
    rule: 'connect timeout not negative',
    bad: R({ ConnectTimeout: '-1s' }),
    message: "Bad ConnectTimeout '-1s', must be >= 0",
    good: R({ ConnectTimeout: '1s' }),
  },
  {
    rule: 'request timeout not negative',
    bad: R({ RequestTimeout: '-2m0s' }),
    message: "Bad RequestTimeout '-2m0s', must be >= 0",
    good: R({ RequestTimeout: '2m0s' }),
  },
  // service-intentions
  { rule: 'intentions name required', bad: SI({ Name: '' }), message: 'Name is required', good: SI({}) },
  {
    rule: 'intentions destination wildcard must be whole',
    bad: SI({ Name: 'api*' }),
    message: "Name: wildcard character '*' cannot be used with partial values",
    good: SI({ Name: '*' }),
  },
  {
    rule: 'intentions need a source',
    bad: SI({ Sources: [] }),
    message: 'At least one source is required',
    good: SI({}),
  },
  {
    rule: 'intention source name required',
    bad: SI({ Sources: [{ Name: '', Action: 'allow' }] }),
    message: 'Sources[0].Name is required',
    good: SI({ Sources: [{ Name: 'web', Action: 'allow' }] }),
  },
  {
    rule: 'intention source wildcard must be whole',
    bad: SI({ Sources: [{ Name: 'web-*', Action: 'allow' }] }),
    message: "Sources[0].Name: wildcard character '*' cannot be used with partial values",
    good: SI({ Sources: [{ Name: '*', Action: 'allow' }] }),
  },
  {
    rule: 'intention source action allow or deny',
    bad: SI({ Sources: [{ Name: 'web' }] }),
    message: "Sources[0].Action must be set to 'allow' or 'deny'",
    good: SI({ Sources: [{ Name: 'web', Action: 'deny' }] }),
  },
  {
    rule: 'intention action and permissions exclusive',
    bad: SI({
      Sources: [{ Name: 'web', Action: 'allow', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }],
    }),
    message: 'Sources[0].Action must be omitted if Permissions are specified',
    good: SI({ Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }] }),
  },
  {
    rule: 'no permissions on wildcard destination',
    bad: SI({ Name: '*', Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }] }),
    message: 'Sources[0].Permissions cannot be specified on intentions with wildcarded destinations',
    good: SI({ Name: '*', Sources: [{ Name: 'web', Action: 'allow' }] }),
  },
  {
    rule: 'permission path must start with a slash',
    bad: SI({ Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathExact: 'api' } }] }] }),
    message: `Sources[0].Permissions[0].HTTP.PathExact doesn't start with '/': "api"`,
    good: SI({ Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathExact: '/api' } }] }] }),
  },
  {
    rule: 'permission methods valid',
    bad: SI({ Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { Methods: ['FETCH'] } }] }] }),
    message: 'Sources[0].Permissions[0].HTTP.Methods contains an invalid method "FETCH"',
    good: SI({ Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { Methods: ['GET'] } }] }] }),
  },
  {
    rule: 'permission http not empty',
    bad: SI({ Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: {} }] }] }),
    message: 'Sources[0].Permissions[0].HTTP should not be empty',
    good: SI({ Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathRegex: '/v.*' } }] }] }),
  },
  {
    rule: 'intention sources unique',
    bad: SI({
      Sources: [
        { Name: 'web', Action: 'allow' },
        { Name: 'web', Action: 'deny' },
      ],
    }),
    message: 'Sources[1] defines "web" more than once',
    good: SI({
      Sources: [
        { Name: 'web', Action: 'allow' },
        { Name: 'web', Peer: 'other', Action: 'deny' },
      ],
    }),
  },
  {
    rule: 'intention peer sources unique',
    bad: SI({
      Sources: [
        { Name: 'web', Peer: 'p', Action: 'allow' },
        { Name: 'web', Peer: 'p', Action: 'deny' },
      ],
    }),
    message: 'Sources[1] defines peer("p") "web" more than once',
    good: SI({
      Sources: [
        { Name: 'web', Peer: 'p', Action: 'allow' },
        { Name: 'web', Peer: 'q', Action: 'deny' },
      ],
    }),
  },
];
