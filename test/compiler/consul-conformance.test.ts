/**
 * Chains recorded from a real Consul v1.22.7 (`test/compiler/fixtures/consul-v1.22.7-chains.json`): the entries were
 * written with `PUT /v1/config` in order, then `GET|POST /v1/discovery-chain/<service>?compile-dc=<dc>` was read.
 * When Consul refused an entry, the fixture holds Consul's message instead, and meshcc must refuse the chain with
 * the same message.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { indexEntries } from '../../src/compiler/entry-index.ts';
import { compileChain } from '../../src/compiler/passes/compile-chains.ts';
import { sortKeys } from '../../src/emit/artifact.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';

interface Scenario {
  name: string;
  service: string;
  datacenter: string;
  entries: ConfigEntry[];
  overrides?: {
    OverrideMeshGateway?: { Mode?: 'local' | 'remote' | 'none' };
    OverrideConnectTimeout?: string;
    OverrideProtocol?: string;
  };
  consul: { chain?: unknown; error?: string };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/consul-v1.22.7-chains.json', import.meta.url), 'utf8')) as {
  scenarios: Scenario[];
};
const TD = '11111111-2222-3333-4444-555555555555.consul';

function compile(s: Scenario) {
  const o = s.overrides;
  return compileChain({
    serviceName: s.service,
    evaluateInDatacenter: s.datacenter,
    trustDomain: TD,
    entries: indexEntries(s.entries),
    ...(o
      ? {
          overrides: {
            ...(o.OverrideMeshGateway?.Mode ? { meshGateway: o.OverrideMeshGateway.Mode } : {}),
            ...(o.OverrideConnectTimeout ? { connectTimeout: o.OverrideConnectTimeout } : {}),
            ...(o.OverrideProtocol ? { protocol: o.OverrideProtocol } : {}),
          },
        }
      : {}),
  });
}

describe('compiled chains agree with Consul v1.22.7', () => {
  const compiled = fixture.scenarios.filter((s) => s.consul.chain !== undefined);
  const refused = fixture.scenarios.filter((s) => s.consul.error !== undefined);

  it('has recorded both compiled and refused chains', () => {
    expect(compiled.length).toBeGreaterThan(30);
    expect(refused.length).toBeGreaterThan(10);
  });

  it.each(compiled.map((s) => [s.name, s] as const))(
    '%s: the chain is field-for-field what Consul returned',
    (_n, s) => {
      const result = compile(s);
      expect('chain' in result ? sortKeys(result.chain) : result).toEqual(sortKeys(s.consul.chain));
    },
  );

  it.each(refused.map((s) => [s.name, s] as const))('%s: the chain is refused with Consul’s message', (_n, s) => {
    const result = compile(s);
    expect('error' in result ? result.error.message : 'compiled').toBe(s.consul.error);
  });
});
