/**
 * The __ENV__ environment: two datacenters joined by mesh gateways. `web` (dc1) calls `api`, which runs in both
 * datacenters; api's traffic between them goes through the local mesh gateway. Replace the addresses, ports and
 * services with yours; `npx meshcc validate __ENVIRONMENTS__/__ENV__` checks every path, `npx meshcc synth` writes
 * the artifacts, and the workflows in .github/workflows plan and apply it (see README.md, "Consul service mesh").
 */
import { Datacenter, Intention, Mesh, MeshGateway, Service, ServiceDefaults } from 'meshcc';

const mesh = new Mesh('__ENV__', {
  // The trust domain ID of your Consul cluster (GET /v1/connect/ca/roots → TrustDomain, without ".consul").
  clusterId: '11111111-2222-3333-4444-555555555555',
  aclDefaultPolicy: 'deny',
});

const dc1 = new Datacenter(mesh, 'dc1', { primary: true, platform: 'vm' });
const dc2 = new Datacenter(mesh, 'dc2', { platform: 'vm' });

new MeshGateway(dc1, 'mesh-gateway', {
  lan: { address: '10.1.0.10', port: 8443 },
  wan: { address: '203.0.113.10', port: 443 },
});
new MeshGateway(dc2, 'mesh-gateway', {
  lan: { address: '10.2.0.10', port: 8443 },
  wan: { address: '203.0.113.20', port: 443 },
});

const web = new Service(mesh, 'web');
const api = new Service(mesh, 'api');
new ServiceDefaults(mesh, api, { protocol: 'http', meshGateway: 'local' });

web.deploy(dc1, { port: 8080 }).addUpstream(api, { localBindPort: 9001 });
api.deploy(dc1, { port: 9001 });
api.deploy(dc2, { port: 9001, address: '10.2.0.30' });

new Intention(mesh, 'web-to-api', { source: web, destination: api, action: 'allow' });

export default mesh;
