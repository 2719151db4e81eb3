/**
 * HTTP routing across two datacenters, as in Consul's "Traffic management" guides: dc1 on Kubernetes (primary), dc2
 * on VMs. web calls api; api runs a stable group (version v1) and a canary group (version v2) in both datacenters.
 * - api's service-resolver defines the subsets v1 and v2 by `Service.Meta.version`, defaults to v1 and fails over to
 *   dc2 when a subset has no healthy instance in the datacenter the chain is compiled for;
 * - api's service-router sends `/v2/...` (rewritten to `/...`) and requests with `x-canary: always` to v2, and
 *   `/admin` to the admin service; everything else goes on to the splitter;
 * - api's service-splitter sends 90% of the rest to v1 and 10% to the v2 canary.
 * Every service speaks HTTP (proxy-defaults `protocol = "http"`), which routers and splitters require.
 */
import {
  Datacenter,
  Intention,
  Mesh,
  MeshGateway,
  ProxyDefaults,
  Service,
  ServiceResolver,
  ServiceRouter,
  ServiceSplitter,
} from 'meshcc';

const mesh = new Mesh('l7-routing', {
  clusterId: '22222222-3333-4444-5555-666666666666',
  aclDefaultPolicy: 'deny',
});

const dc1 = new Datacenter(mesh, 'dc1', { primary: true, platform: 'kubernetes' });
const dc2 = new Datacenter(mesh, 'dc2', { platform: 'vm' });

new MeshGateway(dc1, 'mesh-gateway', {
  lan: { address: '10.1.0.10', port: 8443 },
  wan: { address: 'mgw.dc1.example.net', port: 443 },
  wanAddressSource: 'Static',
});
new MeshGateway(dc2, 'mesh-gateway', {
  lan: { address: '10.2.0.10', port: 8443 },
  wan: { address: '198.51.100.20', port: 443 },
});

// Cross-datacenter traffic (the failover to dc2) goes through the local gateway; every service speaks HTTP.
new ProxyDefaults(mesh, { meshGateway: 'local', protocol: 'http' });

const web = new Service(mesh, 'web');
const api = new Service(mesh, 'api');
const admin = new Service(mesh, 'admin');

web.deploy(dc1, { port: 8080 }).addUpstream(api, { localBindPort: 9091 });
api.deploy(dc1, { port: 9091, count: 3, meta: { version: 'v1' } });
api.deploy(dc1, { port: 9091, group: 'canary', meta: { version: 'v2' } });
api.deploy(dc2, { port: 9091, address: '10.2.0.31', count: 2, meta: { version: 'v1' } });
api.deploy(dc2, { port: 9092, address: '10.2.0.32', group: 'canary', meta: { version: 'v2' } });
admin.deploy(dc1, { port: 9093 });

new ServiceResolver(mesh, api, {
  connectTimeout: '3s',
  defaultSubset: 'v1',
  subsets: {
    v1: { filter: 'Service.Meta.version == v1' },
    v2: { filter: 'Service.Meta.version == v2', onlyPassing: true },
  },
  failover: { '*': { datacenters: [dc2] } },
});

new ServiceRouter(mesh, api, {
  routes: [
    { match: { pathPrefix: '/v2/' }, destination: { serviceSubset: 'v2', prefixRewrite: '/' } },
    { match: { header: [{ name: 'x-canary', exact: 'always' }] }, destination: { serviceSubset: 'v2' } },
    { match: { pathPrefix: '/admin' }, destination: { service: admin, requestTimeout: '30s' } },
  ],
});

new ServiceSplitter(mesh, api, {
  splits: [
    { weight: 90, serviceSubset: 'v1' },
    { weight: 10, serviceSubset: 'v2', responseHeaders: { set: { 'x-served-by': 'canary' } } },
  ],
});

new Intention(mesh, 'web-to-api', { source: web, destination: api, action: 'allow' });
new Intention(mesh, 'web-to-admin', { source: web, destination: admin, action: 'allow' });

export default mesh;
