/**
 * Every layer of the mesh-gateway mode precedence ladder, after Consul's "Modes" documentation: web's upstreams set
 * `remote` (api), `local` (db) and `none` (logging) themselves; web's instance sets `remote`, which shadows web's
 * service-defaults (`local`) for the upstream without a mode (cache); admin takes its mode from its service-defaults;
 * reports from proxy-defaults.
 */
import { Datacenter, Mesh, MeshGateway, ProxyDefaults, Service, ServiceDefaults } from 'meshcc';

const mesh = new Mesh('gateway-modes', { clusterId: '0b6a5d3e-9c1f-4e2a-b7d8-3f4e5a6b7c8d' });

const primary = new Datacenter(mesh, 'primary', { primary: true, platform: 'vm' });
const secondary = new Datacenter(mesh, 'secondary', { platform: 'kubernetes' });

new MeshGateway(primary, 'mesh-gateway', {
  lan: { address: '10.10.0.5', port: 8443 },
  wan: { address: '203.0.113.10', port: 443 },
});
new MeshGateway(secondary, 'mesh-gateway', {
  lan: { address: '10.20.0.5', port: 8443 },
  wan: { address: 'mgw.secondary.example.net', port: 443 },
  wanAddressSource: 'Static',
});

new ProxyDefaults(mesh, { meshGateway: 'local' });

const web = new Service(mesh, 'web');
const admin = new Service(mesh, 'admin');
const reports = new Service(mesh, 'reports');
const api = new Service(mesh, 'api');
const db = new Service(mesh, 'db');
const logging = new Service(mesh, 'logging');
const cache = new Service(mesh, 'cache');

new ServiceDefaults(mesh, web, { meshGateway: 'local' });
new ServiceDefaults(mesh, admin, { meshGateway: 'remote' });

const webInstance = web.deploy(primary, { port: 8080, address: '10.10.0.31', meshGateway: 'remote' });
webInstance.addUpstream(api, { datacenter: secondary, localBindPort: 10000, meshGateway: 'remote' });
webInstance.addUpstream(db, { datacenter: secondary, localBindPort: 10001, meshGateway: 'local' });
webInstance.addUpstream(logging, { localBindPort: 10002, meshGateway: 'none' });
webInstance.addUpstream(cache, { datacenter: secondary, localBindPort: 10003 });

admin
  .deploy(primary, { port: 8081, address: '10.10.0.32' })
  .addUpstream(api, { datacenter: secondary, localBindPort: 10000 });
reports
  .deploy(primary, { port: 8082, address: '10.10.0.33' })
  .addUpstream(api, { datacenter: secondary, localBindPort: 10000 });

api.deploy(secondary, { port: 9000 });
db.deploy(secondary, { port: 5432 });
cache.deploy(secondary, { port: 6379 });
logging.deploy(primary, { port: 5140, address: '10.10.0.40' });

export default mesh;
