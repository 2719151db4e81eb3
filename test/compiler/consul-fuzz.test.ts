/**
 * Differential test against a real Consul v1.22.7 (`scripts/setup-consul.sh`): random proxy-defaults,
 * service-defaults and service-resolver sets (seeded, so every run checks the same cases) are written to a dev agent
 * on a private loopback address. Consul's chain for every service and datacenter is then compared with meshcc's,
 * field for field, and so is every write Consul refused. Skips loudly when the binary is missing (fails under
 * MESHCC_REQUIRE_PEERS=1).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import { indexEntries } from '../../src/compiler/entry-index.ts';
import { compileChain } from '../../src/compiler/passes/compile-chains.ts';
import type { ChainOverrides } from '../../src/compiler/types.ts';
import { sortKeys } from '../../src/emit/artifact.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import type { GatewayMode } from '../../src/model/types.ts';
import { type DevConsul, startDevConsul } from '../support/dev-consul.ts';
import { consulBinary, missingPeer } from '../support/peers.ts';
import { entry, instance, model, upstream } from './model.ts';

const TD = '11111111-2222-3333-4444-555555555555.consul';
const services = ['a', 'b', 'c'] as const;
const dcs = ['dc1', 'dc2', 'dc3'] as const;
const subsets = ['v1', 'v2'] as const;
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const mode = opt(fc.constantFrom<GatewayMode>('local', 'remote', 'none'));
const drop = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

const resolver = (name: string) =>
  fc
    .record({
      subsets: fc.subarray([...subsets]),
      defaultSubset: opt(fc.constantFrom(...subsets)),
      timeout: opt(fc.constantFrom('1s', '250ms', '1m30s')),
      redirect: opt(
        fc.record({ Service: opt(fc.constantFrom(...services)), Datacenter: opt(fc.constantFrom(...dcs)) }),
      ),
      failover: opt(
        fc.dictionary(
          fc.constantFrom('*', ...subsets),
          fc.oneof(
            fc.record({ Datacenters: fc.uniqueArray(fc.constantFrom(...dcs), { minLength: 1 }) }),
            fc.record({
              Targets: fc.array(
                fc.record({
                  Service: opt(fc.constantFrom(...services)),
                  ServiceSubset: opt(fc.constantFrom(...subsets)),
                  Datacenter: opt(fc.constantFrom(...dcs)),
                }),
                { minLength: 1, maxLength: 3 },
              ),
            }),
            fc.record({ Service: fc.constantFrom(...services), ServiceSubset: opt(fc.constantFrom(...subsets)) }),
          ),
          { maxKeys: 2 },
        ),
      ),
    })
    .map(
      (r): ConfigEntry => ({
        Kind: 'service-resolver',
        Name: name,
        ...(r.subsets.length > 0
          ? { Subsets: Object.fromEntries(r.subsets.map((s) => [s, { Filter: `Service.Meta.v == "${s}"` }])) }
          : {}),
        ...(r.defaultSubset ? { DefaultSubset: r.defaultSubset } : {}),
        ...(r.timeout ? { ConnectTimeout: r.timeout } : {}),
        ...(r.redirect ? { Redirect: drop(r.redirect) } : r.failover ? { Failover: drop(r.failover) } : {}),
      }),
    );

const scenario = fc.record({
  proxyDefaults: opt(
    mode.map(
      (m): ConfigEntry => ({ Kind: 'proxy-defaults', Name: 'global', ...(m ? { MeshGateway: { Mode: m } } : {}) }),
    ),
  ),
  serviceDefaults: fc.tuple(
    ...services.map((s) =>
      opt(
        fc.record({ m: mode, p: opt(fc.constantFrom('tcp', 'http')) }).map(
          (r): ConfigEntry => ({
            Kind: 'service-defaults',
            Name: s,
            ...(r.m ? { MeshGateway: { Mode: r.m } } : {}),
            ...(r.p ? { Protocol: r.p } : {}),
          }),
        ),
      ),
    ),
  ),
  resolvers: fc.tuple(...services.map((s) => opt(resolver(s)))),
  overrides: fc.record({
    meshGateway: mode,
    connectTimeout: opt(fc.constantFrom('2s', '5s')),
    protocol: opt(fc.constantFrom('tcp', 'http')),
  }),
});

const consul = consulBinary();
const skip = !consul && missingPeer('real Consul binary', 'run scripts/setup-consul.sh or set MESHCC_CONSUL');

describe.skipIf(skip)('chains agree with a live Consul v1.22.7 on random entries', () => {
  let base = '';
  let agent: DevConsul | undefined;

  beforeAll(async () => {
    agent = await startDevConsul(consul!, 'meshcc-fuzz', 77);
    base = agent.base;
  });

  afterAll(async () => {
    await agent?.stop();
  });

  async function wipe(): Promise<void> {
    for (const kind of ['service-resolver', 'service-defaults', 'proxy-defaults']) {
      const list = (await (await fetch(`${base}/v1/config/${kind}`)).json()) as { Name: string }[] | null;
      for (const e of list ?? []) await fetch(`${base}/v1/config/${kind}/${e.Name}`, { method: 'DELETE' });
    }
    const registered = (await (await fetch(`${base}/v1/agent/services`)).json()) as Record<string, unknown>;
    for (const id of Object.keys(registered))
      await fetch(`${base}/v1/agent/service/deregister/${id}`, { method: 'PUT' });
  }

  async function put(path: string, body: unknown): Promise<void> {
    const r = await fetch(`${base}${path}`, { method: 'PUT', body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`${path}: ${await r.text()}`);
  }

  it('resolves random mode ladders to the chain a real sidecar asks for', async () => {
    const ladder = fc.record({
      upstream: mode,
      override: mode,
      instance: mode,
      defaults: mode,
      caller: mode,
      proxyDefaults: mode,
      destination: mode,
      destinationDc: fc.constantFrom(...dcs),
    });
    const mismatches: string[] = [];
    for (const l of fc.sample(ladder, { numRuns: 30, seed: 11232026 })) {
      await wipe();
      const mg = (m: GatewayMode | undefined) => (m ? { MeshGateway: { Mode: m } } : {});
      const m = model(
        [
          instance(
            'web',
            'dc1',
            [upstream('api', { datacenter: l.destinationDc, ...(l.upstream ? { meshGateway: l.upstream } : {}) })],
            {
              ...(l.instance ? { meshGateway: l.instance } : {}),
            },
          ),
        ],
        [
          ...(l.proxyDefaults ? [entry({ Kind: 'proxy-defaults', Name: 'global', ...mg(l.proxyDefaults) })] : []),
          entry({
            Kind: 'service-defaults',
            Name: 'web',
            ...mg(l.caller),
            UpstreamConfig: {
              ...(l.override ? { Overrides: [{ Name: 'api', ...mg(l.override) }] } : {}),
              ...(l.defaults ? { Defaults: mg(l.defaults) } : {}),
            },
          }),
          ...(l.destination ? [entry({ Kind: 'service-defaults', Name: 'api', ...mg(l.destination) })] : []),
        ],
      );
      const c = compile(m);
      for (const e of c.entries) await put('/v1/config', e);
      const inst = m.instances[0]!;
      await put('/v1/agent/service/register', {
        Name: 'web',
        Port: 8080,
        Connect: {
          SidecarService: {
            Proxy: {
              ...mg(inst.meshGateway),
              Upstreams: [
                { DestinationName: 'api', Datacenter: l.destinationDc, LocalBindPort: 10000, ...mg(l.upstream) },
              ],
            },
          },
        },
      });
      const sidecar = (await (await fetch(`${base}/v1/agent/service/web-sidecar-proxy`)).json()) as {
        Proxy: { MeshGateway?: { Mode?: string }; Upstreams: { MeshGateway?: { Mode?: string } }[] };
      };
      // agent/proxycfg/connect_proxy.go: OverrideMeshGateway = proxy mode overlaid with the upstream's.
      const sent = sidecar.Proxy.Upstreams[0]?.MeshGateway?.Mode || sidecar.Proxy.MeshGateway?.Mode || '';
      const res = await fetch(`${base}/v1/discovery-chain/api?compile-dc=${l.destinationDc}`, {
        method: 'POST',
        body: JSON.stringify({ OverrideMeshGateway: { Mode: sent } }),
      });
      const body = (await res.json()) as { Chain: Record<string, unknown> };
      delete body.Chain.AutoVirtualIPs;
      delete body.Chain.ManualVirtualIPs;
      const mine = c.upstreams[0]!;
      const a = JSON.stringify(sortKeys(body.Chain));
      const b = JSON.stringify(sortKeys(mine.chain));
      if (a !== b)
        mismatches.push(
          `${JSON.stringify(l)} (meshcc: ${mine.mode.mode} from ${mine.mode.from})\n consul ${a}\n meshcc ${b}`,
        );
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it('compiles every accepted chain as Consul does and refuses what Consul refuses', async () => {
    const mismatches: string[] = [];
    let compared = 0;
    let refused = 0;
    for (const s of fc.sample(scenario, { numRuns: 40, seed: 20261123 })) {
      await wipe();
      const entries = [s.proxyDefaults, ...s.serviceDefaults, ...s.resolvers].filter((e): e is ConfigEntry => !!e);
      let refusal: { message: string; upto: number } | undefined;
      for (const [i, e] of entries.entries()) {
        const text = (
          await (await fetch(`${base}/v1/config`, { method: 'PUT', body: JSON.stringify(e) })).text()
        ).trim();
        if (text !== 'true') {
          refusal = { message: text, upto: i + 1 };
          break;
        }
      }
      if (refusal) {
        // Consul refused the last write given the ones before it: some chain over those entries must fail the same way.
        refused++;
        const index = indexEntries(entries.slice(0, refusal.upto));
        const same = services.some((svc) =>
          dcs.some((dc) => {
            const r = compileChain({ serviceName: svc, evaluateInDatacenter: dc, trustDomain: TD, entries: index });
            return 'error' in r && refusal.message.includes(r.error.message);
          }),
        );
        if (!same) mismatches.push(`refused by Consul only: ${refusal.message} for ${JSON.stringify(entries)}`);
        continue;
      }
      const o = drop(s.overrides) as ChainOverrides;
      const request = {
        ...(o.meshGateway ? { OverrideMeshGateway: { Mode: o.meshGateway } } : {}),
        ...(o.connectTimeout ? { OverrideConnectTimeout: o.connectTimeout } : {}),
        ...(o.protocol ? { OverrideProtocol: o.protocol } : {}),
      };
      const index = indexEntries(entries);
      for (const svc of services) {
        for (const dc of dcs) {
          const res = await fetch(`${base}/v1/discovery-chain/${svc}?compile-dc=${dc}`, {
            method: 'POST',
            body: JSON.stringify(request),
          });
          const body = (await res.json()) as { Chain: Record<string, unknown> };
          delete body.Chain.AutoVirtualIPs;
          delete body.Chain.ManualVirtualIPs;
          const mine = compileChain({
            serviceName: svc,
            evaluateInDatacenter: dc,
            trustDomain: TD,
            entries: index,
            overrides: o,
          });
          compared++;
          const a = JSON.stringify(sortKeys(body.Chain));
          const b = JSON.stringify(sortKeys('chain' in mine ? mine.chain : mine));
          if (a !== b)
            mismatches.push(
              `${svc}@${dc} ${JSON.stringify(request)} ${JSON.stringify(entries)}\n consul ${a}\n meshcc ${b}`,
            );
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);
});
