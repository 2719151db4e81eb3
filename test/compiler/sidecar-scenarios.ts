/**
 * Models whose sidecar chains were recorded from a real Consul v1.22.7 agent
 * (`fixtures/consul-v1.22.7-sidecars.json`): meshcc's effective entries written with `PUT /v1/config`, each instance
 * registered with its sidecar, then for every upstream the chain request its sidecar makes
 * (`agent/proxycfg/connect_proxy.go`: mode = upstream mode overlaid on the proxy mode, protocol and connect timeout
 * from the merged upstream config) sent to `POST /v1/discovery-chain/<dest>?compile-dc=<dc>`.
 */
import type { MeshModel } from '../../src/model/types.ts';
import { entry, instance, model, upstream } from './model.ts';

export const sidecarScenarios: readonly { readonly name: string; readonly model: MeshModel }[] = [
  {
    name: 'proxy-defaults local, instance remote, resolver failover',
    model: model(
      [
        instance(
          'web',
          'dc1',
          [upstream('currency', { datacenter: 'dc2' }), upstream('api', { localBindPort: 10001 })],
          {
            meshGateway: 'remote',
          },
        ),
      ],
      [
        entry({ Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'local' } }),
        entry({
          Kind: 'service-resolver',
          Name: 'currency',
          ConnectTimeout: '3s',
          Failover: { '*': { Datacenters: ['dc3', 'dc1'] } },
        }),
      ],
    ),
  },
  {
    name: 'caller UpstreamConfig override and defaults, destination protocols',
    model: model(
      [
        instance('web', 'dc1', [
          upstream('currency', { datacenter: 'dc2' }),
          upstream('api', { datacenter: 'dc3', meshGateway: 'none', localBindPort: 10001 }),
          upstream('billing', { localBindPort: 10002 }),
        ]),
      ],
      [
        entry({
          Kind: 'service-defaults',
          Name: 'web',
          UpstreamConfig: {
            Overrides: [{ Name: 'currency', MeshGateway: { Mode: 'remote' }, ConnectTimeoutMs: 2500 }],
            Defaults: { Protocol: 'http', MeshGateway: { Mode: 'local' } },
          },
        }),
        entry({ Kind: 'service-defaults', Name: 'currency', Protocol: 'http' }),
        entry({ Kind: 'service-defaults', Name: 'api', Protocol: 'http' }),
        entry({ Kind: 'service-defaults', Name: 'billing', Protocol: 'http', MeshGateway: { Mode: 'remote' } }),
      ],
    ),
  },
  {
    name: 'only the destination service-defaults sets a mode',
    model: model(
      [instance('web', 'dc1', [upstream('billing', { datacenter: 'dc2' })])],
      [entry({ Kind: 'service-defaults', Name: 'billing', MeshGateway: { Mode: 'remote' } })],
    ),
  },
  {
    name: 'caller service-defaults mode shadows proxy-defaults, same-datacenter upstream',
    model: model(
      [
        instance('web', 'dc1', [upstream('api'), upstream('cache', { datacenter: 'dc2', localBindPort: 10001 })]),
        instance('admin', 'dc1', [upstream('api', { localBindPort: 10005 })], { meshGateway: 'local' }),
      ],
      [
        entry({ Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'none' }, Config: { protocol: 'http' } }),
        entry({ Kind: 'service-defaults', Name: 'web', MeshGateway: { Mode: 'remote' } }),
        entry({
          Kind: 'service-resolver',
          Name: 'api',
          Subsets: { v1: { Filter: 'Service.Meta.version == v1' } },
          DefaultSubset: 'v1',
          Failover: { v1: { Datacenters: ['dc2'] } },
        }),
      ],
    ),
  },
];
