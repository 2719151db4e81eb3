/**
 * compile() against chains a real Consul v1.22.7 agent produced for the same model's sidecars (see
 * `sidecar-scenarios.ts`): the mode ladder, protocol and timeout overrides and the chain compile together.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import { sortKeys } from '../../src/emit/artifact.ts';
import { sidecarScenarios } from './sidecar-scenarios.ts';

interface Recorded {
  name: string;
  upstreams: { service: string; destination: string; sidecarRequest: unknown; chain: unknown }[];
}

const recorded = (
  JSON.parse(readFileSync(new URL('./fixtures/consul-v1.22.7-sidecars.json', import.meta.url), 'utf8')) as {
    scenarios: Recorded[];
  }
).scenarios;

describe('compile() agrees with the chains Consul v1.22.7 sidecars ask for', () => {
  const cases = sidecarScenarios.flatMap((sc) => {
    const rec = recorded.find((r) => r.name === sc.name);
    return (rec?.upstreams ?? []).map((u) => ({ name: `${sc.name}: ${u.service} → ${u.destination}`, sc, u }));
  });

  it('has a recording for every scenario', () => {
    expect(recorded.map((r) => r.name)).toEqual(sidecarScenarios.map((s) => s.name));
    expect(cases.length).toBeGreaterThanOrEqual(9);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_n, { sc, u }) => {
    const compiled = compile(sc.model).upstreams.find(
      (x) => x.service === u.service && x.destination === u.destination,
    );
    expect(sortKeys(compiled?.chain)).toEqual(sortKeys(u.chain));
  });
});
