/**
 * Two datacenters joined by mesh gateways, as in the "Bring it all together" and "Test a failover" walkthroughs:
 * dc1 on Kubernetes (primary), dc2 on VMs. web → payments → currency; currency runs in both datacenters and its
 * service-resolver (entries/currency-resolver.hcl, written for `consul config write`) fails over to dc2.
 */
import { Datacenter, Intention, Mesh, MeshGateway, ProxyDefaults, Service } from 'meshcc';

const mesh = new Mesh('multi-dc', {
  clusterId: '11111111-2222-3333-4444-555555555555',
  aclDefaultPolicy: 'deny',
});

const dc1 = new Datacenter(mesh, 'dc1', { primary: true, platform: 'kubernetes' });
const dc2 = new Datacenter(mesh, 'dc2', { platform: 'vm' });

new MeshGateway(dc1, 'mesh-gateway', {
  lan: { address: '10.1.0.10', port: 8443 },
  wan: { address: 'mgw.dc1.example.net', port: 443 },
  wanAddressSource: 'Static',
  instances: 2,
});
// dc2's gateway is meshcc's bundled SNI gateway (synth writes its runtime config to dc2/gateway/mesh-gateway.json).
new MeshGateway(dc2, 'mesh-gateway', {
  lan: { address: '10.2.0.10', port: 8443 },
  wan: { address: '198.51.100.20', port: 443 },
  instances: 2,
  implementation: 'meshcc',
});

// Send all cross-datacenter traffic through the local gateway (the guide's proxy-defaults.json).
new ProxyDefaults(mesh, { meshGateway: 'local' });

const web = new Service(mesh, 'web');
const payments = new Service(mesh, 'payments');
const currency = new Service(mesh, 'currency');

web.deploy(dc1, { port: 9090 }).addUpstream(payments, { localBindPort: 9091 });
// No datacenter on the upstream: the resolver decides (dc1 first, dc2 on failover).
payments.deploy(dc1, { port: 9091 }).addUpstream(currency, { localBindPort: 9094 });
currency.deploy(dc1, { port: 9094 });
currency.deploy(dc2, { port: 9094, address: '10.2.0.30' });

new Intention(mesh, 'web-to-payments', { source: web, destination: payments, action: 'allow' });
new Intention(mesh, 'payments-to-currency', { source: payments, destination: currency, action: 'allow' });

export default mesh;
