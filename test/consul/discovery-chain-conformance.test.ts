/**
 * Discovery-chain conformance of EVERY example environment against the live two-datacenter Consul.
 *
 * Per environment (sequentially, under a cluster-wide test mutex because the environments share service names and
 * the singleton proxy-defaults/global): `meshcc apply` writes the entries under the environment's own name (dc2
 * converges by replication), then for every service and every datacenter of the environment the chain Consul
 * compiles (`GET /v1/discovery-chain/<svc>?compile-dc=<dc>`, and the POST form with overrides) is compared with
 * meshcc's — `compileChain` over the Compilation's entries and `meshcc chain <env> --json` through the CLI's `main`.
 * For every declared upstream, the sidecar is registered on the real agent and the mesh-gateway mode / protocol /
 * connect timeout of its *resolved* upstream config (as Consul merged it) are checked against meshcc's overrides;
 * the POST form with those overrides must equal the Compilation's upstream chain. Afterwards the environment's
 * entries are deleted, the sidecars deregistered and proxy-defaults/global restored.
 *
 * Datacenter names: primary-secondary and gateway-modes name their datacenters `primary`/`secondary`, which do not
 * exist in this cluster (dc1/dc2). Consul compiles chains for them anyway: `compile-dc` and target datacenters are
 * plain strings in the chain compiler; only the RPC's `dc` (not set here) must name a real datacenter. The test
 * asserts that those names are absent from the catalog and that the chains still agree.
 *
 * Trust domain: meshcc derives it from the environment's clusterId, the live cluster has its own; SNI names from the
 * Compilation and the CLI are compared after replacing the environment's trust domain with the live one (the only
 * substitution). Ignored: `CustomizationHash` and the server-assigned `AutoVirtualIPs`/`ManualVirtualIPs`.
 */
import { describe, expect, inject, it } from 'vitest';
import { compile, effectiveEntries } from '../../src/compiler/compile.ts';
import { buildEntryIndex, indexEntries } from '../../src/compiler/entry-index.ts';
import { compileChain } from '../../src/compiler/passes/compile-chains.ts';
import { upstreamChainOverrides } from '../../src/compiler/passes/resolve-upstream-config.ts';
import type { ChainOverrides, CompiledChain } from '../../src/compiler/types.ts';
import { sortKeys } from '../../src/emit/artifact.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { type ConfigEntry, entryKey } from '../../src/model/entries.ts';
import { ConsulClient, KINDS, type LiveEntry } from '../../src/reconcile/consul-client.ts';
import { sameContent } from '../../src/reconcile/normalize.ts';
import { ownerOf } from '../../src/reconcile/plan.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { MISSING_MESSAGE } from './harness.ts';
import { withClusterMutex } from './shared.ts';

const consul = inject('consul');
if (!consul) console.warn(`\n${MISSING_MESSAGE}\n`);

const ENVIRONMENTS = ['multi-dc', 'primary-secondary', 'gateway-modes', 'l7-routing'] as const;

function withoutHash(chain: unknown): unknown {
  const c = { ...(chain as Record<string, unknown>) };
  delete c.CustomizationHash;
  // assigned by the server from its virtual-IP table (transparent proxy), not derived from config entries
  delete c.AutoVirtualIPs;
  delete c.ManualVirtualIPs;
  return sortKeys(c);
}

/** The fields the issue names, per resolver node: targets in failover order with SNI, datacenter, mode, timeout. */
function summary(chain: unknown): unknown {
  const c = chain as CompiledChain;
  const target = (id: string) => {
    const t = c.Targets[id];
    return t
      ? {
          id,
          SNI: t.SNI,
          Datacenter: t.Datacenter,
          MeshGateway: t.MeshGateway?.Mode ?? '',
          ConnectTimeout: t.ConnectTimeout,
        }
      : { id, missing: true };
  };
  return {
    Datacenter: c.Datacenter,
    StartNode: c.StartNode,
    Protocol: c.Protocol,
    resolvers: Object.values(c.Nodes ?? {})
      .filter((n) => n.Type === 'resolver')
      .map((n) => ({
        node: n.Name,
        ConnectTimeout: n.Resolver?.ConnectTimeout,
        order: [n.Resolver?.Target ?? '', ...(n.Resolver?.Failover?.Targets ?? [])].map(target),
      })),
  };
}

function retrust(chain: unknown, from: string, to: string): unknown {
  return JSON.parse(JSON.stringify(chain).split(from).join(to));
}

function overrideBody(o: ChainOverrides): Record<string, unknown> {
  return {
    ...(o.meshGateway ? { OverrideMeshGateway: { Mode: o.meshGateway } } : {}),
    ...(o.protocol ? { OverrideProtocol: o.protocol } : {}),
    ...(o.connectTimeout ? { OverrideConnectTimeout: o.connectTimeout } : {}),
  };
}

function overrideFlags(o: ChainOverrides): string[] {
  return [
    ...(o.meshGateway ? ['--override-mesh-gateway', o.meshGateway] : []),
    ...(o.protocol ? ['--override-protocol', o.protocol] : []),
    ...(o.connectTimeout ? ['--override-connect-timeout', o.connectTimeout] : []),
  ];
}

function serverFields(e: LiveEntry): ConfigEntry {
  const { ModifyIndex: _m, CreateIndex: _c, Hash: _h, ...rest } = e as LiveEntry & { Hash?: unknown };
  return rest as ConfigEntry;
}

interface AgentUpstream {
  DestinationName: string;
  MeshGateway?: { Mode?: string };
  Config?: Record<string, unknown>;
}

describe.skipIf(!consul)('discovery chains of every example environment agree with the live Consul', () => {
  const addr = consul?.dc1 ?? '';
  const cl = new ConsulClient({ addr, retryBudgetMs: 30_000 });

  for (const env of ENVIRONMENTS) {
    it(`${env}: applies, then compiles every service in every datacenter (and every upstream) as Consul does`, async () => {
      await withClusterMutex(cl, 'shared-cluster', async () => {
        const { model } = await loadEnvironment(`environments/${env}`, repoRoot);
        expect(model.name).toBe(env);
        const c = compile(model);
        expect(c.diagnostics.filter((d) => d.severity === 'error' && !d.suppressed)).toEqual([]);
        const pdBefore = await cl.read('proxy-defaults', 'global');
        const sidecars: string[] = [];
        try {
          // proxy-defaults/global is one per cluster: hand it to this environment (same content in every example)
          const pd = c.entries.find((e) => e.Kind === 'proxy-defaults');
          if (pd && pdBefore && ownerOf(pdBefore, env) !== 'ours') {
            expect(await cl.write(pd, pdBefore.ModifyIndex)).toBe(true);
          }
          const applied = await runCli(['apply', `environments/${env}`, '--consul', addr, '--wait', '30']);
          expect(applied.code, `${applied.stdout}${applied.stderr}`).toBe(0);
          const planned = await runCli(['plan', `environments/${env}`, '--consul', addr]);
          expect(planned.stdout).toContain('Plan: 0 to create, 0 to update, 0 to delete.');
          expect(planned.code).toBe(0);
          // dc2 serves the same entries (bounded wait; replication runs about once per second)
          const deadline = Date.now() + 30_000;
          for (;;) {
            const dc2 = await cl.listAll('dc2');
            if (c.entries.every((e) => dc2.some((l) => entryKey(l) === entryKey(e) && sameContent(l, e)))) break;
            expect(Date.now(), 'dc2 did not converge').toBeLessThan(deadline);
            await new Promise((r) => setTimeout(r, 250));
          }

          const liveTd = (await cl.request<{ TrustDomain: string }>('GET', '/v1/connect/ca/roots')).body.TrustDomain;
          const entries = indexEntries(c.entries);
          const services = [...new Set(model.services.map((s) => s.name))].sort();
          const dcs = model.datacenters.map((d) => d.name);
          const clusterDcs = await cl.datacenters();
          for (const dc of dcs) {
            // datacenters the cluster does not have are compiled as plain strings (asserted below by equality)
            if (!['dc1', 'dc2'].includes(dc)) expect(clusterDcs).not.toContain(dc);
          }
          const variants: ChainOverrides[] = [
            {},
            { meshGateway: 'remote' },
            { meshGateway: 'none' },
            { connectTimeout: '7s' },
          ];
          let compared = 0;
          for (const dc of dcs) {
            for (const svc of services) {
              for (const o of variants) {
                const body = overrideBody(o);
                const post = Object.keys(body).length > 0;
                const live = await cl.request<{ Chain: unknown }>(post ? 'POST' : 'GET', `/v1/discovery-chain/${svc}`, {
                  query: { 'compile-dc': dc },
                  ...(post ? { body } : {}),
                });
                const liveChain = live.body.Chain;
                const ours = compileChain({
                  serviceName: svc,
                  evaluateInDatacenter: dc,
                  trustDomain: liveTd,
                  entries,
                  ...(post ? { overrides: o } : {}),
                });
                const cli = await runCli([
                  'chain',
                  `environments/${env}`,
                  '--service',
                  svc,
                  '--dc',
                  dc,
                  '--json',
                  ...overrideFlags(o),
                ]);
                expect(cli.code, cli.stderr).toBe(0);
                const cliChain = retrust(
                  (JSON.parse(cli.stdout) as { Chain: unknown }).Chain,
                  model.trustDomain,
                  liveTd,
                );
                const at = { env, dc, svc, overrides: body };
                const ourChain = 'chain' in ours ? ours.chain : ours;
                expect({ ...at, s: summary(ourChain) }).toEqual({ ...at, s: summary(liveChain) });
                expect({ ...at, s: summary(cliChain) }).toEqual({ ...at, s: summary(liveChain) });
                expect({ ...at, chain: withoutHash(ourChain) }).toEqual({ ...at, chain: withoutHash(liveChain) });
                expect({ ...at, chain: withoutHash(cliChain) }).toEqual({ ...at, chain: withoutHash(liveChain) });
                compared++;
              }
            }
          }
          expect(compared).toBe(dcs.length * services.length * variants.length);

          // every declared upstream: the sidecar's resolved upstream config (from the real agent) gives the overrides
          const index = buildEntryIndex(effectiveEntries(model).value).value;
          let upstreams = 0;
          for (const [i, inst] of model.instances.entries()) {
            if (inst.upstreams.length === 0) continue;
            const id = `${env}--${inst.service}-${i}-sidecar`;
            await cl.request('PUT', '/v1/agent/service/register', {
              body: {
                Kind: 'connect-proxy',
                ID: id,
                Name: `${env}--${inst.service}-sidecar-proxy`,
                Port: 21000 + i,
                Address: '127.0.0.1',
                Proxy: {
                  DestinationServiceName: inst.service,
                  LocalServicePort: inst.port,
                  ...(inst.meshGateway ? { MeshGateway: { Mode: inst.meshGateway } } : {}),
                  Upstreams: inst.upstreams.map((u) => ({
                    DestinationName: u.destinationName,
                    ...(u.datacenter ? { Datacenter: u.datacenter } : {}),
                    LocalBindPort: u.localBindPort,
                    ...(u.meshGateway ? { MeshGateway: { Mode: u.meshGateway } } : {}),
                    ...(u.config ? { Config: u.config } : {}),
                  })),
                },
              },
            });
            sidecars.push(id);
            const resolved = (
              await cl.request<{ Proxy: { MeshGateway?: { Mode?: string }; Upstreams: AgentUpstream[] } }>(
                'GET',
                `/v1/agent/service/${encodeURIComponent(id)}`,
              )
            ).body.Proxy;
            for (const [j, up] of inst.upstreams.entries()) {
              const compiled = c.upstreams.find((x) => x.path === up.path);
              expect(compiled?.chain, `${up.path}: ${JSON.stringify(compiled?.error)}`).toBeDefined();
              const mine = upstreamChainOverrides(inst, up, index, compiled?.mode as never);
              const agentUp = resolved.Upstreams[j] as AgentUpstream;
              expect(agentUp.DestinationName).toBe(up.destinationName);
              // connect_proxy.go: OverrideMeshGateway = proxyCfg.MeshGateway.OverlayWith(upstream.MeshGateway)
              const agentMode = agentUp.MeshGateway?.Mode || resolved.MeshGateway?.Mode || undefined;
              const agentProtocol = agentUp.Config?.protocol as string | undefined;
              const agentTimeoutMs = agentUp.Config?.connect_timeout_ms as number | undefined;
              const at = { env, upstream: up.path };
              expect({ ...at, mode: mine.meshGateway, protocol: mine.protocol }).toEqual({
                ...at,
                mode: agentMode,
                protocol: agentProtocol ? agentProtocol.toLowerCase() : undefined,
              });
              expect({ ...at, timeout: mine.connectTimeout }).toEqual({
                ...at,
                timeout: agentTimeoutMs ? `${agentTimeoutMs / 1000}s` : undefined,
              });
              const body = overrideBody(mine);
              const post = Object.keys(body).length > 0;
              const live = await cl.request<{ Chain: unknown }>(
                post ? 'POST' : 'GET',
                `/v1/discovery-chain/${up.destinationName}`,
                { query: { 'compile-dc': compiled?.targetDatacenter }, ...(post ? { body } : {}) },
              );
              const cli = await runCli([
                'chain',
                `environments/${env}`,
                '--service',
                up.destinationName,
                '--dc',
                compiled?.targetDatacenter ?? '',
                '--json',
                ...overrideFlags(mine),
              ]);
              expect(cli.code, cli.stderr).toBe(0);
              const fromCompilation = retrust(compiled?.chain, model.trustDomain, liveTd);
              const fromCli = retrust((JSON.parse(cli.stdout) as { Chain: unknown }).Chain, model.trustDomain, liveTd);
              expect({ ...at, s: summary(fromCompilation) }).toEqual({ ...at, s: summary(live.body.Chain) });
              expect({ ...at, chain: withoutHash(fromCompilation) }).toEqual({
                ...at,
                chain: withoutHash(live.body.Chain),
              });
              expect({ ...at, chain: withoutHash(fromCli) }).toEqual({ ...at, chain: withoutHash(live.body.Chain) });
              upstreams++;
            }
          }
          expect(upstreams).toBe(c.upstreams.length);
        } finally {
          for (const id of sidecars) {
            await cl.request('PUT', `/v1/agent/service/deregister/${encodeURIComponent(id)}`).catch(() => undefined);
          }
          // delete this environment's entries (reverse dependency order), then restore proxy-defaults/global
          const mine = c.entries.filter((e) => e.Kind !== 'proxy-defaults');
          for (const kind of [...KINDS].reverse()) {
            for (const e of mine.filter((x) => x.Kind === kind)) {
              const live = await cl.read(e.Kind, e.Name);
              if (live && ownerOf(live, env) === 'ours') await cl.delete(e.Kind, e.Name, live.ModifyIndex);
            }
          }
          const pdNow = await cl.read('proxy-defaults', 'global');
          if (pdBefore) await cl.write(serverFields(pdBefore));
          else if (pdNow && ownerOf(pdNow, env) === 'ours')
            await cl.delete('proxy-defaults', 'global', pdNow.ModifyIndex);
        }
        for (const e of c.entries.filter((x) => x.Kind !== 'proxy-defaults')) {
          expect(await cl.read(e.Kind, e.Name), `${entryKey(e)} left behind`).toBeUndefined();
        }
      });
    });
  }
});
