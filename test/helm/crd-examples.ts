/**
 * Config entries of the kinds meshcc passes through without modelling them field by field (service-splitter,
 * service-router): what a user can write in `entries/`, every field of Consul 1.22's `api.ServiceSplitterConfigEntry`
 * and `api.ServiceRouterConfigEntry` in the API's CamelCase, including header maps whose keys are user data. The
 * chart CRD test emits them beside the entry fixtures, so each of their fields meets the chart's CRD schema.
 */

import { CRD_KINDS } from '../../src/emit/consul-entries/crd.ts';
import { ENTRY_SCHEMAS, type FieldType } from '../../src/input/entries/schema.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { VALID_ENTRIES } from '../entries/kind-cases.ts';

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

/**
 * One entry per kind with a custom resource, every field of Consul's api struct set (from the decoder's schemas,
 * generated from Consul's api): strings `x`, numbers, `true`, durations `5s`, maps keyed by mixed-case user data,
 * lists of one, nested structs to a depth where recursive types stop. So each field meshcc can carry meets the CRD
 * schema, and a kind added to CRD_KINDS is covered field by field without touching the tests.
 */
export function fullEntries(kinds: readonly string[]): ConfigEntry[] {
  return kinds.map((kind) => {
    const schema = ENTRY_SCHEMAS[kind];
    if (!schema) throw new Error(`no entry schema for kind ${kind}`);
    const entry = fill(schema, [schema.go]) as Record<string, unknown>;
    // Raft indexes never reach an entry (the decoder drops them, as Consul's Normalize does).
    delete entry.CreateIndex;
    delete entry.ModifyIndex;
    return { ...entry, Kind: kind, Name: kind === 'mesh' ? 'mesh' : `full-${kind}` } as unknown as ConfigEntry;
  });
}

function fill(t: FieldType, seen: readonly string[]): unknown {
  switch (t.k) {
    case 'string':
      return 'x';
    case 'int':
      return 7;
    case 'float':
      return 1.5;
    case 'bool':
      return true;
    case 'duration':
      return '5s';
    case 'time':
      return '2026-01-02T03:04:05Z';
    case 'any':
      return { 'Free_Form-Key': 'v' };
    case 'map':
      return { 'User-Key_1': fill(t.value, seen) };
    case 'list':
      return [fill(t.item, seen)];
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const [name, f] of Object.entries(t.fields)) {
        if (f.json === false) continue;
        // A struct inside itself (recursive types) stops at its second appearance.
        if (f.type.k === 'struct' && seen.includes(f.type.go)) continue;
        const inner =
          f.type.k === 'list' || f.type.k === 'map' ? (f.type.k === 'list' ? f.type.item : f.type.value) : f.type;
        if (inner.k === 'struct' && seen.includes(inner.go)) continue;
        out[name] = fill(
          f.type,
          f.type.k === 'struct' ? [...seen, f.type.go] : inner.k === 'struct' ? [...seen, inner.go] : seen,
        );
      }
      return out;
    }
  }
}

/**
 * Every kind Consul CE accepts with the fields meshcc keeps without analyzing (the valid entries of the differential
 * test against Consul, test/entries/kind-cases.ts) plus a sameness group (enterprise-only in Consul, but the chart
 * has its CRD), of the kinds the chart has a CRD for: the CRD emitter writes each field under the name the chart's schema has for it.
 */
export const KEPT_KIND_ENTRIES: readonly ConfigEntry[] = [
  ...VALID_ENTRIES.filter((r) => CRD_KINDS[String(r.Kind)] !== undefined).map(
    (r) => ({ ...r, Name: r.Name ?? 'mesh' }) as unknown as ConfigEntry,
  ),
  {
    Kind: 'sameness-group',
    Name: 'group',
    DefaultForFailover: true,
    IncludeLocal: true,
    Members: [{ Peer: 'dc2-peer' }, { Partition: 'default' }],
  },
];
