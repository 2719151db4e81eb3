/**
 * Config entries of the kinds meshcc passes through without modelling them field by field (service-splitter,
 * service-router): what a user can write in `entries/`, every field of Consul 1.22's `api.ServiceSplitterConfigEntry`
 * and `api.ServiceRouterConfigEntry` in the API's CamelCase, including header maps whose keys are user data. The
 * chart CRD test emits them beside the entry fixtures, so each of their fields meets the chart's CRD schema.
 */
import type { ConfigEntry } from '../../src/model/entries.ts';

const headers = {
  Add: { 'X-Meshcc-Route': 'canary', 'x-lower': 'kept' },
  Set: { 'X-Forwarded-Proto': 'https' },
  Remove: ['X-Debug'],
};

export const PASS_THROUGH_ENTRIES: readonly ConfigEntry[] = [
  {
    Kind: 'service-splitter',
    Name: 'web',
    Splits: [
      {
        Weight: 90.5,
        Service: 'web',
        ServiceSubset: 'v1',
        Namespace: 'default',
        Partition: 'default',
        RequestHeaders: headers,
        ResponseHeaders: headers,
      },
      { Weight: 9.5, Service: 'web', ServiceSubset: 'v2' },
    ],
    Meta: { 'managed-by': 'meshcc' },
  },
  {
    Kind: 'service-router',
    Name: 'web',
    Routes: [
      {
        Match: {
          HTTP: {
            PathPrefix: '/api',
            CaseInsensitive: true,
            Header: [
              { Name: 'x-canary', Exact: 'true', Invert: false },
              { Name: 'x-present', Present: true },
              { Name: 'x-prefix', Prefix: 'a' },
              { Name: 'x-suffix', Suffix: 'z' },
              { Name: 'x-regex', Regex: '^a.*z$' },
            ],
            QueryParam: [
              { Name: 'debug', Present: true },
              { Name: 'version', Exact: '2' },
              { Name: 'id', Regex: '[0-9]+' },
            ],
            Methods: ['GET', 'POST'],
          },
        },
        Destination: {
          Service: 'web',
          ServiceSubset: 'v2',
          Namespace: 'default',
          Partition: 'default',
          PrefixRewrite: '/',
          RequestTimeout: '5s',
          IdleTimeout: '30s',
          NumRetries: 3,
          RetryOnConnectFailure: true,
          RetryOn: ['gateway-error', 'reset'],
          RetryOnStatusCodes: [503, 504],
          RequestHeaders: headers,
          ResponseHeaders: headers,
        },
      },
      { Match: { HTTP: { PathExact: '/healthz' } }, Destination: { Service: 'health' } },
      { Match: { HTTP: { PathRegex: '^/v[0-9]+/' } }, Destination: { Service: 'web', ServiceSubset: 'v1' } },
    ],
  },
];
