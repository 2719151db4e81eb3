/**
 * Consul's "Connecting services across datacenters" guide: a backend `socat` (port 8181) in the primary datacenter,
 * `web` (port 8080) in the secondary with upstream socat in datacenter primary bound to local port 8181, an allowing
 * intention, and the guide's `proxy-defaults.json` (entries/) sending cross-datacenter traffic through local gateways.
 */
import { Datacenter, Intention, Mesh, MeshGateway, Service } from 'meshcc';

const mesh = new Mesh('primary-secondary', {
  clusterId: 'a7c1d0e2-3b4f-4c5d-8e6f-7a8b9c0d1e2f',
  aclDefaultPolicy: 'deny',
});

const primary = new Datacenter(mesh, 'primary', { primary: true, platform: 'vm' });
const secondary = new Datacenter(mesh, 'secondary', { platform: 'vm' });

new MeshGateway(primary, 'gateway-primary', {
  lan: { address: '10.10.0.5', port: 8443 },
  wan: { address: '203.0.113.10', port: 443 },
});
new MeshGateway(secondary, 'gateway-secondary', {
  lan: { address: '10.20.0.5', port: 8443 },
  wan: { address: '203.0.113.20', port: 443 },
});

const socat = new Service(mesh, 'socat');
const web = new Service(mesh, 'web');

socat.deploy(primary, { port: 8181, address: '10.10.0.21' });
web
  .deploy(secondary, { port: 8080, address: '10.20.0.21' })
  .addUpstream(socat, { datacenter: primary, localBindPort: 8181 });

new Intention(mesh, 'web-to-socat', { source: web, destination: socat, action: 'allow' });

export default mesh;
