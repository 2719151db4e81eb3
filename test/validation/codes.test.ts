/**
 * One trigger fixture and one near-miss fixture per MC3xxx code: the trigger reports the code at the right construct
 * and source line with a message naming the thing and the value; the near miss reports nothing for that code.
 */
import { describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.ts';
import type { MeshModel } from '../../src/model/types.ts';
import { dc, entry, gw, inst, localMode, model, up, validate, withCode } from './model.ts';

interface Case {
  readonly code: string;
  /** Builds the triggering model and says where the diagnostic must point. */
  readonly trigger: () => { m: MeshModel; at: { path: string; line?: number }; message: RegExp };
  readonly clean: () => MeshModel;
}

function remoteMode() {
  return entry({ Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'remote' } });
}

const cases: Case[] = [
  {
    code: 'MC3001',
    trigger: () => {
      const second = dc('dc2', { path: 'fixture/dc2-again' });
      return {
        m: model({ datacenters: [dc('dc1'), dc('dc2'), second] }),
        at: { path: second.path, line: second.span?.line },
        message: /datacenter name 'dc2' is declared twice/,
      };
    },
    clean: () => model(),
  },
  {
    code: 'MC3002',
    trigger: () => {
      const dcs = [dc('dc1'), dc('dc2', { primary: true })];
      return {
        m: model({ datacenters: dcs }),
        at: { path: 'fixture/dc2', line: dcs[1]?.span?.line },
        message: /2 datacenters are marked primary \(dc1, dc2\)/,
      };
    },
    clean: () => model(),
  },
  {
    code: 'MC3003',
    trigger: () => ({
      m: model({ datacenters: [dc('dc1'), dc('dc2', { connectEnabled: false })] }),
      at: { path: 'fixture/dc2' },
      message: /datacenter 'dc2' has Connect disabled/,
    }),
    clean: () => model(),
  },
  {
    code: 'MC3004',
    trigger: () => ({
      m: model({ datacenters: [dc('dc1'), dc('dc2', { primaryDatacenter: 'dc2' })] }),
      at: { path: 'fixture/dc2' },
      message: /'dc2' is configured with primary_datacenter 'dc2', but the mesh's primary is 'dc1'/,
    }),
    clean: () => model(),
  },
  {
    code: 'MC3005',
    trigger: () => {
      const dcs = [dc('dc1', { platform: 'kubernetes' }), dc('dc2')];
      return {
        m: model({ datacenters: dcs, gateways: [gw('dc1'), gw('dc2', { wan: undefined })] }),
        at: { path: 'fixture/dc2', line: dcs[1]?.span?.line },
        message: /datacenter 'dc2' has no mesh gateway with a WAN address.*'dc1' runs on Kubernetes/,
      };
    },
    // Two VM datacenters on a flat network without any gateway do not federate through gateways.
    clean: () => model({ datacenters: [dc('dc1', { network: 'flat' }), dc('dc2', { network: 'flat' })], gateways: [] }),
  },
  {
    code: 'MC3010',
    trigger: () => {
      const u = up('api', 9191, { datacenter: 'dc2' });
      return {
        m: model({
          gateways: [gw('dc2')],
          instances: [inst('web', 'dc1', [u]), inst('api', 'dc2')],
          entries: [localMode],
        }),
        at: { path: u.path, line: u.span?.line },
        message:
          /upstream web → api reaches api in 'dc2' in mesh-gateway mode 'local', but datacenter 'dc1' deploys no mesh gateway/,
      };
    },
    // Same failure shape in mode remote needs no local gateway.
    clean: () =>
      model({
        gateways: [gw('dc2')],
        instances: [inst('web', 'dc1', [up('api', 9191, { datacenter: 'dc2' })]), inst('api', 'dc2')],
        entries: [remoteMode()],
      }),
  },
  {
    code: 'MC3011',
    trigger: () => {
      const u = up('api', 9191, { datacenter: 'dc2', meshGateway: 'remote' });
      return {
        m: model({
          gateways: [gw('dc1'), gw('dc2', { wan: undefined })],
          instances: [inst('web', 'dc1', [u]), inst('api', 'dc2')],
        }),
        at: { path: u.path, line: u.span?.line },
        message: /in mesh-gateway mode 'remote', but 'dc2' has mesh gateways but none with a WAN address/,
      };
    },
    // A same-datacenter upstream never uses gateways, whatever the mode: no false alarm.
    clean: () =>
      model({
        gateways: [],
        datacenters: [dc('dc1')],
        instances: [inst('web', 'dc1', [up('api', 9191, { meshGateway: 'remote' })]), inst('api', 'dc1')],
      }),
  },
  {
    code: 'MC3012',
    trigger: () => {
      const u = up('api', 9191, { datacenter: 'dc2' });
      return {
        m: model({ instances: [inst('web', 'dc1', [u]), inst('api', 'dc2')] }),
        at: { path: u.path, line: u.span?.line },
        message: /mode 'none' \(direct\), but 'dc1' is on network 'dc1' and 'dc2' on network 'dc2'/,
      };
    },
    clean: () =>
      model({
        datacenters: [dc('dc1', { network: 'flat' }), dc('dc2', { network: 'flat' })],
        instances: [inst('web', 'dc1', [up('api', 9191, { datacenter: 'dc2' })]), inst('api', 'dc2')],
      }),
  },
  {
    code: 'MC3013',
    trigger: () => {
      const u = up('api', 9191, { datacenter: 'dc2' });
      return {
        m: model({ instances: [inst('web', 'dc1', [u]), inst('api', 'dc1')], entries: [localMode] }),
        at: { path: u.path, line: u.span?.line },
        message: /targets api in 'dc2', but api is deployed only in 'dc1' and no failover covers it/,
      };
    },
    // Not deployed in dc1, but the resolver fails over to dc2 where it runs.
    clean: () =>
      model({
        instances: [inst('web', 'dc1', [up('api', 9191)]), inst('api', 'dc2')],
        entries: [
          localMode,
          entry({ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc2'] } } }),
        ],
      }),
  },
  {
    code: 'MC3014',
    trigger: () => {
      const u = up('api', 9191);
      return {
        m: model({
          datacenters: [dc('dc1'), dc('dc2'), dc('dc3')],
          instances: [inst('web', 'dc1', [u]), inst('api', 'dc1'), inst('api', 'dc2')],
          entries: [
            localMode,
            entry({ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc2', 'dc3'] } } }),
          ],
        }),
        at: { path: u.path, line: u.span?.line },
        message: /failover of upstream web → api goes to api in 'dc3', but api is not deployed there/,
      };
    },
    clean: () =>
      model({
        instances: [inst('web', 'dc1', [up('api', 9191)]), inst('api', 'dc1'), inst('api', 'dc2')],
        entries: [
          localMode,
          entry({ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc2'] } } }),
        ],
      }),
  },
  {
    code: 'MC3015',
    trigger: () => {
      const resolver = entry(
        { Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc1'] } } },
        {
          origin: 'file',
          fieldSpans: { '/Failover/*/Datacenters/0': { file: 'entries/api.hcl', line: 4, column: 19 } },
        },
      );
      return {
        m: model({ instances: [inst('web', 'dc1', [up('api', 9191)]), inst('api', 'dc1')], entries: [resolver] }),
        at: { path: resolver.path, line: 4 },
        message: /service-resolver 'api' fails over to api in 'dc1', which is the primary target itself/,
      };
    },
    clean: () =>
      model({
        instances: [inst('web', 'dc1', [up('api', 9191)]), inst('api', 'dc1'), inst('api', 'dc2')],
        entries: [
          localMode,
          entry({ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc2'] } } }),
        ],
      }),
  },
  {
    code: 'MC3020',
    trigger: () => {
      const second = up('db', 9191);
      return {
        m: model({ instances: [inst('web', 'dc1', [up('api', 9191), second]), inst('api', 'dc1'), inst('db', 'dc1')] }),
        at: { path: second.path, line: second.span?.line },
        message: /instance web@dc1 binds upstreams api and db to the same address 127\.0\.0\.1:9191/,
      };
    },
    // Same port on different loopback addresses is fine.
    clean: () =>
      model({
        instances: [
          inst('web', 'dc1', [up('api', 9191), up('db', 9191, { localBindAddress: '127.0.0.2' })]),
          inst('api', 'dc1'),
          inst('db', 'dc1'),
        ],
      }),
  },
  {
    code: 'MC3021',
    trigger: () => {
      const u = up('web', 9191);
      return {
        m: model({ instances: [inst('web', 'dc1', [u])] }),
        at: { path: u.path, line: u.span?.line },
        message: /instance web@dc1 declares an upstream to its own service web/,
      };
    },
    // The same service in another datacenter is a different target (a cross-DC peer), not itself.
    clean: () =>
      model({
        instances: [inst('web', 'dc1', [up('web', 9191, { datacenter: 'dc2' })]), inst('web', 'dc2')],
        entries: [localMode],
      }),
  },
  {
    code: 'MC3022',
    trigger: () => {
      const second = up('api', 9192);
      return {
        m: model({ instances: [inst('web', 'dc1', [up('api', 9191), second]), inst('api', 'dc1')] }),
        at: { path: second.path, line: second.span?.line },
        message: /instance web@dc1 declares the upstream api \(datacenter 'dc1'\) twice/,
      };
    },
    clean: () =>
      model({
        instances: [
          inst('web', 'dc1', [up('api', 9191), up('api', 9192, { datacenter: 'dc2' })]),
          inst('api', 'dc1'),
          inst('api', 'dc2'),
        ],
        entries: [localMode],
      }),
  },
  {
    code: 'MC3023',
    trigger: () => {
      const u = up('api', 9191, { datacenter: 'dc9' });
      return {
        m: model({ instances: [inst('web', 'dc1', [u]), inst('api', 'dc1')] }),
        at: { path: u.path, line: u.span?.line },
        message: /upstream web@dc1 → api targets datacenter 'dc9', which is not declared \(declared: dc1, dc2\)/,
      };
    },
    clean: () =>
      model({ instances: [inst('web', 'dc1', [up('api', 9191, { datacenter: 'dc1' })]), inst('api', 'dc1')] }),
  },
  {
    code: 'MC3030',
    trigger: () => {
      const u = up('api', 9191);
      return {
        m: model({ aclDefaultPolicy: 'deny', instances: [inst('web', 'dc1', [u]), inst('api', 'dc1')] }),
        at: { path: u.path, line: u.span?.line },
        message: /web calls api, but ACLs default to deny and no service-intentions entry allows web → api/,
      };
    },
    // A wildcard-source allow on the destination is enough.
    clean: () =>
      model({
        aclDefaultPolicy: 'deny',
        instances: [inst('web', 'dc1', [up('api', 9191)]), inst('api', 'dc1')],
        entries: [entry({ Kind: 'service-intentions', Name: 'api', Sources: [{ Name: '*', Action: 'allow' }] })],
      }),
  },
  {
    code: 'MC3031',
    trigger: () => {
      const u = up('api', 9191);
      return {
        m: model({
          instances: [inst('web', 'dc1', [u]), inst('api', 'dc1')],
          // Exact source beats the wildcard: the deny for web decides although '*' allows.
          entries: [
            entry({
              Kind: 'service-intentions',
              Name: 'api',
              Sources: [
                { Name: '*', Action: 'allow' },
                { Name: 'web', Action: 'deny' },
              ],
            }),
          ],
        }),
        at: { path: u.path, line: u.span?.line },
        message: /web calls api, but the intention 'web → api' .* denies it/,
      };
    },
    // Exact destination beats the wildcard destination: allow web→api wins over deny web→*.
    clean: () =>
      model({
        instances: [inst('web', 'dc1', [up('api', 9191)]), inst('api', 'dc1')],
        entries: [
          entry({ Kind: 'service-intentions', Name: '*', Sources: [{ Name: 'web', Action: 'deny' }] }),
          entry({ Kind: 'service-intentions', Name: 'api', Sources: [{ Name: 'web', Action: 'allow' }] }),
        ],
      }),
  },
  {
    code: 'MC3032',
    trigger: () => {
      const e = entry({ Kind: 'service-intentions', Name: 'api', Sources: [{ Name: 'wbe', Action: 'allow' }] });
      return {
        m: model({ instances: [inst('web', 'dc1', [up('api', 9191)]), inst('api', 'dc1')], entries: [e] }),
        at: { path: e.path, line: e.span?.line },
        message: /service-intentions 'api' names source 'wbe', which is not a declared service/,
      };
    },
    clean: () =>
      model({
        instances: [inst('web', 'dc1', [up('api', 9191)]), inst('api', 'dc1')],
        entries: [entry({ Kind: 'service-intentions', Name: 'api', Sources: [{ Name: 'web', Action: 'allow' }] })],
      }),
  },
  {
    code: 'MC3040',
    trigger: () => ({
      m: model({ gateways: [gw('dc1')], instances: [inst('web', 'dc1'), inst('api', 'dc2')], entries: [localMode] }),
      at: { path: localMode.path, line: localMode.span?.line },
      message: /proxy-defaults 'global' sets mesh-gateway mode 'local', but datacenter 'dc2' runs affected services/,
    }),
    clean: () => model({ instances: [inst('web', 'dc1'), inst('api', 'dc2')], entries: [localMode] }),
  },
  {
    code: 'MC3041',
    trigger: () => {
      const u = up('api', 9191, { config: { protocol: 'http' } });
      return {
        m: model({ instances: [inst('web', 'dc1', [u]), inst('api', 'dc1')] }),
        at: { path: u.path, line: u.span?.line },
        message: /upstream web → api is configured with protocol 'http', but api speaks 'tcp'/,
      };
    },
    clean: () =>
      model({
        instances: [inst('web', 'dc1', [up('api', 9191, { config: { protocol: 'http' } })]), inst('api', 'dc1')],
        entries: [entry({ Kind: 'service-defaults', Name: 'api', Protocol: 'http' })],
      }),
  },
];

function only(ds: readonly Diagnostic[], code: string): Diagnostic {
  const found = withCode(ds, code);
  expect(
    found.map((d) => d.code),
    JSON.stringify(ds, null, 1),
  ).toEqual([code]);
  return found[0] as Diagnostic;
}

describe('validation codes', () => {
  test.each(cases.map((c) => [c.code, c] as const))(
    '%s is reported at the declaration with a message naming it',
    (_, c) => {
      const { m, at, message } = c.trigger();
      const d = only(validate(m), c.code);
      expect(d.path).toBe(at.path);
      if (at.line !== undefined) expect(d.span?.line).toBe(at.line);
      expect(d.message).toMatch(message);
      expect(d.hint).toBeTruthy();
    },
  );

  test.each(cases.map((c) => [c.code, c] as const))('%s is not reported for the near-miss fixture', (_, c) => {
    expect(withCode(validate(c.clean()), c.code)).toEqual([]);
  });

  test('a failover target in a datacenter without a WAN gateway is reported as a failover target (MC3011)', () => {
    const u = up('api', 9191);
    const m = model({
      datacenters: [dc('dc1'), dc('dc2'), dc('dc3')],
      gateways: [gw('dc1'), gw('dc2'), gw('dc3', { wan: undefined })],
      instances: [inst('web', 'dc1', [u]), inst('api', 'dc1'), inst('api', 'dc3')],
      entries: [
        localMode,
        entry({ Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc3'] } } }),
      ],
    });
    const d = only(validate(m), 'MC3011');
    expect(d.path).toBe(u.path);
    expect(d.message).toMatch(/reaches api \(failover target\) in 'dc3' in mesh-gateway mode 'local'/);
    expect(d.related?.[0]?.path).toBe('fixture/dc3');
  });

  test('MC3015 also catches a Failover Targets entry naming the primary datacenter', () => {
    const resolver = entry({
      Kind: 'service-resolver',
      Name: 'api',
      Failover: { '*': { Targets: [{ Datacenter: 'dc1' }] } },
    });
    const m = model({ instances: [inst('web', 'dc1', [up('api', 9191)]), inst('api', 'dc1')], entries: [resolver] });
    const d = only(validate(m), 'MC3015');
    expect(d.path).toBe(resolver.path);
    expect(d.span?.line).toBe(resolver.span?.line);
  });

  test('MC3002 with no primary at all points at the first datacenter', () => {
    const dcs = [dc('dc1', { primary: false }), dc('dc2')];
    const d = only(validate(model({ datacenters: dcs })), 'MC3002');
    expect(d.path).toBe('fixture/dc1');
    expect(d.message).toMatch(/^no datacenter is marked primary/);
  });

  test('the clean fixtures report no validation findings at all except those they are about', () => {
    const m = model({
      instances: [inst('web', 'dc1', [up('api', 9191, { datacenter: 'dc2' })]), inst('api', 'dc2')],
      entries: [localMode],
    });
    expect(validate(m)).toEqual([]);
  });
});
