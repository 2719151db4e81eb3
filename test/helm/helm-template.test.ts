/**
 * Renders the real consul-k8s chart with meshcc's values for every Kubernetes datacenter of the fixtures and the
 * example environments (`helm template`, offline), and checks that rendering succeeds, the mesh-gateway Deployment
 * is there with our replicas, and the federation settings we asked for reached the manifests. Also checks every key
 * we write exists in the chart's values.yaml (the chart has no schema and ignores unknown keys).
 *
 * Needs scripts/setup-helm.sh (helm and the chart); skipped loudly without them, failed with MESHCC_REQUIRE_PEERS=1.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { Compilation } from '../../src/compiler/types.ts';
import { helmValues, valueKeyPaths } from '../../src/emit/helm-values.ts';
import { isFederated } from '../../src/model/topology.ts';
import type { DatacenterDecl } from '../../src/model/types.ts';
import { allEnvironmentCompilations } from '../emit/environments.ts';
import { fixtures } from '../emit/fixtures.ts';
import { consulChart, helmBinary, missingPeer, requireChart } from '../support/peers.ts';

const helm = helmBinary();
const chart = consulChart();
const skip =
  (!helm && missingPeer('helm', 'run scripts/setup-helm.sh or set MESHCC_HELM')) ||
  (!chart &&
    missingPeer(
      'consul-k8s chart',
      'the Go module proxy serves no github.com/hashicorp/consul-k8s module here; set MESHCC_CONSUL_CHART_DIR to a chart checkout',
      requireChart,
    ));
/** The chart's kubeVersion constraint must accept the version helm templates for. */
const KUBE_VERSION = '1.33.0';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

function render(c: Compilation, dc: DatacenterDecl): Manifest[] {
  const dir = mkdtempSync(join(tmpdir(), 'meshcc-helm-'));
  dirs.push(dir);
  const file = join(dir, 'values.yaml');
  writeFileSync(file, yaml.dump(helmValues(c.model, dc)));
  const release = dc.kubernetes?.releaseName ?? 'consul';
  const out = execFileSync(
    helm!,
    [
      'template',
      release,
      chart!,
      '--namespace',
      dc.kubernetes?.namespace ?? 'consul',
      '--kube-version',
      KUBE_VERSION,
      '-f',
      file,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return yaml.loadAll(out).filter((d): d is Manifest => !!d && typeof d === 'object');
}

function hasPath(values: unknown, path: string): boolean {
  let cur = values;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(seg in cur)) return false;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return true;
}

async function kubernetesCases() {
  const comps: [string, Compilation][] = [
    ...Object.entries(fixtures).map(([n, f]) => [n, f()] as [string, Compilation]),
    ...(await allEnvironmentCompilations()),
  ];
  return comps.flatMap(([name, c]) =>
    c.model.datacenters.filter((d) => d.platform === 'kubernetes').map((dc) => ({ name, dc: dc.name, c })),
  );
}

describe.skipIf(skip)('the real consul-k8s chart', async () => {
  const cases = await kubernetesCases();

  it('knows every key meshcc writes', () => {
    const chartValues = yaml.load(readFileSync(join(chart!, 'values.yaml'), 'utf8'));
    for (const { c, dc } of cases) {
      const values = helmValues(c.model, c.model.datacenters.find((d) => d.name === dc)!);
      const unknown = valueKeyPaths(values).filter((p) => !hasPath(chartValues, p));
      expect(unknown, `${dc}: keys the chart does not define`).toEqual([]);
    }
  });

  it.each(cases)('$name: $dc renders with the mesh gateway and the federation settings', ({ c, dc: name }) => {
    const dc = c.model.datacenters.find((d) => d.name === name)!;
    const release = dc.kubernetes?.releaseName ?? 'consul';
    const manifests = render(c, dc);
    const gw = c.model.gateways.find((g) => g.datacenter === dc.name);
    if (gw) {
      const dep = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === `${release}-mesh-gateway`);
      expect(dep, 'mesh-gateway Deployment').toBeDefined();
      expect(dep!.spec!.replicas).toBe(gw.instances);
    }
    if (!isFederated(c.model)) return;
    const text = JSON.stringify(manifests);
    if (dc.primary) {
      expect(manifests.some((m) => m.kind === 'Job' && m.metadata.name === `${release}-create-federation-secret`)).toBe(
        true,
      );
    } else {
      const primary = c.model.datacenters.find((d) => d.name === dc.primaryDatacenter)!;
      const secret = dc.kubernetes!.federationSecretName!;
      if (primary.platform === 'kubernetes') {
        const sts = manifests.find((m) => m.kind === 'StatefulSet' && m.metadata.name === `${release}-server`);
        expect(JSON.stringify(sts), 'server mounts the federation secret').toContain(`"secretName":"${secret}"`);
      } else {
        expect(text, 'server config lists the primary gateways').toContain('primary_gateways');
      }
      expect(text).toContain(dc.primaryDatacenter);
    }
  });
});
