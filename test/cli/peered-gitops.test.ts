/**
 * The CLI of a peered environment where no Consul is needed: `explain` follows peer legs (the SNI the exporter
 * assigns, the path into the peer, what stops it) and explains upstreams to a peer's service; saved plans of the
 * wrong kind or shape are refused with one clear line and nothing written; a missing per-cluster address names the
 * variable to set. (Plan, apply, drift and reconcile against real Consul: test/consul/peering-gitops.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { repoRoot, runCli } from './run-cli.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshcc-cli-peered-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function westTrustDomain(): Promise<string> {
  const m = (await loadEnvironment('environments/peered', repoRoot)).model;
  return m.clusters!.find((c) => c.name === 'west')!.trustDomain;
}

describe('meshcc explain in a peered mesh', () => {
  const args = ['--service', 'payments', '--dc', 'dc1'];

  it("shows a chain's peer failover with the exporter's SNI and its path into the peer", async () => {
    const r = await runCli(['explain', 'environments/peered', ...args, '--upstream', 'currency']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('SNI undefined');
    const td = await westTrustDomain();
    expect(r.stdout).toContain(`SNI currency.default.default.east.external.${td} (assigned by the exporting cluster`);
    expect(r.stdout).toContain(
      'path sidecar:payments-sidecar-proxy@dc1 → local-gateway:mesh-gateway@dc1(10.1.0.10:8443) → remote-gateway:mesh-gateway@dc2(198.51.100.20:443) → instance:currency@dc2(10.2.0.30:9094)  [reachable]',
    );
  });

  it('follows the peer leg with --request too', async () => {
    const r = await runCli([
      'explain',
      'environments/peered',
      ...args,
      '--upstream',
      'currency',
      '--request',
      'GET /x',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('request GET /x:');
    expect(r.stdout).toContain(`currency.default.default.east.external.${await westTrustDomain()} (assigned by`);
    expect(r.stdout).toContain('instance:currency@dc2(10.2.0.30:9094)  [reachable]');
  });

  it('explains an upstream to a peer service: its own mode ladder, the target, the path', async () => {
    const r = await runCli(['explain', 'environments/peered', ...args, '--upstream', 'ledger']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('upstream ledger of payments in dc1 from peer west (destination_peer)');
    expect(r.stdout).toContain('mesh gateway mode: local (decided by proxy-defaults)');
    expect(r.stdout).toMatch(/ {3}6\. proxy-defaults {16}local {3}WINS/);
    expect(r.stdout).toContain('primary  ledger.default.default.external.west');
    expect(r.stdout).toContain('instance:ledger@dc2(10.2.0.31:9095)  [reachable]');
    const json = await runCli(['explain', 'environments/peered', ...args, '--upstream', 'ledger', '--json']);
    const [doc] = JSON.parse(json.stdout) as {
      peer: string;
      mode: { mode: string; from: string };
      target: { sni: string };
    }[];
    expect(doc).toMatchObject({ peer: 'west', mode: { mode: 'local', from: 'proxy-defaults' } });
    expect(doc!.target.sni).toBe(`ledger.default.default.east.external.${await westTrustDomain()}`);
  });

  it('says why a peer leg does not get through', async () => {
    const r = await runCli(['explain', 'test/fixtures/peered-unexported', ...args, '--upstream', 'ledger']);
    expect(r.stdout).toContain("[UNREACHABLE: cluster 'west' does not export it to this cluster]");
  });
});

describe('saved plans and addresses of a peered environment', () => {
  it('refuses a one-cluster saved plan for a peered environment, touching nothing', async () => {
    writeFileSync(
      join(dir, 'v1.json'),
      JSON.stringify({ format: 'meshcc-plan/1', consul: 'http://127.0.0.1:1', environment: 'peered', actions: [] }),
    );
    const r = await runCli(['apply', 'environments/peered', '--plan', join(dir, 'v1.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `meshcc apply: error: ${join(dir, 'v1.json')} is not a plan of peered clusters (peered declares clusters): make it with meshcc plan environments/peered --out FILE; nothing written\n`,
    );
  });

  it('refuses a malformed or unreadable saved plan naming the problem', async () => {
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        format: 'meshcc-plan/2',
        environment: 'peered',
        clusters: [
          {
            cluster: 'east',
            consul: 'x',
            datacenter: 'dc1',
            datacenters: ['dc1'],
            trustDomain: 't',
            actions: [{ type: 'create', key: 'k' }],
          },
        ],
        peerings: [],
      }),
    );
    const bad = await runCli(['apply', '--plan', join(dir, 'bad.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'meshcc apply: error: clusters[0].actions[0]: expected type, key, kind and name; nothing written\n',
    );
    const missing = await runCli(['apply', 'environments/peered', '--plan', join(dir, 'nope.json')]);
    expect(missing.stderr).toBe(
      `meshcc apply: error: cannot read ${join(dir, 'nope.json')}: ENOENT; nothing written\n`,
    );
  });

  it('refuses a saved plan of another environment', async () => {
    writeFileSync(
      join(dir, 'other.json'),
      JSON.stringify({
        format: 'meshcc-plan/2',
        environment: 'elsewhere',
        clusters: [
          { cluster: 'east', consul: 'x', datacenter: 'dc1', datacenters: ['dc1'], trustDomain: 't', actions: [] },
        ],
        peerings: [],
      }),
    );
    const r = await runCli(['apply', 'environments/peered', '--plan', join(dir, 'other.json')]);
    expect(r.stderr).toBe('meshcc apply: error: the plan is of environment elsewhere, not peered; nothing written\n');
  });

  it('names the per-cluster variable (and the workflow secret) when an address is missing', async () => {
    const r = await runCli(['plan', 'environments/peered', '--json'], {
      MESHCC_CLUSTER_SECRETS: JSON.stringify({ CONSUL_HTTP_ADDR_EAST: 'http://127.0.0.1:1' }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "no Consul address for cluster 'west': pass --consul-cluster west=ADDR or set CONSUL_HTTP_ADDR_WEST (in a workflow: the key CONSUL_HTTP_ADDR_WEST of the secret MESHCC_CLUSTER_SECRETS)",
    );
    const gw = await runCli([
      'reconcile',
      'environments/peered',
      '--run-gateway',
      '--dc',
      'dc2',
      '--consul-cluster',
      'east=http://127.0.0.1:1',
    ]);
    // --run-gateway needs only the address of the cluster that holds --dc (west for dc2): east's is not asked for.
    expect(gw.code).toBe(1);
    expect(gw.stderr).toContain(
      "no Consul address for cluster 'west': pass --consul-cluster west=ADDR or set CONSUL_HTTP_ADDR_WEST (in a workflow: the key CONSUL_HTTP_ADDR_WEST of the secret MESHCC_CLUSTER_SECRETS)",
    );
    expect(gw.stderr).not.toContain("cluster 'east'");
  });

  it('refuses MESHCC_CLUSTER_SECRETS that is not a JSON object, naming it and never showing its value', async () => {
    const r = await runCli(['plan', 'environments/peered'], {
      MESHCC_CLUSTER_SECRETS: 'CONSUL_HTTP_TOKEN_WEST=s3cr3t',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MESHCC_CLUSTER_SECRETS is not a JSON object: expected {"CONSUL_HTTP_ADDR_<CLUSTER>"');
    expect(r.stderr + r.stdout).not.toContain('s3cr3t');
  });

  it('--run-gateway in a peered environment: the datacenter picks the cluster; --cluster must hold it', async () => {
    const base = ['reconcile', 'environments/peered', '--run-gateway', '--consul-cluster', 'west=http://127.0.0.1:1'];
    const none = await runCli([...base, '--dc', 'dc9']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--dc: datacenter dc9 is in no cluster of peered (clusters: east (dc1), west (dc2))');
    const wrong = await runCli([...base, '--dc', 'dc2', '--cluster', 'east']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('--cluster east: datacenter dc2 is not in cluster east');
    const unknown = await runCli([...base, '--dc', 'dc2', '--cluster', 'north']);
    expect(unknown.stderr).toContain("--cluster: no cluster 'north' in peered");
    const stray = await runCli(['reconcile', 'environments/peered', '--cluster', 'west']);
    expect(stray.stderr).toContain('--cluster only go with --run-gateway');
    const single = await runCli([
      'reconcile',
      'environments/multi-dc',
      '--run-gateway',
      '--dc',
      'dc2',
      '--cluster',
      'a',
    ]);
    expect(single.code).toBe(1);
    expect(single.stderr).toContain('--cluster goes with an environment of peered clusters; multi-dc declares none');
  });

  it('--run-gateway: a datacenter name in two clusters is MC3001, so --dc never has to choose between clusters', async () => {
    const r = await runCli(['reconcile', 'test/fixtures/peered-duplicate-dc', '--run-gateway', '--dc', 'dc1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('MC3001');
    expect(r.stderr).toContain('gateway not touched');
  });
});
