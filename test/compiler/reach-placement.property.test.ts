/**
 * Reachability's placement shortcut against the straightforward computation, on random instance sets: the mesh index
 * keeps one list of instances per service (`MeshIndex.services`) and derives the per-datacenter groups from it on first
 * use, and `ReachCheck.placedAt` answers with one scan of a service's list. Checked here: the derived groups equal the
 * groups one walk over the instances builds (same services, same datacenters in the same order, same instances in
 * model order), and `placedAt` equals "the service has a group in the target's datacenter, and with a subset filter
 * not every instance of that group fails it" (what `targetProblems` reports as `not-deployed` / `subset-empty`), for
 * random targets with and without filters, in and out of the services' datacenters, asked in a random order (the
 * check keeps the last service's list between calls).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexMesh, ReachCheck } from '../../src/compiler/reach.ts';
import { ServiceMap } from '../../src/compiler/service-map.ts';
import { filterMatches } from '../../src/compiler/subset-filter.ts';
import type { ServiceInstanceDecl } from '../../src/model/types.ts';
import { instance, model } from './model.ts';

const SERVICES = ['a', 'b', 'c'];
const NAMESPACES = ['default', '', 'ns1'];
const PARTITIONS = ['default', '', 'ap1'];
const DCS = ['dc1', 'dc2', 'dc3'];
const FILTERS = [
  undefined,
  '',
  'Service.Meta.version == v1',
  'Service.Meta.version == v2',
  'Service.Meta.version != v1',
  'Service.Tags contains canary',
  'not a filter meshcc evaluates ~',
];

const instanceArb = fc.record({
  service: fc.constantFrom(...SERVICES),
  namespace: fc.constantFrom(...NAMESPACES),
  partition: fc.constantFrom(...PARTITIONS),
  dc: fc.constantFrom(...DCS),
  version: fc.option(fc.constantFrom('v1', 'v2'), { nil: undefined }),
  canary: fc.boolean(),
});

const targetArb = fc.record({
  service: fc.constantFrom(...SERVICES, 'ghost'),
  namespace: fc.constantFrom(...NAMESPACES),
  partition: fc.constantFrom(...PARTITIONS),
  dc: fc.option(fc.constantFrom(...DCS, 'dc9'), { nil: undefined }),
  filter: fc.constantFrom(...FILTERS),
});

/** The groups as one walk over the instances builds them (what `indexMesh` built before round 5). */
function walkGroups(instances: readonly ServiceInstanceDecl[]) {
  const groups = new ServiceMap<Map<string, ServiceInstanceDecl[]>>();
  for (const i of instances) {
    let byDc = groups.get(i.service, i.namespace, i.partition);
    if (!byDc) {
      byDc = new Map();
      groups.set(i.service, i.namespace, i.partition, byDc);
    }
    const here = byDc.get(i.datacenter);
    if (here) here.push(i);
    else byDc.set(i.datacenter, [i]);
  }
  return groups;
}

describe('reachability placement (one list per service, one scan per target)', () => {
  it('derives the groups a walk builds, and places every target as the groups say', () => {
    fc.assert(
      fc.property(
        fc.array(instanceArb, { maxLength: 14 }),
        fc.array(targetArb, { minLength: 1, maxLength: 12 }),
        (specs, targets) => {
          const instances = specs.map((s, n) =>
            instance(s.service, s.dc, [], {
              path: `test/${n}`,
              namespace: s.namespace,
              partition: s.partition,
              ...(s.version ? { meta: { version: s.version } } : {}),
              ...(s.canary ? { tags: ['canary'] } : {}),
            }),
          );
          // As drawn (a service's instances interleaved with others'), and each service's instances one run (the
          // index keeps no order of its own then).
          for (const list of [instances, byService(instances)]) placesAsTheGroupsSay(list, targets);
        },
      ),
      { numRuns: 400 },
    );
  });
});

/** The instances grouped by service (in order of each service's first instance), each service's in model order. */
function byService(instances: readonly ServiceInstanceDecl[]): ServiceInstanceDecl[] {
  return [...walkLists(instances).values()].flat();
}

/** Each service's instances in model order, services in order of their first instance (empty parts: `default`). */
function walkLists(instances: readonly ServiceInstanceDecl[]): Map<string, ServiceInstanceDecl[]> {
  const lists = new Map<string, ServiceInstanceDecl[]>();
  for (const i of instances) {
    const key = `${i.partition || 'default'}/${i.namespace || 'default'}/${i.service}`;
    const list = lists.get(key);
    if (list) list.push(i);
    else lists.set(key, [i]);
  }
  return lists;
}

function placesAsTheGroupsSay(
  instances: readonly ServiceInstanceDecl[],
  targets: readonly {
    service: string;
    namespace: string;
    partition: string;
    dc: string | undefined;
    filter: string | undefined;
  }[],
): void {
  const index = indexMesh(model([...instances]));
  const expected = walkGroups(instances);
  for (const i of instances) {
    const derived = index.groups.get(i.service, i.namespace, i.partition);
    const walked = expected.get(i.service, i.namespace, i.partition)!;
    expect([...derived!.keys()]).toEqual([...walked.keys()]);
    for (const [dc, list] of walked) expect(derived!.get(dc)).toEqual(list);
  }
  const check = new ReachCheck(index);
  for (const t of targets) {
    const here = expected.get(t.service, t.namespace, t.partition)?.get(t.dc as string);
    const straight = here !== undefined && !(t.filter && here.every((i) => filterMatches(t.filter!, i) === false));
    expect(check.placedAt(t.service, t.namespace, t.partition, t.dc, t.filter)).toBe(straight);
  }
  // The lists per service (read by reports) are each service's instances in model order.
  const lists = walkLists(instances);
  for (const i of instances) {
    const key = `${i.partition || 'default'}/${i.namespace || 'default'}/${i.service}`;
    expect(index.services.get(i.service, i.namespace, i.partition)).toEqual(lists.get(key));
  }
}
