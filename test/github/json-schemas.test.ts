/**
 * The plan and drift JSON documents (`meshcc plan --json`, `meshcc drift --json`) against their schemas
 * (schemas/plan.schema.json, schemas/drift.schema.json): version 1 as captured from real Consul (test/github/real/),
 * version 2 as the peered code paths make it, and what the schemas refuse (a version-1 document with clusters, a
 * version-2 one without peerings). The real version-2 output is checked in test/consul/peering-gitops.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { compileClusters } from '../../src/compiler/compile-clusters.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { classifyPrimary } from '../../src/reconcile/drift.ts';
import { peeredPlanDocument } from '../../src/reconcile/peered-plan.ts';
import { assessPeering } from '../../src/reconcile/peering.ts';
import { computePlan } from '../../src/reconcile/plan.ts';
import { repoRoot } from '../cli/run-cli.ts';

const schema = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'schemas', `${name}.schema.json`), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addSchema(schema('plan'));
const plan = ajv.getSchema('https://meshcc.dev/schemas/plan.schema.json')!;
const drift = ajv.compile(schema('drift'));
const real = (f: string) => JSON.parse(readFileSync(join(repoRoot, 'test/github/real', f), 'utf8'));

async function peered() {
  const loaded = await loadEnvironment('environments/peered', repoRoot);
  const pc = compileClusters(loaded.model);
  const peerings = (loaded.model.peerings ?? []).map((p) =>
    assessPeering(p, [{ ID: '1', Name: p.acceptor.peerName, State: 'ACTIVE' }], []),
  );
  const planDoc = peeredPlanDocument(
    {
      environment: 'peered',
      clusters: pc.clusters.map((c) => ({
        cluster: c.cluster.name,
        datacenter: c.cluster.primaryDatacenter,
        datacenters: c.cluster.datacenters,
        trustDomain: c.cluster.trustDomain,
        consul: 'http://x',
        plan: computePlan('peered', c.compilation.entries, []),
      })),
      peerings,
    },
    'flowchart LR',
  );
  const items = pc.clusters.flatMap((c) =>
    classifyPrimary('peered', c.compilation.entries, [], c.cluster.primaryDatacenter).map((i) => ({
      ...i,
      cluster: c.cluster.name,
    })),
  );
  const driftDoc = {
    schemaVersion: 2,
    environment: 'peered',
    drifted: true,
    clusters: pc.clusters.map((c) => ({ cluster: c.cluster.name, datacenter: c.cluster.primaryDatacenter })),
    items,
    peerings,
  };
  return { planDoc: JSON.parse(JSON.stringify(planDoc)), driftDoc: JSON.parse(JSON.stringify(driftDoc)) };
}

describe('plan and drift JSON schemas', () => {
  it('accept the version-1 documents real Consul produced', () => {
    for (const f of ['plan-create.json', 'plan-drifted.json'])
      expect(plan(real(f)), JSON.stringify(plan.errors)).toBe(true);
    for (const f of ['drift-clean.json', 'drift-drifted.json'])
      expect(drift(real(f)), JSON.stringify(drift.errors)).toBe(true);
  });

  it('accept the version-2 documents of a peered environment', async () => {
    const { planDoc, driftDoc } = await peered();
    expect(planDoc.schemaVersion).toBe(2);
    expect(plan(planDoc), JSON.stringify(plan.errors)).toBe(true);
    const blocked = { ...planDoc, peerings: planDoc.peerings.map((p: object) => ({ ...p, blocker: 'no gateway' })) };
    expect(plan(blocked), JSON.stringify(plan.errors)).toBe(true);
    expect(driftDoc.items.length).toBeGreaterThan(0);
    expect(drift(driftDoc), JSON.stringify(drift.errors)).toBe(true);
  });

  it('refuse a version-1 document with clusters and a version-2 document without peerings', async () => {
    const { planDoc, driftDoc } = await peered();
    const { schemaVersion: _p, ...v1WithClusters } = planDoc;
    expect(plan(v1WithClusters)).toBe(false);
    const { peerings: _q, ...v2NoPeerings } = planDoc;
    expect(plan(v2NoPeerings)).toBe(false);
    const { peerings: _r, ...driftNoPeerings } = driftDoc;
    expect(drift(driftNoPeerings)).toBe(false);
    expect(plan({ ...planDoc, actions: [{ type: 'rename', key: 'x/y', changes: [] }] })).toBe(false);
  });
});
