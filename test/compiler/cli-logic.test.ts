/**
 * The logic behind `meshcc chain` and `meshcc explain`, exercised on models directly (the CLI wrappers only load
 * the environment and print).
 */
import { describe, expect, it } from 'vitest';
import { chainFromEntries, chainFromModel, printChainResult } from '../../src/cli/commands/chain.ts';
import { explainUpstream } from '../../src/cli/commands/explain.ts';
import { renderChainText, renderExplainText } from '../../src/compiler/explain.ts';
import { entry, instance, model, TD, upstream } from './model.ts';

function capture() {
  const out = { stdout: '', stderr: '' };
  const io = {
    stdout: (s: string) => {
      out.stdout += s;
    },
    stderr: (s: string) => {
      out.stderr += s;
    },
    cwd: '/work',
    env: {},
  };
  return { out, io };
}

const failoverModel = model(
  [instance('web', 'dc1', [upstream('currency', { datacenter: 'dc1' })], { meshGateway: 'local' })],
  [
    entry({
      Kind: 'service-resolver',
      Name: 'currency',
      ConnectTimeout: '3s',
      Failover: { '*': { Datacenters: ['dc2', 'dc3'] } },
    }),
    entry({ Kind: 'service-defaults', Name: 'web', MeshGateway: { Mode: 'remote' } }),
  ],
);

describe('meshcc chain logic', () => {
  it('prints Consul’s JSON body {"Chain": ...} with --json', () => {
    const r = chainFromModel(failoverModel, { service: 'currency', datacenter: 'dc1' });
    const { out, io } = capture();
    expect(printChainResult(r.value, true, io)).toBe(0);
    const body = JSON.parse(out.stdout) as { Chain: { StartNode: string; Nodes: Record<string, unknown> } };
    expect(body.Chain.StartNode).toBe('resolver:currency.default.default.dc1');
    expect(body.Chain.Nodes['resolver:currency.default.default.dc1']).toEqual({
      Type: 'resolver',
      Name: 'currency.default.default.dc1',
      Resolver: {
        ConnectTimeout: '3s',
        Target: 'currency.default.default.dc1',
        Failover: { Targets: ['currency.default.default.dc2', 'currency.default.default.dc3'] },
      },
    });
  });

  it('prints a tree with the targets primary then failover, with datacenter, mode and SNI', () => {
    const r = chainFromModel(failoverModel, {
      service: 'currency',
      datacenter: 'dc1',
      overrides: { meshGateway: 'local' },
    });
    const { out, io } = capture();
    printChainResult(r.value, false, io);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toBe('chain currency (namespace default, partition default) compiled in dc1');
    expect(out.stdout).toContain('resolver currency.default.default.dc1 (connect timeout 3s)');
    const roles = lines.filter((l) => /^ {4}(primary|failover)/.test(l)).map((l) => l.trim());
    expect(roles).toEqual([
      'primary     currency.default.default.dc1',
      'failover 1  currency.default.default.dc2',
      'failover 2  currency.default.default.dc3',
    ]);
    expect(out.stdout).toContain('datacenter dc2, mesh gateway local, connect timeout 3s');
    expect(out.stdout).toContain(`SNI currency.default.dc3.internal.${TD}`);
  });

  it('exits 1 with Consul’s message when Consul would refuse the chain', () => {
    const r = chainFromEntries(
      [
        entry({
          Kind: 'service-resolver',
          Name: 'api',
          Failover: { '*': { ServiceSubset: 'nope', Datacenters: ['dc2'] } },
        }),
      ],
      TD,
      { service: 'api', datacenter: 'dc1' },
    );
    const { out, io } = capture();
    expect(printChainResult(r.value, false, io)).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(
      'meshcc chain: Consul would refuse this chain: Bad Failover["*"]: ServiceSubset "nope" is not a valid subset of ""\n',
    );
  });

  it('reports duplicate entries read from a folder as MC2001 and still compiles with the first', () => {
    const r = chainFromEntries(
      [
        entry({ Kind: 'service-resolver', Name: 'api', ConnectTimeout: '2s' }, 'file'),
        entry({ Kind: 'service-resolver', Name: 'api', ConnectTimeout: '9s' }, 'file'),
      ],
      TD,
      { service: 'api', datacenter: 'dc1' },
    );
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MC2001']);
    expect(
      'chain' in r.value && r.value.chain.Nodes['resolver:api.default.default.dc1']?.Resolver?.ConnectTimeout,
    ).toBe('2s');
  });
});

describe('meshcc explain logic', () => {
  it('shows every layer, marks the winner and the shadowed layers, then the targets', () => {
    const [u, ...rest] = explainUpstream(failoverModel, 'web', 'dc1', 'currency');
    expect(rest).toEqual([]);
    const text = renderExplainText(u!);
    expect(text).toContain('mesh gateway mode: local (decided by instance)');
    expect(text).toMatch(/3\. instance +local +WINS/);
    expect(text).toMatch(/5\. service-defaults +remote +shadowed/);
    expect(text).toMatch(/1\. upstream +- {2}/);
    expect(text).toContain('primary     currency.default.default.dc1');
    expect(text).toContain('mesh gateway local (same datacenter: dialed directly)');
    expect(text).toContain(`SNI currency.default.dc2.internal.${TD}`);
  });

  it('finds nothing for an upstream the service does not have', () => {
    expect(explainUpstream(failoverModel, 'web', 'dc1', 'billing')).toEqual([]);
  });

  it('renders the same chain text for the same chain', () => {
    const a = chainFromModel(failoverModel, { service: 'currency', datacenter: 'dc2' }).value;
    const b = chainFromModel(failoverModel, { service: 'currency', datacenter: 'dc2' }).value;
    expect('chain' in a && 'chain' in b && renderChainText(a.chain) === renderChainText(b.chain)).toBe(true);
  });
});
