/**
 * The environment `npm run bench:synth` runs `meshcc synth` on: MESHCC_BENCH_SERVICES services (default 9,999, a
 * multiple of three so every upstream stays in its caller's datacenter) over three datacenters (two on Kubernetes, one
 * on VMs), each deployed twice in its home datacenter with five upstreams, one intention per service, proxy-defaults
 * sending cross-datacenter traffic through the local gateways. Written as a user writes a mesh.ts, with loops.
 */
import { Datacenter, Intention, Mesh, MeshGateway, ProxyDefaults, Service } from 'meshcc';

const n = Number(process.env.MESHCC_BENCH_SERVICES ?? 9999);
const mesh = new Mesh('bench-synth', { clusterId: '11111111-2222-3333-4444-555555555555', aclDefaultPolicy: 'allow' });
const dcs = ['dc1', 'dc2', 'dc3'].map(
  (name, i) => new Datacenter(mesh, name, { primary: i === 0, platform: i === 1 ? 'vm' : 'kubernetes' }),
);
dcs.forEach((dc, i) => {
  new MeshGateway(dc, 'mesh-gateway', {
    lan: { address: `10.${i}.0.10`, port: 8443 },
    wan: { address: `198.51.100.${i + 10}`, port: 443 },
    wanAddressSource: 'Static',
    instances: 2,
  });
});
new ProxyDefaults(mesh, { meshGateway: 'local' });

const services = Array.from({ length: n }, (_, i) => new Service(mesh, `svc-${i}`));
services.forEach((service, i) => {
  const dc = dcs[i % 3]!;
  const vm = dc.props.platform === 'vm';
  const instance = service.deploy(dc, {
    port: 8080,
    count: 2,
    ...(vm ? { address: `10.1.${(i >> 8) & 255}.${i & 255}` } : {}),
  });
  for (let u = 1; u <= 5; u++) {
    const destination = services[(i + u * 3) % n]!;
    instance.addUpstream(destination, { localBindPort: 20000 + u });
    if (u === 1) new Intention(mesh, `i-${i}`, { source: service, destination, action: 'allow' });
  }
});

export default mesh;
