/**
 * The pure parts of a peered plan: the saved form round-trips through its JSON; the staleness check names every entry
 * whose planned ModifyIndex moved (or that appeared or vanished) and every peering whose states moved; a saved file
 * that is not a peered plan or is malformed is refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { stableJson } from '../../src/emit/artifact.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import {
  movedEntries,
  movedPeerings,
  type PeeredPlan,
  parseSavedPeeredPlan,
  peeredHasChanges,
  SavedPlanError,
  savedClusterPlan,
  savedPeeringDecls,
  toSavedPeeredPlan,
} from '../../src/reconcile/peered-plan.ts';
import { assessPeering } from '../../src/reconcile/peering.ts';
import { computePlan } from '../../src/reconcile/plan.ts';

const decl = {
  path: 'm/p',
  acceptor: { cluster: 'west', peerName: 'east' },
  dialer: { cluster: 'east', peerName: 'west' },
};
const resolver = (name: string): ConfigEntry =>
  ({ Kind: 'service-resolver', Name: name, ConnectTimeout: '5s' }) as ConfigEntry;
const owned = (e: ConfigEntry, index: number) => ({
  ...e,
  Meta: { 'managed-by': 'meshcc', 'meshcc-environment': 'env' },
  ModifyIndex: index,
});

function plan(): PeeredPlan {
  const desired = [resolver('a'), resolver('b')];
  // a exists (owned, different: update at index 7); b is new; c is owned and no longer desired (delete at 9).
  const live = [owned({ ...resolver('a'), ConnectTimeout: '1s' } as ConfigEntry, 7), owned(resolver('c'), 9)];
  return {
    environment: 'env',
    clusters: [
      {
        cluster: 'east',
        datacenter: 'dc1',
        datacenters: ['dc1', 'dc3'],
        trustDomain: 'east.consul',
        consul: 'http://east:8500',
        plan: computePlan('env', desired, live, {}),
      },
    ],
    peerings: [assessPeering(decl, [], [])],
  };
}

describe('a saved peered plan', () => {
  it('round-trips through its JSON and keeps only the changes', () => {
    const saved = toSavedPeeredPlan(plan());
    const back = parseSavedPeeredPlan(JSON.parse(stableJson(saved)));
    expect(back).toEqual(JSON.parse(stableJson(saved)));
    expect(savedClusterPlan(back, 'east').actions.map((a) => `${a.type} ${a.key}`)).toEqual([
      'update service-resolver/a',
      'create service-resolver/b',
      'delete service-resolver/c',
    ]);
    expect(savedPeeringDecls(back)).toEqual([{ ...decl, path: 'west/east <- east/west' }]);
    expect(peeredHasChanges(plan())).toBe(true);
  });

  it('is stale when any planned entry moved, appeared or vanished, and not otherwise', () => {
    const actions = toSavedPeeredPlan(plan()).clusters[0]!.actions;
    const same = [owned({ ...resolver('a'), ConnectTimeout: '1s' } as ConfigEntry, 7), owned(resolver('c'), 9)];
    expect(movedEntries(actions, same)).toEqual([]);
    const moved = [owned(resolver('a'), 8), owned(resolver('b'), 3)];
    expect(movedEntries(actions, moved)).toEqual([
      'service-resolver/a (planned at index 7; now 8)',
      'service-resolver/b (planned as new; it now exists)',
      'service-resolver/c (planned at index 9; it is gone)',
    ]);
  });

  it('is stale when a peering state moved', () => {
    const saved = toSavedPeeredPlan(plan());
    expect(movedPeerings(saved, [assessPeering(decl, [], [])])).toEqual([]);
    const now = assessPeering(decl, [{ ID: '1', Name: 'east', State: 'PENDING' }], []);
    expect(movedPeerings(saved, [now])).toEqual([
      'peering west/east <- east/west (planned: acceptor missing, dialer missing; now: acceptor PENDING, dialer missing)',
    ]);
    expect(movedPeerings(saved, [])).toEqual(['peering west/east <- east/west is no longer declared']);
  });

  it('refuses what is not a peered plan, or a malformed one, naming the field', () => {
    expect(() => parseSavedPeeredPlan({ format: 'meshcc-plan/1' })).toThrow(SavedPlanError);
    const saved = JSON.parse(stableJson(toSavedPeeredPlan(plan())));
    type Saved = {
      clusters: { trustDomain?: string; actions: { desired?: unknown }[] }[];
      peerings: { dialer: unknown }[];
    };
    const broken = (f: (s: Saved) => void) => {
      const c = structuredClone(saved);
      f(c);
      return () => parseSavedPeeredPlan(c);
    };
    expect(broken((s) => delete s.clusters[0]!.trustDomain)).toThrow(
      'clusters[0]: expected cluster, consul, datacenter and trustDomain',
    );
    expect(broken((s) => delete s.clusters[0]!.actions[0]!.desired)).toThrow(
      "clusters[0].actions[0]: update needs 'desired' (the entry to write)",
    );
    expect(broken((s) => (s.peerings[0]!.dialer = {}))).toThrow(
      'peerings[0].dialer: expected {cluster, peerName, state?}',
    );
  });
});
