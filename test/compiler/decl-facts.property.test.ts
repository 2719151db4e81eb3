/**
 * `readDecls`' intentions flag (`MAY_INTENTIONS`) against check-intentions itself, on random meshes: an instance is
 * flagged exactly when check-intentions, run on every instance, reports an upstream of it (MC3030, MC3031). The
 * flag decides which instances check-intentions reads at all, so a missing flag would lose a finding. The random
 * intentions cover exact and `*` sources and destinations, peer sources, a destination declared twice, allow and
 * deny, and both ACL default policies; the random upstream lists are shared between instances now and then.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAY_INTENTIONS, readDecls } from '../../src/compiler/decl-facts.ts';
import { checkIntentions } from '../../src/compiler/passes/check-intentions.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import type { MeshModel, ServiceInstanceDecl, UpstreamDecl } from '../../src/model/types.ts';
import { entry, instance, model, upstream } from './model.ts';

const NAMES = ['a', 'b', 'c', 'd', 'e'];
const name = fc.constantFrom(...NAMES);
const sourceName = fc.constantFrom(...NAMES, '*', 'ghost');

const source = fc.record(
  {
    Name: sourceName,
    Action: fc.constantFrom('allow', 'deny'),
    Peer: fc.option(fc.constant('p1'), { nil: undefined }),
  },
  { requiredKeys: ['Name', 'Action'] },
);

const intentions = fc.array(
  fc.record({ Name: fc.constantFrom(...NAMES, '*'), Sources: fc.array(source, { minLength: 0, maxLength: 16 }) }),
  { maxLength: 8 },
);

const instances = fc.array(
  fc.record({ service: name, dc: fc.constantFrom('dc1', 'dc2'), upstreams: fc.uniqueArray(name, { maxLength: 4 }) }),
  { minLength: 1, maxLength: 8 },
);

function mesh(
  is: { service: string; dc: string; upstreams: string[] }[],
  es: { Name: string; Sources: { Name: string; Action: string; Peer?: string }[] }[],
  deny: boolean,
): MeshModel {
  const list: ServiceInstanceDecl[] = [];
  for (const [n, i] of is.entries()) {
    const prev = list[list.length - 1];
    // Every third instance repeats the one before it with the same upstream list (a canary group).
    if (n % 3 === 2 && prev !== undefined) {
      list.push({ ...prev, path: `${prev.path}/canary-${n}` });
      continue;
    }
    const ups: UpstreamDecl[] = i.upstreams.map((d, k) => upstream(d, { localBindPort: 10000 + k }));
    list.push(instance(i.service, i.dc, ups, { path: `test/${i.dc}/${i.service}/${n}` }));
  }
  const entries = es.map((e) => entry({ Kind: 'service-intentions', ...e } as ConfigEntry));
  return { ...model(list, entries), aclsEnabled: deny, aclDefaultPolicy: deny ? 'deny' : 'allow' };
}

describe('readDecls: the intentions flag', () => {
  it('is set on exactly the instances check-intentions reports an upstream of', () => {
    fc.assert(
      fc.property(instances, intentions, fc.boolean(), (is, es, deny) => {
        const m = mesh(is, es, deny);
        const facts = readDecls(m);
        for (let n = 0; n < m.instances.length; n++) {
          // check-intentions on instance n alone.
          const flags = new Uint8Array(facts.flags.length);
          flags[n] = MAY_INTENTIONS;
          const found = checkIntentions(m, {
            ...facts,
            flags,
            any: MAY_INTENTIONS,
            intentionNamesUnknown: false,
          }).diagnostics.filter((d) => d.code === 'MC3030' || d.code === 'MC3031');
          expect((facts.flags[n]! & MAY_INTENTIONS) !== 0).toBe(found.length > 0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('names an unknown service exactly when an entry or a non-peer source names one nobody declares', () => {
    fc.assert(
      fc.property(instances, intentions, (is, es) => {
        const m = mesh(is, es, true);
        const declared = new Set(m.instances.map((i) => i.service));
        const unknown = es.some(
          (e) =>
            (e.Name !== '*' && !declared.has(e.Name)) ||
            e.Sources.some((s) => !s.Peer && s.Name !== '*' && !declared.has(s.Name)),
        );
        expect(readDecls(m).intentionNamesUnknown).toBe(unknown);
      }),
      { numRuns: 300 },
    );
  });
});
