/**
 * Platform checks: what the consul-k8s chart (its template `fail` calls) or a Consul agent would refuse in the
 * per-datacenter artifacts, reported as MC4xxx at the construct's line before anything is written. Mirrors the
 * federation, gateway, TLS and ACL rules listed in the chart's templates (server-statefulset,
 * mesh-gateway-deployment, create-federation-secret-job, server-acl-init-job), plus port conflicts on one host.
 */

import { isIP } from 'node:net';
import {
  ConflictingPorts,
  FederationWithoutGateway,
  FederationWithoutTls,
  GatewayNameWithManagedAcls,
  InvalidHelmReleaseName,
  InvalidServerCount,
  ModeNotExpressibleOnKubernetes,
  MultipleGatewaysOnKubernetes,
  NodePortOutsideDefaultRange,
  NodePortWanPortMismatch,
  NodePortWithoutPort,
  NoPrimaryGatewayWanAddress,
  PeeringChartRequirement,
  SecondaryWithoutFederationSecret,
  StaticWanAddressWithoutValue,
  VmFederationWithoutTls,
} from '../../diagnostics/codes/emit.ts';
import { type Diagnostic, diag, type PassResult } from '../../diagnostics/diagnostic.ts';
import {
  DEFAULT_ADMIN_PORT,
  gatewaysIn,
  hostOf,
  instancesIn,
  isFederated,
  sidecarPorts,
  wanAddresses,
} from '../../model/topology.ts';
import type {
  DatacenterDecl,
  Declared,
  MeshGatewayDecl,
  MeshModel,
  ServiceInstanceDecl,
  UpstreamDecl,
} from '../../model/types.ts';

const ANY = '0.0.0.0';

function overlaps(a: string, b: string): boolean {
  return a === b || a === ANY || b === ANY;
}

function at(d: Declared) {
  return { path: d.path, ...(d.span ? { span: d.span } : {}) };
}

/** helm's release-name rule (pkg/chartutil ValidateReleaseName): a DNS-1123 subdomain of at most 53 characters. */
const HELM_RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkDatacenter(model: MeshModel, dc: DatacenterDecl): Diagnostic[] {
  const out: Diagnostic[] = [];
  const release = dc.kubernetes?.releaseName;
  if (release !== undefined && (release.length > 53 || !HELM_RELEASE_NAME.test(release))) {
    out.push(diag(InvalidHelmReleaseName, at(dc), { dc: dc.name, release }));
  }
  const federated = isFederated(model);
  const gateways = gatewaysIn(model, dc.name);
  const secondary = dc.name !== dc.primaryDatacenter;
  if (dc.servers < 1) out.push(diag(InvalidServerCount, at(dc), { dc: dc.name, servers: dc.servers }));
  if (federated && dc.platform === 'kubernetes' && !dc.tls)
    out.push(diag(FederationWithoutTls, at(dc), { dc: dc.name }));
  // Servers dial other datacenters only through the gateways, always over TLS (Consul's wanfed/ALPN-RPC dialer).
  if (federated && dc.platform === 'vm' && !dc.tls) out.push(diag(VmFederationWithoutTls, at(dc), { dc: dc.name }));
  if (federated && gateways.length === 0) out.push(diag(FederationWithoutGateway, at(dc), { dc: dc.name }));
  // The chart's connect-inject-deployment `fail` rules for global.peering.enabled, in its order.
  if (model.peering && dc.platform === 'kubernetes') {
    const missing = [
      ...(dc.connectEnabled ? [] : ['connectInject.enabled']),
      ...(dc.tls ? [] : ['global.tls.enabled']),
      ...(gateways.length > 0 ? [] : ['meshGateway.enabled']),
    ];
    for (const requirement of missing) out.push(diag(PeeringChartRequirement, at(dc), { dc: dc.name, requirement }));
  }
  if (dc.platform === 'kubernetes' && gateways.length > 1) {
    out.push(diag(MultipleGatewaysOnKubernetes, at(dc), { dc: dc.name, count: gateways.length }));
  }
  if (federated && secondary && dc.platform === 'kubernetes' && !dc.kubernetes?.federationSecretName) {
    out.push(diag(SecondaryWithoutFederationSecret, at(dc), { dc: dc.name }));
  }
  if (
    federated &&
    secondary &&
    gatewaysIn(model, dc.primaryDatacenter).length > 0 &&
    wanAddresses(model, dc.primaryDatacenter).length === 0
  ) {
    out.push(diag(NoPrimaryGatewayWanAddress, at(dc), { dc: dc.name, primary: dc.primaryDatacenter }));
  }
  return out;
}

function checkGateway(model: MeshModel, dc: DatacenterDecl, g: MeshGatewayDecl): Diagnostic[] {
  const out: Diagnostic[] = [];
  const args = { gateway: g.name, dc: dc.name };
  if (g.wanAddressSource === 'Static' && !g.wan?.address) out.push(diag(StaticWanAddressWithoutValue, at(g), args));
  if (dc.platform === 'kubernetes') {
    const source = g.wanAddressSource ?? 'Service';
    if (g.serviceType === 'NodePort' && source === 'Service' && g.nodePort === undefined) {
      out.push(diag(NodePortWithoutPort, at(g), args));
    }
    // Not a chart `fail`: with a NodePort Service as the source, the chart advertises service.nodePort as the WAN port.
    if (g.serviceType === 'NodePort' && source === 'Service' && g.nodePort !== undefined && g.wan) {
      if (g.wan.port !== g.nodePort) {
        out.push(diag(NodePortWanPortMismatch, at(g), { ...args, nodePort: g.nodePort, port: g.wan.port }));
      }
    }
    if (model.aclsEnabled && g.name !== 'mesh-gateway') out.push(diag(GatewayNameWithManagedAcls, at(g), args));
    // The API server's default --service-node-port-range (pkg/apis/core/validation: "provided port is not in the
    // valid range"); a warning, since clusters can widen the range.
    if (g.serviceType === 'NodePort' && g.nodePort !== undefined && (g.nodePort < 30000 || g.nodePort > 32767)) {
      out.push(diag(NodePortOutsideDefaultRange, at(g), { ...args, nodePort: g.nodePort }));
    }
  }
  // The ports the gateway process binds: LAN, WAN (0.0.0.0 unless the WAN address is an IP literal), admin.
  const binds: { what: string; address: string; port: number }[] = [
    { what: `mesh gateway ${g.name} (LAN listener)`, address: g.lan.address, port: g.lan.port },
  ];
  if (g.wan && dc.platform === 'vm') {
    const address = isIP(g.wan.address) ? g.wan.address : ANY;
    binds.push({ what: `mesh gateway ${g.name} (WAN listener)`, address, port: g.wan.port });
  }
  if (g.implementation === 'meshcc') {
    binds.push({
      what: `mesh gateway ${g.name} (admin)`,
      address: '127.0.0.1',
      port: g.adminPort ?? DEFAULT_ADMIN_PORT,
    });
  }
  for (let i = 0; i < binds.length; i++) {
    for (let j = i + 1; j < binds.length; j++) {
      const a = binds[i]!;
      const b = binds[j]!;
      if (a.port === b.port && overlaps(a.address, b.address)) {
        out.push(diag(ConflictingPorts, at(g), { what: a.what, other: b.what, address: b.address, port: b.port }));
      }
    }
  }
  return out;
}

/**
 * Who binds a port, described only when it clashes (no message string per port otherwise): a gateway, an instance's
 * service or sidecar, or one of its upstreams.
 */
type Claimant =
  | { readonly kind: 'gateway'; readonly decl: MeshGatewayDecl }
  | { readonly kind: 'service' | 'sidecar'; readonly decl: ServiceInstanceDecl }
  | { readonly kind: 'upstream'; readonly decl: UpstreamDecl; readonly instance: ServiceInstanceDecl };

function describe(c: Claimant): string {
  switch (c.kind) {
    case 'gateway':
      return `mesh gateway ${c.decl.name}`;
    case 'service':
      return `service ${c.decl.service}`;
    case 'sidecar':
      return `sidecar of ${c.decl.service}`;
    case 'upstream':
      return `upstream ${c.decl.destinationName} of ${c.instance.service}`;
  }
}

/** A port claim: who binds it, and on which address. One object per claim (most claims never clash). */
type Claim = Claimant & { readonly bind: string };

/** The ports taken so far, by host, then port (a port bound on a few addresses keeps a list). */
class TakenPorts {
  private readonly byHost = new Map<string, Map<number, Claim | Claim[]>>();

  /** The first claim of (host, bind, port), else records `c` and returns undefined. */
  claim(host: string, port: number, c: Claim): Claim | undefined {
    let byPort = this.byHost.get(host);
    if (!byPort) {
      byPort = new Map();
      this.byHost.set(host, byPort);
    }
    const taken = byPort.get(port);
    if (taken === undefined) {
      byPort.set(port, c);
      return undefined;
    }
    if (!Array.isArray(taken)) {
      if (taken.bind === c.bind) return taken;
      byPort.set(port, [taken, c]);
      return undefined;
    }
    for (const t of taken) if (t.bind === c.bind) return t;
    taken.push(c);
    return undefined;
  }
}

/** Ports bound on each VM host (instance address): services, sidecars, upstream listeners, gateway LAN listeners. */
function checkHostPorts(model: MeshModel, dc: DatacenterDecl, instances: readonly ServiceInstanceDecl[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sidecars = sidecarPorts(model, dc, instances);
  const taken = new TakenPorts();
  const claim = (host: string, port: number, by: Claim) => {
    const prev = taken.claim(host, port, by);
    if (prev) {
      const other = describe(prev);
      const related = [{ path: prev.decl.path, ...(prev.decl.span ? { span: prev.decl.span } : {}), message: other }];
      out.push(
        diag(ConflictingPorts, { ...at(by.decl), related }, { what: describe(by), other, address: by.bind, port }),
      );
    }
  };
  for (const g of gatewaysIn(model, dc.name)) {
    if (dc.platform === 'vm')
      claim(`addr:${g.lan.address}`, g.lan.port, { kind: 'gateway', decl: g, bind: g.lan.address });
  }
  const upstreams = (host: string, i: ServiceInstanceDecl, list: readonly UpstreamDecl[]) => {
    for (const u of list) {
      claim(host, u.localBindPort, { kind: 'upstream', decl: u, instance: i, bind: u.localBindAddress ?? '127.0.0.1' });
    }
  };
  for (const i of instances) {
    // Kubernetes: every pod is its own host.
    const host = dc.platform === 'vm' ? hostOf(i) : i.path;
    const addr = i.address ?? '0.0.0.0';
    claim(host, i.port, { kind: 'service', decl: i, bind: addr });
    if (dc.platform === 'vm') claim(host, sidecars.get(i.path)!, { kind: 'sidecar', decl: i, bind: addr });
    // Upstreams to a cluster peer bind a local port as well (in a cluster's model they sit in `peerUpstreams`).
    upstreams(host, i, i.upstreams);
    if (i.peerUpstreams) upstreams(host, i, i.peerUpstreams);
  }
  return out;
}

function checkKubernetesModes(dc: DatacenterDecl, instances: readonly ServiceInstanceDecl[]): Diagnostic[] {
  if (dc.platform !== 'kubernetes') return [];
  const out: Diagnostic[] = [];
  for (const i of instances) {
    if (i.meshGateway) {
      out.push(
        diag(ModeNotExpressibleOnKubernetes, at(i), {
          what: `instance of ${i.service}`,
          dc: dc.name,
          mode: i.meshGateway,
        }),
      );
    }
    for (const list of [i.upstreams, i.peerUpstreams ?? []]) {
      for (const u of list) {
        if (u.meshGateway) {
          const what = `upstream ${u.destinationName} of ${i.service}`;
          out.push(diag(ModeNotExpressibleOnKubernetes, at(u), { what, dc: dc.name, mode: u.meshGateway }));
        }
      }
    }
  }
  return out;
}

/** Checks the model against what the chart and Consul agents accept; every finding, never the first only. */
export function checkPlatform(model: MeshModel): PassResult<void> {
  const diagnostics: Diagnostic[] = [];
  for (const dc of model.datacenters) {
    diagnostics.push(...checkDatacenter(model, dc));
    for (const g of gatewaysIn(model, dc.name)) diagnostics.push(...checkGateway(model, dc, g));
    const instances = instancesIn(model, dc.name);
    for (const d of checkHostPorts(model, dc, instances)) diagnostics.push(d);
    for (const d of checkKubernetesModes(dc, instances)) diagnostics.push(d);
  }
  return { value: undefined, diagnostics };
}
