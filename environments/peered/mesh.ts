/**
 * The "Test a failover" walkthrough across a cluster peering: two independent Consul clusters (each its own primary
 * and trust domain, no WAN federation). east runs web → payments → currency; west runs currency and ledger and
 * exports both to east. currency's resolver in east fails over to the peer west; payments calls ledger on west
 * directly (an upstream with `peer`). Peering control-plane traffic and service traffic go through the mesh
 * gateways (`PeerThroughMeshGateways`, mode `local`). `meshcc apply` establishes the peering: west accepts (its
 * gateway has the public address), east dials.
 */
import {
  Cluster,
  Datacenter,
  ExportedServices,
  Intention,
  Mesh,
  MeshConfig,
  MeshGateway,
  Peering,
  ProxyDefaults,
  Service,
  ServiceResolver,
} from 'meshcc';

const mesh = new Mesh('peered', {
  clusterId: '22222222-3333-4444-5555-666666666666',
  aclDefaultPolicy: 'deny',
});

const east = new Cluster(mesh, 'east', { clusterId: '7e57ea57-0000-4000-8000-000000000001' });
const west = new Cluster(mesh, 'west', { clusterId: '7e57ea57-0000-4000-8000-000000000002' });
new Peering(mesh, 'east-west', {
  acceptor: { cluster: west, peerName: 'east' },
  dialer: { cluster: east, peerName: 'west' },
});

const dc1 = new Datacenter(east, 'dc1', { primary: true, platform: 'kubernetes' });
const dc2 = new Datacenter(west, 'dc2', { primary: true, platform: 'vm' });

new MeshGateway(dc1, 'mesh-gateway', {
  lan: { address: '10.1.0.10', port: 8443 },
  wan: { address: 'mgw.east.example.net', port: 443 },
  wanAddressSource: 'Static',
});
// west's gateway is meshcc's bundled one: its runtime config (dc2/gateway/mesh-gateway.json) gets the peering routes
// (east's servers dial `server.dc2.peering.<west td>` through it; currency and ledger under their exported names).
new MeshGateway(dc2, 'mesh-gateway', {
  lan: { address: '10.2.0.10', port: 8443 },
  wan: { address: '198.51.100.20', port: 443 },
  implementation: 'meshcc',
});

// In each cluster: peering through the mesh gateways, and sidecars send cross-cluster traffic to their local gateway.
for (const cluster of [east, west]) {
  new MeshConfig(cluster, { peerThroughMeshGateways: true });
  new ProxyDefaults(cluster, { meshGateway: 'local' });
}

const web = new Service(mesh, 'web');
const payments = new Service(mesh, 'payments');
const currency = new Service(mesh, 'currency');
const ledger = new Service(mesh, 'ledger');

web.deploy(dc1, { port: 9090 }).addUpstream(payments, { localBindPort: 9091 });
const paymentsDc1 = payments.deploy(dc1, { port: 9091 });
// No peer on this upstream: currency's resolver decides (east first, the peer west on failover).
paymentsDc1.addUpstream(currency, { localBindPort: 9094 });
// ledger runs only in west: the upstream names the peer (destination_peer).
paymentsDc1.addUpstream(ledger, { localBindPort: 9095, peer: 'west' });
currency.deploy(dc1, { port: 9094 });
currency.deploy(dc2, { port: 9094, address: '10.2.0.30' });
ledger.deploy(dc2, { port: 9095, address: '10.2.0.31' });

new ServiceResolver(east, currency, { connectTimeout: '3s', failover: { '*': { targets: [{ Peer: 'west' }] } } });
new ExportedServices(west, {
  services: [
    { service: currency, peers: ['east'] },
    { service: ledger, peers: ['east'] },
  ],
});

new Intention(east, 'web-to-payments', { source: web, destination: payments, action: 'allow' });
new Intention(east, 'payments-to-currency', { source: payments, destination: currency, action: 'allow' });
// In west, the callers are east's services: intentions name the peer.
new Intention(west, 'east-payments-to-currency', {
  source: payments,
  sourcePeer: 'east',
  destination: currency,
  action: 'allow',
});
new Intention(west, 'east-payments-to-ledger', {
  source: payments,
  sourcePeer: 'east',
  destination: ledger,
  action: 'allow',
});

export default mesh;
