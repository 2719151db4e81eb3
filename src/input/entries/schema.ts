/**
 * Which config-entry kinds exist and what meshcc does with their fields. The shape of every kind (every field, alias
 * and Go type) is generated from Consul's api structs (`schema.generated.ts`, `scripts/gen-entry-schemas.sh`); this
 * file says which kinds Consul CE accepts and which fields meshcc *analyzes* (compiles, checks across entries). Every
 * other field Consul accepts is decoded, kept and emitted unchanged; meshcc says once that it does not analyze it.
 */
import { API_SCHEMAS } from './schema.generated.ts';
import type { StructType } from './schema-types.ts';

export type { FieldSpec, FieldType, StructType } from './schema-types.ts';

/** The decoder's schema of each kind (every field Consul's api accepts). */
export const ENTRY_SCHEMAS: Readonly<Record<string, StructType>> = API_SCHEMAS;

/** Every kind Consul's `api.MakeConfigEntry` knows (the CLI decodes them all). */
export const CONSUL_KINDS: readonly string[] = Object.keys(API_SCHEMAS).sort();

/**
 * Kinds a Consul CE server accepts (`structs.MakeConfigEntry` without the enterprise ones). `bound-api-gateway` is
 * written by Consul itself and has no api struct for users; `control-plane-request-limit` and `rate-limit` are
 * enterprise kinds: a CE server answers `invalid config entry kind: <kind>`.
 */
export const CE_KINDS: readonly string[] = [
  'api-gateway',
  'exported-services',
  'file-system-certificate',
  'http-route',
  'ingress-gateway',
  'inline-certificate',
  'jwt-provider',
  'mesh',
  'proxy-defaults',
  'sameness-group',
  'service-defaults',
  'service-intentions',
  'service-resolver',
  'service-router',
  'service-splitter',
  'tcp-route',
  'terminating-gateway',
];

/** A tree of analyzed fields: `true` means the field and everything under it; maps and lists are looked through. */
export type AnalyzedTree = true | { readonly [field: string]: AnalyzedTree };

const MESH_GATEWAY: AnalyzedTree = { Mode: true };
const IDENTITY = { Kind: true, Name: true, Partition: true, Namespace: true, Meta: true } as const;
const UPSTREAM: AnalyzedTree = {
  Name: true,
  Partition: true,
  Namespace: true,
  Peer: true,
  Protocol: true,
  ConnectTimeoutMs: true,
  MeshGateway: MESH_GATEWAY,
};
const TARGET: AnalyzedTree = {
  Service: true,
  ServiceSubset: true,
  Partition: true,
  Namespace: true,
  Datacenter: true,
  Peer: true,
};

/**
 * The fields meshcc analyzes, per kind. Kinds not listed here are kept whole without analysis (their entries are
 * still checked with Consul's own `Validate()` rules, see `model/validate-entry-kinds.ts`). Splitters and routers are
 * listed whole: their fields belong to the discovery chain.
 */
export const ANALYZED: Readonly<Record<string, AnalyzedTree>> = {
  'proxy-defaults': { ...IDENTITY, Mode: true, Config: true, MeshGateway: MESH_GATEWAY },
  'service-defaults': {
    ...IDENTITY,
    Protocol: true,
    Mode: true,
    MeshGateway: MESH_GATEWAY,
    ExternalSNI: true,
    UpstreamConfig: { Overrides: UPSTREAM, Defaults: UPSTREAM },
  },
  'service-resolver': {
    ...IDENTITY,
    DefaultSubset: true,
    Subsets: { Filter: true, OnlyPassing: true },
    Redirect: TARGET,
    Failover: { Service: true, ServiceSubset: true, Namespace: true, Datacenters: true, Targets: TARGET },
    ConnectTimeout: true,
    RequestTimeout: true,
  },
  'service-intentions': {
    ...IDENTITY,
    Sources: {
      Name: true,
      Peer: true,
      Partition: true,
      Namespace: true,
      Action: true,
      Permissions: true,
      Type: true,
      Description: true,
    },
  },
  'service-splitter': true,
  'service-router': true,
};

/** Kinds meshcc analyzes (some or all of their fields). */
export const ANALYZED_KINDS: readonly string[] = Object.keys(ANALYZED);
