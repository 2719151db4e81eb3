/**
 * Upstreams to a cluster peer in the artifacts that configure sidecars: the VM service definition carries
 * `destination_peer` (JSON and HCL), the pod annotations consul-k8s's labelled peer form
 * `service.svc[.namespace.ns].peer.peer:port`; both valid against their schemas, next to the chain upstreams.
 */
import { describe, expect, it } from 'vitest';
import { compileClusters } from '../../src/compiler/compile-clusters.ts';
import {
  Cluster,
  Datacenter,
  ExportedServices,
  Mesh,
  MeshGateway,
  Peering,
  Service,
} from '../../src/constructs/index.ts';
import { lowerMesh } from '../../src/constructs/lower.ts';
import { upstreamAnnotation } from '../../src/emit/k8s-annotations.ts';
import { emitPeered } from '../../src/emit/peered.ts';
import { upstream } from './fixtures.ts';
import { collapse, parseArtifact, parseHcl, schemaErrors } from './schema-check.ts';

function compiled(platform: 'vm' | 'kubernetes', ledgerPort = 9095) {
  const mesh = new Mesh('peer-sidecars', { clusterId: '22222222-3333-4444-5555-666666666666' });
  const east = new Cluster(mesh, 'east', { clusterId: '7e57ea57-0000-4000-8000-000000000001' });
  const west = new Cluster(mesh, 'west', { clusterId: '7e57ea57-0000-4000-8000-000000000002' });
  new Peering(mesh, 'p', {
    acceptor: { cluster: west, peerName: 'east' },
    dialer: { cluster: east, peerName: 'west' },
  });
  const dc1 = new Datacenter(east, 'dc1', { primary: true, platform });
  const dc2 = new Datacenter(west, 'dc2', { primary: true, platform: 'vm' });
  new MeshGateway(dc2, 'mesh-gateway', {
    lan: { address: '10.2.0.10', port: 8443 },
    wan: { address: '192.0.2.2', port: 443 },
  });
  const payments = new Service(mesh, 'payments');
  const currency = new Service(mesh, 'currency');
  const ledger = new Service(mesh, 'ledger');
  const p = payments.deploy(dc1, { port: 9091, ...(platform === 'vm' ? { address: '10.1.0.20' } : {}) });
  p.addUpstream(ledger, { localBindPort: ledgerPort, peer: 'west', meshGateway: 'remote' });
  p.addUpstream(currency, { localBindPort: 9094 });
  currency.deploy(dc1, { port: 9094, ...(platform === 'vm' ? { address: '10.1.0.21' } : {}) });
  ledger.deploy(dc2, { port: 9095, address: '10.2.0.22' });
  new ExportedServices(west, { services: [{ service: ledger, peers: ['east'] }] });
  return compileClusters(lowerMesh(mesh));
}

const artifacts = (platform: 'vm' | 'kubernetes') => emitPeered(compiled(platform));
const findings = (platform: 'vm' | 'kubernetes', ledgerPort?: number) =>
  compiled(platform, ledgerPort).diagnostics.map((d) => `${d.code} ${d.path}`);

describe('peered upstreams in sidecar artifacts', () => {
  it('VM service definition: destination_peer beside the chain upstream, in JSON and HCL, schema-valid', async () => {
    const out = artifacts('vm');
    const json = out.find((a) => a.path === 'clusters/east/dc1/agent/services/payments.json')!;
    const hcl = out.find((a) => a.path === 'clusters/east/dc1/agent/services/payments.hcl')!;
    const svc = (JSON.parse(json.content) as { service: { connect: { sidecar_service: { proxy: unknown } } } }).service;
    expect(svc.connect.sidecar_service.proxy).toEqual({
      upstreams: [
        { destination_name: 'currency', local_bind_port: 9094 },
        {
          destination_name: 'ledger',
          destination_peer: 'west',
          local_bind_port: 9095,
          mesh_gateway: { mode: 'remote' },
        },
      ],
    });
    expect(schemaErrors({ path: 'dc1/agent/services/payments.json', content: json.content })).toEqual([]);
    expect(collapse(await parseHcl(hcl.content))).toEqual(collapse(parseArtifact(json)));
    // Only the declaring cluster's sidecar gets it; the exporting cluster's ledger registration has no upstreams.
    const ledgerDef = out.find((a) => a.path === 'clusters/west/dc2/agent/services/ledger.json')!;
    expect(ledgerDef.content).not.toContain('destination_peer');
  });

  it('pod annotations: the labelled peer form, sorted by local port with the chain upstreams, schema-valid', () => {
    const a = artifacts('kubernetes').find((x) => x.path === 'clusters/east/dc1/k8s/payments-annotations.yaml')!;
    const doc = parseArtifact(a) as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    expect(doc.spec.template.metadata.annotations['consul.hashicorp.com/connect-service-upstreams']).toBe(
      'currency:9094,ledger.svc.west.peer:9095',
    );
    expect(schemaErrors({ path: 'dc1/k8s/payments-annotations.yaml', content: a.content })).toEqual([]);
  });

  it('the platform checks see them: a mode annotations cannot carry (MC4009), a local port taken twice', () => {
    expect(findings('vm')).toEqual([]);
    // (MC4016 besides: the Helm values of this bare Kubernetes datacenter lack TLS and a gateway for peering.)
    expect(findings('kubernetes').filter((f) => f.startsWith('MC4009'))).toEqual([
      'MC4009 peer-sidecars/payments/dc1/ledger.peer-west',
    ]);
    const clash = findings('vm', 9094);
    expect(clash).toHaveLength(1);
    expect(clash[0]).toMatch(/^MC40\d\d peer-sidecars\/payments\/dc1\/(ledger\.peer-west|currency)$/);
  });

  it('upstreamAnnotation: namespace in the 6-piece labelled form only when not default', () => {
    expect(upstreamAnnotation(upstream('ledger', 9095, { destinationPeer: 'west' }))).toBe('ledger.svc.west.peer:9095');
    expect(
      upstreamAnnotation(upstream('ledger', 9095, { destinationPeer: 'west', destinationNamespace: 'team' })),
    ).toBe('ledger.svc.team.ns.west.peer:9095');
  });
});
