/**
 * Discovery-chain conformance against the live two-datacenter Consul: the entries of environments/multi-dc are
 * written to dc1 (replicated to dc2), then every service's chain is read from Consul
 * (`/v1/discovery-chain/<svc>?compile-dc=<dc>`, with and without overrides) and compared field by field with
 * meshcc's `compileChain`. Ignored: `CustomizationHash` and the server-assigned `AutoVirtualIPs`/`ManualVirtualIPs`.
 */
import { describe, expect, inject, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import { indexEntries } from '../../src/compiler/entry-index.ts';
import { compileChain } from '../../src/compiler/passes/compile-chains.ts';
import type { ChainOverrides } from '../../src/compiler/types.ts';
import { sortKeys } from '../../src/emit/artifact.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { ConsulClient } from '../../src/reconcile/consul-client.ts';
import { sameContent } from '../../src/reconcile/normalize.ts';
import { repoRoot } from '../cli/run-cli.ts';
import { MISSING_MESSAGE } from './harness.ts';

const consul = inject('consul');
if (!consul) console.warn(`\n${MISSING_MESSAGE}\n`);

function withoutHash(chain: unknown): unknown {
  const c = { ...(chain as Record<string, unknown>) };
  delete c.CustomizationHash;
  // assigned by the server from its virtual-IP table (transparent proxy), not derived from config entries
  delete c.AutoVirtualIPs;
  delete c.ManualVirtualIPs;
  return sortKeys(c);
}

describe.skipIf(!consul)('discovery chains of environments/multi-dc agree with the live Consul', () => {
  it('compiles every service in both datacenters exactly as Consul does, with and without overrides', async () => {
    const cl = new ConsulClient({ addr: consul?.dc1 ?? '', retryBudgetMs: 30_000 });
    const { model } = await loadEnvironment('environments/multi-dc', repoRoot);
    const c = compile(model);
    for (const e of c.entries) expect(await cl.write(e)).toBe(true);
    // wait (bounded) until dc2 serves the same entries
    const deadline = Date.now() + 20_000;
    for (;;) {
      const dc2 = await cl.listAll('dc2');
      const ok = c.entries.every((e) => dc2.some((l) => l.Kind === e.Kind && l.Name === e.Name && sameContent(l, e)));
      if (ok) break;
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 250));
    }
    const roots = await cl.request<{ TrustDomain: string }>('GET', '/v1/connect/ca/roots');
    const trustDomain = `${roots.body.TrustDomain}`;
    const entries = indexEntries(c.entries);
    const services = [...new Set(model.services.map((s) => s.name))].sort();
    expect(services.length).toBeGreaterThan(0);
    const variants: { overrides?: ChainOverrides; body?: Record<string, unknown> }[] = [
      {},
      { overrides: { meshGateway: 'remote' }, body: { OverrideMeshGateway: { Mode: 'remote' } } },
      { overrides: { meshGateway: 'none' }, body: { OverrideMeshGateway: { Mode: 'none' } } },
      { overrides: { connectTimeout: '7s' }, body: { OverrideConnectTimeout: '7s' } },
    ];
    let compared = 0;
    for (const dc of ['dc1', 'dc2']) {
      for (const svc of services) {
        for (const v of variants) {
          const live = await cl.request<{ Chain: unknown }>(v.body ? 'POST' : 'GET', `/v1/discovery-chain/${svc}`, {
            query: { 'compile-dc': dc },
            ...(v.body ? { body: v.body } : {}),
          });
          const ours = compileChain({
            serviceName: svc,
            evaluateInDatacenter: dc,
            trustDomain,
            entries,
            ...(v.overrides ? { overrides: v.overrides } : {}),
          });
          expect({ dc, svc, v: v.body ?? {}, chain: 'chain' in ours ? withoutHash(ours.chain) : ours }).toEqual({
            dc,
            svc,
            v: v.body ?? {},
            chain: withoutHash(live.body.Chain),
          });
          compared++;
        }
      }
    }
    expect(compared).toBe(services.length * 2 * variants.length);
  });
});
