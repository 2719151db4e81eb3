/**
 * The cluster-peering checks (MC31xx) and the per-cluster compile: one base mesh of two peered clusters that is
 * clean, and per code a change that triggers it (at the construct that is wrong) while the base reports nothing.
 */
import { describe, expect, it } from 'vitest';
import { compileClusters } from '../../src/compiler/compile-clusters.ts';
import { describeProblem, renderReach } from '../../src/compiler/reach.ts';
import { meshReachReport, reachPeerUpstreams } from '../../src/compiler/reach-peered.ts';
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
} from '../../src/constructs/index.ts';
import { lowerMesh } from '../../src/constructs/lower.ts';

interface Options {
  readonly exportCurrency?: boolean;
  readonly exportLedger?: boolean;
  readonly westGateway?: boolean;
  readonly upstreamPeer?: string;
  readonly failoverPeer?: string;
  readonly intention?: boolean;
  readonly extra?: (m: { mesh: Mesh; east: Cluster; west: Cluster }) => void;
}

function build(o: Options = {}) {
  const mesh = new Mesh('peer-test', { clusterId: '22222222-3333-4444-5555-666666666666', aclDefaultPolicy: 'deny' });
  const east = new Cluster(mesh, 'east', { clusterId: '7e57ea57-0000-4000-8000-000000000001' });
  const west = new Cluster(mesh, 'west', { clusterId: '7e57ea57-0000-4000-8000-000000000002' });
  new Peering(mesh, 'p', {
    acceptor: { cluster: west, peerName: 'east' },
    dialer: { cluster: east, peerName: 'west' },
  });
  const dc1 = new Datacenter(east, 'dc1', { primary: true, platform: 'vm' });
  const dc2 = new Datacenter(west, 'dc2', { primary: true, platform: 'vm' });
  new MeshGateway(dc1, 'mesh-gateway', {
    lan: { address: '10.1.0.10', port: 8443 },
    wan: { address: '192.0.2.1', port: 443 },
  });
  if (o.westGateway ?? true)
    new MeshGateway(dc2, 'mesh-gateway', {
      lan: { address: '10.2.0.10', port: 8443 },
      wan: { address: '192.0.2.2', port: 443 },
    });
  for (const c of [east, west]) new MeshConfig(c, { peerThroughMeshGateways: true });
  new ProxyDefaults(mesh, { meshGateway: 'local' });
  const payments = new Service(mesh, 'payments');
  const currency = new Service(mesh, 'currency');
  const ledger = new Service(mesh, 'ledger');
  const p = payments.deploy(dc1, { port: 9091, address: '10.1.0.20' });
  p.addUpstream(currency, { localBindPort: 9094 });
  p.addUpstream(ledger, { localBindPort: 9095, peer: o.upstreamPeer ?? 'west' });
  currency.deploy(dc1, { port: 9094, address: '10.1.0.21' });
  currency.deploy(dc2, { port: 9094, address: '10.2.0.21' });
  ledger.deploy(dc2, { port: 9095, address: '10.2.0.22' });
  new ServiceResolver(east, currency, { failover: { '*': { targets: [{ Peer: o.failoverPeer ?? 'west' }] } } });
  new ExportedServices(west, {
    services: [
      ...(o.exportCurrency === false ? [] : [{ service: currency, peers: ['east'] }]),
      ...(o.exportLedger === false ? [] : [{ service: ledger, peers: ['east'] }]),
    ],
  });
  new Intention(east, 'payments-to-currency', { source: payments, destination: currency, action: 'allow' });
  new Intention(west, 'east-payments-to-currency', {
    source: payments,
    sourcePeer: 'east',
    destination: currency,
    action: 'allow',
  });
  if (o.intention ?? true)
    new Intention(west, 'east-payments-to-ledger', {
      source: payments,
      sourcePeer: 'east',
      destination: ledger,
      action: 'allow',
    });
  o.extra?.({ mesh, east, west });
  return compileClusters(lowerMesh(mesh));
}

const codes = (o: Options = {}) => build(o).diagnostics.map((d) => `${d.code} ${d.path}: ${d.message}`);

describe('cluster peering checks', () => {
  it('the base mesh is clean, compiles per cluster and keeps the peered upstream out of the chains', () => {
    const pc = build();
    expect(codes()).toEqual([]);
    expect(pc.clusters.map((c) => c.cluster.name)).toEqual(['east', 'west']);
    const east = pc.clusters[0]!;
    expect(east.compilation.model.trustDomain).toBe('7e57ea57-0000-4000-8000-000000000001.consul');
    expect(east.peerUpstreams.map((u) => `${u.upstream.destinationName}@${u.upstream.destinationPeer}`)).toEqual([
      'ledger@west',
    ]);
    const chain = east.compilation.upstreams.find((u) => u.destination === 'currency')!.chain!;
    const peerTarget = chain.Targets['currency.default.default.external.west'];
    expect(peerTarget?.Peer).toBe('west');
    expect(peerTarget?.SNI ?? '').toBe('');
    // Each cluster carries only its own entries (plus the mesh-wide proxy-defaults).
    expect(pc.clusters[1]!.compilation.entries.map((e) => `${e.Kind}/${e.Name}`).sort()).toEqual([
      'exported-services/default',
      'mesh/mesh',
      'proxy-defaults/global',
      'service-intentions/currency',
      'service-intentions/ledger',
    ]);
  });

  it('MC3102: an upstream naming a peer the cluster does not have', () => {
    expect(codes({ upstreamPeer: 'wets' })).toEqual([
      expect.stringMatching(
        /^MC3102 peer-test\/payments\/dc1\/ledger\.peer-wets: upstream .* names peer 'wets', but cluster 'east' has no peering of that name \(its peers: west\)/,
      ),
    ]);
  });

  it('MC3102: a failover target naming an unknown peer', () => {
    expect(codes({ failoverPeer: 'nowhere' })).toEqual([
      expect.stringMatching(
        /^MC3102 peer-test\/east\/service-resolver-currency: service-resolver 'currency' Failover\[\*\] names peer 'nowhere'/,
      ),
    ]);
  });

  it('MC3103: failover to a peer that does not export the service to this cluster', () => {
    expect(codes({ exportCurrency: false })).toEqual([
      expect.stringMatching(
        /^MC3103 peer-test\/east\/service-resolver-currency: cluster 'east' imports 'currency' from peer 'west', but cluster 'west' does not export 'currency' to it/,
      ),
    ]);
  });

  it('MC3105: PeerThroughMeshGateways without a gateway (and MC3111: exports without one)', () => {
    const found = codes({ westGateway: false });
    expect(found).toContainEqual(
      expect.stringMatching(/^MC3105 peer-test\/west\/mesh-config: cluster 'west' has no mesh gateway/),
    );
    expect(found).toContainEqual(expect.stringMatching(/^MC3111 peer-test\/west\/exported-services:/));
  });

  it('MC3107: ACL default deny and no intention for the peer source in the exporting cluster', () => {
    expect(codes({ intention: false })).toEqual([
      expect.stringMatching(/^MC3107 .*'payments' from peer 'east' calls 'ledger' in cluster 'west'/),
    ]);
  });

  it('MC3101, MC3108: a datacenter outside the clusters, a peer name used twice', () => {
    const found = codes({
      extra: ({ mesh, east, west }) => {
        new Datacenter(mesh, 'dc9', { platform: 'vm' });
        new Peering(mesh, 'again', {
          acceptor: { cluster: west, peerName: 'east' },
          dialer: { cluster: east, peerName: 'west2' },
        });
      },
    });
    expect(found).toContainEqual(
      expect.stringMatching(/^MC3101 peer-test\/dc9: datacenter 'dc9' belongs to no cluster/),
    );
    expect(found).toContainEqual(
      expect.stringMatching(/^MC3108 peer-test\/again: cluster 'west' gives the peer name 'east'/),
    );
  });
});

/** The reach report of the one peered upstream (payments → ledger on peer west) of a variant of the base mesh. */
const ledgerReach = (o: Options = {}) => {
  const reports = reachPeerUpstreams(build(o).model);
  expect(reports.map((r) => `${r.service} → ${r.destination} @ ${r.targetDatacenter}`)).toEqual([
    `payments → ledger @ peer:${o.upstreamPeer ?? 'west'}`,
  ]);
  return reports[0]!;
};

describe('reach of an upstream to a cluster peer', () => {
  it('hop by hop: sidecar → local gateway (mode local) → the peer cluster gateway → the exported instance', () => {
    const r = ledgerReach();
    expect(r.reachable).toBe(true);
    expect(r.targets).toHaveLength(1);
    const t = r.targets[0]!;
    expect(t).toMatchObject({
      role: 'primary',
      targetId: 'ledger.default.default.external.west',
      datacenter: 'peer:west',
      mode: 'local',
      // The exporter's SNI: its own name for the importer (east) and its own trust domain.
      sni: 'ledger.default.default.east.external.7e57ea57-0000-4000-8000-000000000002.consul',
      problems: [],
    });
    expect(t.hops).toEqual([
      { kind: 'sidecar', datacenter: 'dc1', name: 'payments-sidecar-proxy' },
      { kind: 'local-gateway', datacenter: 'dc1', name: 'mesh-gateway', address: '10.1.0.10:8443' },
      { kind: 'remote-gateway', datacenter: 'dc2', name: 'mesh-gateway', address: '192.0.2.2:443' },
      { kind: 'instance', datacenter: 'dc2', name: 'ledger', address: '10.2.0.22:9095' },
    ]);
    expect(renderReach([r])).toContain(
      'sidecar:payments-sidecar-proxy@dc1 → local-gateway:mesh-gateway@dc1(10.1.0.10:8443) → remote-gateway:mesh-gateway@dc2(192.0.2.2:443) → instance:ledger@dc2(10.2.0.22:9095)  [ok]',
    );
  });

  it('the same problems as MC3102, MC3103, MC3107; no exporter gateway: the instance is dialled directly', () => {
    const unknown = ledgerReach({ upstreamPeer: 'wets' });
    expect(unknown.reachable).toBe(false);
    expect(unknown.targets[0]!.problems.map(describeProblem)).toEqual(["cluster 'east' has no peering named 'wets'"]);
    expect(unknown.targets[0]!.hops.at(-1)).toEqual({ kind: 'instance', datacenter: 'peer wets', name: 'ledger' });

    const denied = ledgerReach({ intention: false });
    expect(denied.reachable).toBe(false);
    expect(denied.targets[0]!.problems.map(describeProblem)).toEqual([
      "ACL default deny and no intention in cluster 'west' allows 'payments' from peer 'east'",
    ]);

    const notExported = ledgerReach({ exportLedger: false });
    expect(notExported.reachable).toBe(false);
    expect(notExported.targets[0]!.problems.map(describeProblem)).toEqual([
      "cluster 'west' does not export it to this cluster",
    ]);

    const noGateway = ledgerReach({ westGateway: false });
    expect(noGateway.reachable).toBe(true);
    expect(noGateway.targets[0]!.hops.map((h) => h.kind)).toEqual(['sidecar', 'local-gateway', 'instance']);
  });
});

describe('reach of a chain target in a peer (failover to the peer)', () => {
  const currencyReach = (o: Options = {}) => {
    const pc = build(o);
    const reports = meshReachReport(
      pc.model,
      pc.clusters.flatMap((c) => c.compilation.upstreams),
    );
    // The peered upstream comes after the chain upstreams.
    expect(reports.at(-1)?.destination).toBe('ledger');
    return reports.find((r) => r.service === 'payments' && r.destination === 'currency')!;
  };

  it('is followed through the peer gateway to the exported instance, with the exporter SNI', () => {
    const r = currencyReach();
    const failover = r.targets.find((t) => t.role === 'failover')!;
    expect(failover).toMatchObject({
      datacenter: 'peer:west',
      reachable: true,
      sni: 'currency.default.default.east.external.7e57ea57-0000-4000-8000-000000000002.consul',
    });
    expect(failover.hops.map((h) => `${h.kind}@${h.datacenter}`)).toEqual([
      'sidecar@dc1',
      'local-gateway@dc1',
      'remote-gateway@dc2',
      'instance@dc2',
    ]);
  });

  it('not exported to this cluster: the failover target is unreachable, the upstream still is (its primary)', () => {
    const r = currencyReach({ exportCurrency: false });
    const failover = r.targets.find((t) => t.role === 'failover')!;
    expect(failover.reachable).toBe(false);
    expect(failover.problems.map(describeProblem)).toEqual(["cluster 'west' does not export it to this cluster"]);
    expect(r.reachable).toBe(true);
  });
});
