import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';

const env = 'environments/gateway-modes';
/** `meshcc chain` for api as the secondary datacenter asks for it, plus `extra` flags. */
const chainApi = (...extra: string[]) => runCli(['chain', env, '--service', 'api', '--dc', 'secondary', ...extra]);
/** `meshcc explain` of web's `upstream` in the primary datacenter. */
const explainWeb = (upstream: string) =>
  runCli(['explain', env, '--service', 'web', '--dc', 'primary', '--upstream', upstream]);

describe('meshcc chain and explain commands', () => {
  it('chain --json prints Consul’s response body for an environment', async () => {
    const r = await chainApi('--json');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { Chain: { StartNode: string; Targets: Record<string, { SNI: string }> } };
    expect(body.Chain.StartNode).toBe('resolver:api.default.default.secondary');
    expect(body.Chain.Targets['api.default.default.secondary']?.SNI).toBe(
      'api.default.secondary.internal.0b6a5d3e-9c1f-4e2a-b7d8-3f4e5a6b7c8d.consul',
    );
  });

  it('chain applies the request overrides a sidecar would send', async () => {
    const r = await chainApi('--override-mesh-gateway', 'remote', '--override-connect-timeout', '3s');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('datacenter secondary, mesh gateway remote, connect timeout 3s');
    expect(r.stdout).toMatch(/customized \([0-9a-f]{8}\)/);
  });

  it('chain rejects a mode Consul does not know as a usage error', async () => {
    const r = await chainApi('--override-mesh-gateway', 'bogus');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--override-mesh-gateway must be one of local, remote, none, got 'bogus'");
  });

  it('explain shows the ladder with the winning layer for an upstream of the environment', async () => {
    const r = await explainWeb('cache');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('mesh gateway mode: remote (decided by instance)');
    expect(r.stdout).toMatch(/5\. service-defaults +local +shadowed/);
    expect(r.stdout).toContain('SNI cache.default.secondary.internal.0b6a5d3e-9c1f-4e2a-b7d8-3f4e5a6b7c8d.consul');
  });

  it('explain exits 1 for an upstream the service does not have', async () => {
    const r = await explainWeb('nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("web in primary has no upstream 'nope'");
  });
});

describe('meshcc reach on a peered mesh', () => {
  it('lists the upstream that names a peer hop by hop, text and --format json', async () => {
    const json = await runCli(['reach', 'environments/peered', '--format', 'json']);
    expect(json.code).toBe(0);
    const reports = JSON.parse(json.stdout) as {
      service: string;
      destination: string;
      reachable: boolean;
      targets: { datacenter: string; mode: string; hops: { kind: string; datacenter: string }[] }[];
    }[];
    const ledger = reports.find((r) => r.service === 'payments' && r.destination === 'ledger')!;
    expect(ledger.reachable).toBe(true);
    expect(ledger.targets.map((t) => [t.datacenter, t.mode])).toEqual([['peer:west', 'local']]);
    expect(ledger.targets[0]!.hops.map((h) => `${h.kind}@${h.datacenter}`)).toEqual([
      'sidecar@dc1',
      'local-gateway@dc1',
      'remote-gateway@dc2',
      'instance@dc2',
    ]);
    const text = await runCli(['reach', 'environments/peered']);
    expect(text.stdout).toContain('payments [dc1] → ledger (datacenter peer:west): reachable');
  });
});
