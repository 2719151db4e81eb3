import { describe, expect, it } from 'vitest';
import { checkPlatform } from '../../src/compiler/passes/check-platform.ts';
import type { MeshModel } from '../../src/model/types.ts';
import { dc, gateway, instance, k8sPair, model, multiDc, upstream, vmPair } from './fixtures.ts';

function codes(m: MeshModel): string[] {
  return checkPlatform(m)
    .diagnostics.map((d) => d.code)
    .sort();
}

function edit(m: MeshModel, f: (m: MeshModel) => Partial<MeshModel>): MeshModel {
  return { ...m, ...f(m) };
}

const cases: { name: string; model: () => MeshModel; expected: string[] }[] = [
  {
    name: 'federation of a Kubernetes datacenter without TLS reports MC4001',
    model: () =>
      edit(k8sPair().model, (m) => ({ datacenters: m.datacenters.map((d) => ({ ...d, tls: d.name !== 'west' })) })),
    expected: ['MC4001'],
  },
  {
    name: 'federation of a VM datacenter without TLS reports MC4015 (servers dial through gateways only over TLS)',
    model: () =>
      edit(vmPair().model, (m) => ({ datacenters: m.datacenters.map((d) => ({ ...d, tls: d.name !== 'secondary' })) })),
    expected: ['MC4015'],
  },
  {
    name: 'a single VM datacenter without TLS is fine (no federation)',
    model: () =>
      edit(vmPair().model, (m) => ({
        datacenters: m.datacenters.filter((d) => d.name === 'primary').map((d) => ({ ...d, tls: false })),
        gateways: m.gateways.filter((g) => g.datacenter === 'primary'),
        instances: m.instances.filter((i) => i.datacenter === 'primary'),
      })),
    expected: [],
  },
  {
    name: 'a federated datacenter without a mesh gateway reports MC4002',
    model: () => edit(multiDc().model, (m) => ({ gateways: m.gateways.filter((g) => g.datacenter !== 'dc2') })),
    expected: ['MC4002'],
  },
  {
    name: 'a Kubernetes secondary without a federation secret reports MC4003',
    model: () =>
      edit(k8sPair().model, (m) => ({
        datacenters: m.datacenters.map((d) =>
          d.name === 'west'
            ? { ...d, kubernetes: { releaseName: 'consul', namespace: 'consul', federationSecretName: '' } }
            : d,
        ),
      })),
    expected: ['MC4003'],
  },
  {
    name: 'a Static WAN address without a value reports MC4004',
    model: () =>
      edit(multiDc().model, (m) => ({
        gateways: m.gateways.map((g) =>
          g.datacenter === 'dc2' ? { ...g, wan: undefined, wanAddressSource: 'Static' as const } : g,
        ),
      })),
    expected: ['MC4004'],
  },
  {
    name: 'a NodePort gateway without nodePort reports MC4005',
    model: () =>
      edit(k8sPair().model, (m) => ({
        gateways: m.gateways.map((g) => (g.datacenter === 'west' ? { ...g, nodePort: undefined } : g)),
      })),
    expected: ['MC4005'],
  },
  {
    name: 'a NodePort gateway whose WAN port is not its nodePort reports MC4012',
    model: () =>
      edit(k8sPair().model, (m) => ({
        gateways: m.gateways.map((g) =>
          g.datacenter === 'west' ? { ...g, wan: { address: '203.0.113.2', port: 443 } } : g,
        ),
      })),
    expected: ['MC4012'],
  },
  {
    name: 'a nodePort outside 30000-32767 warns MC4014 (and MC4012 as the WAN port follows the node port)',
    model: () =>
      edit(k8sPair().model, (m) => ({
        gateways: m.gateways.map((g) => (g.datacenter === 'west' ? { ...g, nodePort: 8443 } : g)),
      })),
    expected: ['MC4012', 'MC4014'],
  },
  {
    name: 'a Helm release name helm refuses reports MC4013',
    model: () =>
      edit(k8sPair().model, (m) => ({
        datacenters: m.datacenters.map((d) =>
          d.name === 'east' ? { ...d, kubernetes: { ...d.kubernetes!, releaseName: 'x'.repeat(54) } } : d,
        ),
      })),
    expected: ['MC4013'],
  },
  {
    name: 'two services on one host and port report MC4006',
    model: () =>
      edit(vmPair().model, (m) => ({
        instances: [...m.instances, instance('dup', 'primary', 8181, { address: '10.10.0.21' })],
      })),
    expected: ['MC4006'],
  },
  {
    name: 'two upstreams on one local port report MC4006',
    model: () =>
      edit(vmPair().model, (m) => ({
        instances: m.instances.map((i) =>
          i.service === 'web' ? { ...i, upstreams: [...i.upstreams, upstream('api', 8181)] } : i,
        ),
      })),
    expected: ['MC4006'],
  },
  {
    name: 'a bundled gateway whose admin port equals its wildcard WAN port reports MC4006',
    model: () =>
      edit(vmPair().model, (m) => ({
        gateways: m.gateways.map((g) => (g.datacenter === 'secondary' ? { ...g, adminPort: 443 } : g)),
      })),
    expected: ['MC4006'],
  },
  {
    name: 'a renamed gateway with chart-managed ACLs reports MC4007',
    model: () =>
      edit(k8sPair().model, (m) => ({
        gateways: m.gateways.map((g) => (g.datacenter === 'east' ? { ...g, name: 'gw' } : g)),
      })),
    expected: ['MC4007'],
  },
  {
    name: 'two gateways in one Kubernetes datacenter report MC4008',
    model: () =>
      edit(k8sPair().model, (m) => ({
        gateways: [...m.gateways, { ...gateway('east', '10.1.0.11', '203.0.113.9'), path: 'fixture/east/second' }],
      })),
    expected: ['MC4008'],
  },
  {
    name: 'an upstream mode on a Kubernetes pod warns MC4009',
    model: () =>
      edit(k8sPair().model, (m) => ({
        instances: m.instances.map((i) => ({
          ...i,
          upstreams: i.upstreams.map((u) => ({ ...u, meshGateway: 'local' as const })),
        })),
      })),
    expected: ['MC4009'],
  },
  {
    name: 'a primary whose gateways have no WAN address reports MC4010 for each secondary',
    model: () =>
      edit(vmPair().model, (m) => ({
        gateways: m.gateways.map((g) => (g.datacenter === 'primary' ? { ...g, wan: undefined } : g)),
      })),
    expected: ['MC4010'],
  },
  {
    name: 'a datacenter with zero servers reports MC4011',
    model: () =>
      model('zero', { datacenters: [dc('solo', 'solo', 'vm', { servers: 0 })], gateways: [], instances: [] }),
    expected: ['MC4011'],
  },
];

describe('checkPlatform', () => {
  it.each(cases)('$name', ({ model: m, expected }) => {
    expect(codes(m())).toEqual(expected);
  });

  it('points a finding at the construct that declared it', () => {
    const m = edit(k8sPair().model, (x) => ({
      gateways: x.gateways.map((g) => (g.datacenter === 'west' ? { ...g, nodePort: undefined } : g)),
    }));
    const [d] = checkPlatform(m).diagnostics;
    const gw = m.gateways.find((g) => g.datacenter === 'west')!;
    expect(d).toMatchObject({ code: 'MC4005', severity: 'error', path: gw.path, span: gw.span });
    expect(d!.message).toContain('nodePort');
  });

  it('accepts a single VM datacenter without gateways', () => {
    const m = model('solo', { datacenters: [dc('solo', 'solo', 'vm')], gateways: [], instances: [] });
    expect(checkPlatform(m).diagnostics).toEqual([]);
  });
});
