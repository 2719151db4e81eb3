/**
 * The L7 entries the constructs lower to — service-router, service-splitter, a resolver with subsets, redirect,
 * per-subset failover and a load balancer — through every entry emitter: API JSON, HCL (read back through the input
 * path to the same entry), consul-k8s CRDs (consul-k8s json tags; header names kept as written) and Terraform JSON.
 */
import hcl from 'hcl2-json-parser';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import {
  Datacenter,
  Mesh,
  Service,
  ServiceDefaults,
  ServiceResolver,
  ServiceRouter,
  ServiceSplitter,
} from '../../src/constructs/index.ts';
import { lowerMesh } from '../../src/constructs/lower.ts';
import { emitApiJson } from '../../src/emit/consul-entries/api-json.ts';
import { emitCrds, entryToCrd } from '../../src/emit/consul-entries/crd.ts';
import { emitHcl } from '../../src/emit/consul-entries/hcl.ts';
import { terraformDocument } from '../../src/emit/terraform-json.ts';
import { decodeConfigEntry } from '../../src/input/entries/decode-config-entry.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';

function l7Mesh(): Mesh {
  const mesh = new Mesh('l7-emit', { clusterId: '11111111-2222-3333-4444-555555555555' });
  new Datacenter(mesh, 'dc1', { primary: true, platform: 'kubernetes' });
  const dc2 = new Datacenter(mesh, 'dc2', { platform: 'vm' });
  const api = new Service(mesh, 'api');
  new ServiceDefaults(mesh, api, { protocol: 'http' });
  new ServiceResolver(mesh, api, {
    connectTimeout: '3s',
    requestTimeout: '20s',
    defaultSubset: 'v1',
    subsets: {
      v1: { filter: 'Service.Meta.version == v1' },
      v2: { filter: 'Service.Meta.version == v2', onlyPassing: true },
    },
    failover: { '*': { datacenters: [dc2] }, v2: { targets: [{ datacenter: dc2, serviceSubset: 'v2' }] } },
    loadBalancer: {
      policy: 'ring_hash',
      ringHashConfig: { minimumRingSize: 1024 },
      hashPolicies: [
        { field: 'cookie', fieldValue: 'session', cookieConfig: { ttl: '30m', path: '/' } },
        { sourceIp: true, terminal: true },
      ],
    },
  });
  new ServiceResolver(mesh, 'api-legacy', { redirect: { service: api, serviceSubset: 'v1', datacenter: 'dc2' } });
  new ServiceRouter(mesh, api, {
    routes: [
      {
        match: { pathPrefix: '/v2', methods: ['GET'] },
        destination: {
          serviceSubset: 'v2',
          prefixRewrite: '/',
          requestTimeout: '10s',
          numRetries: 2,
          retryOnConnectFailure: true,
          retryOnStatusCodes: [503],
        },
      },
      {
        match: {
          header: [{ name: 'X-Canary', exact: 'yes', invert: false }],
          queryParam: [{ name: 'debug', present: true }],
        },
        destination: {
          serviceSubset: 'v2',
          requestHeaders: { add: { 'X-Routed-By': 'meshcc' }, remove: ['X-Internal'] },
        },
      },
    ],
  });
  new ServiceSplitter(mesh, api, {
    splits: [
      { weight: 90, serviceSubset: 'v1' },
      { weight: 10, serviceSubset: 'v2', responseHeaders: { set: { 'X-Canary': 'v2' } } },
    ],
  });
  return mesh;
}

function l7Entries(): ConfigEntry[] {
  return lowerMesh(l7Mesh())
    .entries.map((d) => d.entry)
    .filter((e) => e.Kind !== 'service-defaults');
}

describe('L7 entries through the emitters', () => {
  it('writes API JSON, HCL and CRDs matching the reviewed golden files', async () => {
    const entries = l7Entries();
    const artifacts = [...emitApiJson(entries), ...emitHcl(entries), ...emitCrds(entries)];
    expect(artifacts.map((a) => a.path).filter((p) => p.startsWith('consul/api/'))).toEqual([
      'consul/api/service-resolver/api-legacy.json',
      'consul/api/service-resolver/api.json',
      'consul/api/service-router/api.json',
      'consul/api/service-splitter/api.json',
    ]);
    for (const a of artifacts) await expect(a.content).toMatchFileSnapshot(`../golden/entries-l7/${a.path}`);
  });

  it('writes HCL that reads back, through the input path, to the very entries the constructs lowered to', async () => {
    const entries = l7Entries();
    const hclFiles = emitHcl(entries);
    expect(hclFiles).toHaveLength(entries.length);
    for (const a of hclFiles) {
      const raw = JSON.parse(await hcl.parseToString(a.content));
      const back = decodeConfigEntry(raw, { file: 'roundtrip.hcl', text: a.content });
      expect(back.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const original = entries.find((e) => a.path.endsWith(`/${e.Kind}/${e.Name}.hcl`));
      expect(back.value, a.path).toEqual(original);
    }
  });

  it('uses consul-k8s json tags in the CRDs and keeps header names as written', () => {
    const entries = l7Entries();
    const router = entryToCrd(entries.find((e) => e.Kind === 'service-router') as ConfigEntry);
    expect(router).toMatchObject({
      kind: 'ServiceRouter',
      spec: {
        routes: [
          {
            match: { http: { pathPrefix: '/v2', methods: ['GET'] } },
            destination: {
              serviceSubset: 'v2',
              prefixRewrite: '/',
              requestTimeout: '10s',
              numRetries: 2,
              retryOnConnectFailure: true,
              retryOnStatusCodes: [503],
            },
          },
          {
            match: {
              http: { header: [{ name: 'X-Canary', exact: 'yes' }], queryParam: [{ name: 'debug', present: true }] },
            },
            destination: { requestHeaders: { add: { 'X-Routed-By': 'meshcc' }, remove: ['X-Internal'] } },
          },
        ],
      },
    });
    const splitter = entryToCrd(entries.find((e) => e.Kind === 'service-splitter') as ConfigEntry);
    expect(splitter).toMatchObject({
      kind: 'ServiceSplitter',
      spec: {
        splits: [
          { weight: 90, serviceSubset: 'v1' },
          { weight: 10, responseHeaders: { set: { 'X-Canary': 'v2' } } },
        ],
      },
    });
    const resolver = entryToCrd(entries.find((e) => e.Kind === 'service-resolver' && e.Name === 'api') as ConfigEntry);
    expect(resolver).toMatchObject({
      spec: {
        requestTimeout: '20s',
        loadBalancer: {
          policy: 'ring_hash',
          ringHashConfig: { minimumRingSize: 1024 },
          hashPolicies: [
            { field: 'cookie', fieldValue: 'session', cookieConfig: { ttl: '30m0s', path: '/' } },
            { sourceIP: true, terminal: true },
          ],
        },
      },
    });
  });

  it('writes every L7 entry as a consul_config_entry in the Terraform JSON', () => {
    const c = compile(lowerMesh(l7Mesh()));
    const doc = terraformDocument(c) as {
      resource: { consul_config_entry: Record<string, { kind: string; config_json: string }> };
    };
    const r = doc.resource.consul_config_entry;
    expect(Object.keys(r).sort()).toEqual([
      'service-defaults_api',
      'service-resolver_api',
      'service-resolver_api-legacy',
      'service-router_api',
      'service-splitter_api',
    ]);
    expect(JSON.parse(r['service-splitter_api']?.config_json ?? '{}').Splits).toEqual([
      { ServiceSubset: 'v1', Weight: 90 },
      { ResponseHeaders: { Set: { 'X-Canary': 'v2' } }, ServiceSubset: 'v2', Weight: 10 },
    ]);
    expect(JSON.parse(r['service-router_api']?.config_json ?? '{}').Routes[0].Match).toEqual({
      HTTP: { Methods: ['GET'], PathPrefix: '/v2' },
    });
  });
});
