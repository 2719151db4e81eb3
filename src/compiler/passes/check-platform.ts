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
  byString,
  DEFAULT_ADMIN_PORT,
  gatewaysIn,
  hostOf,
  instancesIn,
  isFederated,
  SIDECAR_MIN_PORT,
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
import { declFacts, type ModeSetter, ownClaimsClash } from '../decl-facts.ts';

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

/** A port claim: who binds it, on which address and port. One object per claim (most claims never clash). */
type Claim = Claimant & { readonly bind: string; readonly port: number };

/** Claims per host kept in a list while a host has this many or fewer (a pod or VM instance has a handful). */
const SHORT = 16;

/**
 * The ports taken so far, by host: a short list of claims (scanned), or by port once the host has many (a VM address
 * shared by many instances).
 */
class TakenPorts {
  private readonly byHost = new Map<string, Claim[] | Map<number, Claim[]>>();

  /** The first claim of (host, bind, port), else records `c` and returns undefined. */
  claim(host: string, c: Claim): Claim | undefined {
    const taken = this.byHost.get(host);
    if (taken === undefined) {
      this.byHost.set(host, [c]);
      return undefined;
    }
    if (Array.isArray(taken)) {
      for (const t of taken) if (t.port === c.port && t.bind === c.bind) return t;
      taken.push(c);
      if (taken.length > SHORT) this.byHost.set(host, byPort(taken));
      return undefined;
    }
    const list = taken.get(c.port);
    if (list === undefined) {
      taken.set(c.port, [c]);
      return undefined;
    }
    for (const t of list) if (t.bind === c.bind) return t;
    list.push(c);
    return undefined;
  }
}

/** A host's claims by port, each port's in claim order. */
function byPort(claims: readonly Claim[]): Map<number, Claim[]> {
  const out = new Map<number, Claim[]>();
  for (const c of claims) {
    const list = out.get(c.port);
    if (list) list.push(c);
    else out.set(c.port, [c]);
  }
  return out;
}

/** Ports bound on each VM host (instance address): services, sidecars, upstream listeners, gateway LAN listeners. */
function checkHostPorts(model: MeshModel, dc: DatacenterDecl, instances: readonly ServiceInstanceDecl[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sidecars = sidecarPorts(model, dc, instances);
  const taken = new TakenPorts();
  const claim = (host: string, by: Claim) => {
    const prev = taken.claim(host, by);
    if (prev) {
      const other = describe(prev);
      const related = [{ path: prev.decl.path, ...(prev.decl.span ? { span: prev.decl.span } : {}), message: other }];
      out.push(
        diag(
          ConflictingPorts,
          { ...at(by.decl), related },
          { what: describe(by), other, address: by.bind, port: by.port },
        ),
      );
    }
  };
  for (const g of gatewaysIn(model, dc.name)) {
    if (dc.platform === 'vm')
      claim(`addr:${g.lan.address}`, { kind: 'gateway', decl: g, bind: g.lan.address, port: g.lan.port });
  }
  const upstreams = (host: string, i: ServiceInstanceDecl, list: readonly UpstreamDecl[]) => {
    for (const u of list) {
      const bind = u.localBindAddress ?? '127.0.0.1';
      claim(host, { kind: 'upstream', decl: u, instance: i, bind, port: u.localBindPort });
    }
  };
  for (const i of instances) {
    // Kubernetes: every pod is its own host.
    const host = dc.platform === 'vm' ? hostOf(i) : i.path;
    const addr = i.address ?? '0.0.0.0';
    claim(host, { kind: 'service', decl: i, bind: addr, port: i.port });
    if (dc.platform === 'vm') claim(host, { kind: 'sidecar', decl: i, bind: addr, port: sidecars.get(i.path)! });
    // Upstreams to a cluster peer bind a local port as well (in a cluster's model they sit in `peerUpstreams`).
    upstreams(host, i, i.upstreams);
    if (i.peerUpstreams) upstreams(host, i, i.peerUpstreams);
  }
  return out;
}

function checkKubernetesModes(dc: DatacenterDecl, setters: readonly ModeSetter[]): Diagnostic[] {
  if (dc.platform !== 'kubernetes') return [];
  const out: Diagnostic[] = [];
  // Index loops, no list of the two lists per instance: this runs once per compile over every instance of the
  // datacenter that sets a mode, mostly before it is optimized (where `for-of` allocates an iterator result per
  // element). The instance's fields come with it (`ModeSetter`), read once.
  for (let n = 0; n < setters.length; n++) {
    const s = setters[n]!;
    if (s.meshGateway) {
      const span = s.instance.span;
      out.push(
        diag(ModeNotExpressibleOnKubernetes, span ? { path: s.path, span } : { path: s.path }, {
          what: `instance of ${s.service}`,
          dc: dc.name,
          mode: s.meshGateway,
        }),
      );
    }
    upstreamModes(dc, s.service, s.upstreams, out);
    if (s.peers) upstreamModes(dc, s.service, s.peers, out);
  }
  return out;
}

/** `checkKubernetesModes`' findings for one list of upstreams of an instance of `service`. */
function upstreamModes(dc: DatacenterDecl, service: string, list: readonly UpstreamDecl[], out: Diagnostic[]): void {
  for (let k = 0; k < list.length; k++) {
    const u = list[k]!;
    if (u.meshGateway) {
      const what = `upstream ${u.destinationName} of ${service}`;
      out.push(diag(ModeNotExpressibleOnKubernetes, at(u), { what, dc: dc.name, mode: u.meshGateway }));
    }
  }
}

/**
 * Whether `checkHostPorts` can report anything for a datacenter, decided without sorting its instances or building
 * a host key per instance: when every host (VM address, address-less VM instance, pod) has a single instance and no
 * gateway listener, each instance's claims can only clash among themselves, and a lone VM instance's sidecar gets the
 * first port of the range. Anything else (a shared host) answers true, and the full check runs.
 */
export function portsMayClash(
  model: MeshModel,
  dc: DatacenterDecl,
  instances: readonly ServiceInstanceDecl[],
): boolean {
  const vm = dc.platform === 'vm';
  const addresses = new Set<string>();
  const paths = new Set<string>();
  let prev: ServiceInstanceDecl | undefined;
  if (vm) {
    for (const g of model.gateways) {
      if (g.datacenter !== dc.name) continue;
      if (addresses.has(g.lan.address)) return true;
      addresses.add(g.lan.address);
    }
  }
  for (const i of instances) {
    // The host key of `checkHostPorts`: `addr:<address>` (VMs with an address), else one per construct path.
    if (vm && i.address) {
      if (addresses.has(i.address)) return true;
      addresses.add(i.address);
    } else {
      if (paths.has(i.path)) return true;
      paths.add(i.path);
    }
    // Instances of one service often share their upstream lists (a canary group beside the stable one): the same
    // lists, port and address have the same claims as the previous instance's, which did not clash.
    if (
      prev !== undefined &&
      i.upstreams === prev.upstreams &&
      i.peerUpstreams === prev.peerUpstreams &&
      i.port === prev.port &&
      i.address === prev.address
    )
      continue;
    if (ownClaimsClash(i, vm ? SIDECAR_MIN_PORT : undefined)) return true;
    prev = i;
  }
  return false;
}

/** Whether one of a list of upstreams sets a mode. */
function listSetsMode(list: readonly UpstreamDecl[]): boolean {
  for (const u of list) if (u.meshGateway) return true;
  return false;
}

/**
 * The instances of a Kubernetes datacenter that set a mode `checkKubernetesModes` reports (the instance or one of
 * its upstreams), in order, with their fields. A list shared with the previous instance (a canary group) is not read
 * again.
 */
function settingMode(instances: readonly ServiceInstanceDecl[]): ModeSetter[] {
  const out: ModeSetter[] = [];
  let list: readonly UpstreamDecl[] | undefined;
  let peers: readonly UpstreamDecl[] | undefined;
  let listSets = false;
  for (const i of instances) {
    if (i.upstreams !== list || i.peerUpstreams !== peers) {
      list = i.upstreams;
      peers = i.peerUpstreams;
      listSets = listSetsMode(list) || (peers !== undefined && listSetsMode(peers));
    }
    if (i.meshGateway || listSets) {
      out.push({ instance: i, service: i.service, path: i.path, meshGateway: i.meshGateway, upstreams: list, peers });
    }
  }
  return out;
}

/** `instancesIn`'s order: service, then construct path. */
function byServiceThenPath(a: ModeSetter, b: ModeSetter): number {
  return byString(a.service, b.service) || byString(a.path, b.path);
}

/**
 * `list` in `instancesIn`'s order. A stable sort of a subsequence keeps the relative order the full sort gives, so
 * the instances with findings come out as they would from the sorted datacenter; an already sorted list (the usual
 * case) is returned as it is.
 */
function sortedLikeInstancesIn(list: ModeSetter[]): ModeSetter[] {
  for (let k = 1; k < list.length; k++)
    if (byServiceThenPath(list[k - 1]!, list[k]!) > 0) return list.sort(byServiceThenPath);
  return list;
}

/**
 * Checks the model against what the chart and Consul agents accept; every finding, never the first only. With the
 * upstream list of a `compile()`, the instances are read once for this and the validation passes (`decl-facts.ts`).
 */
export function checkPlatform(model: MeshModel, compiled?: object): PassResult<void> {
  const diagnostics: Diagnostic[] = [];
  const facts = compiled ? declFacts(model, compiled) : undefined;
  // Each datacenter's instances in model order, from one walk (sorted only where something is reported); only needed
  // without facts (or for a second declaration of a datacenter name).
  let byDc: Map<string, ServiceInstanceDecl[]> | undefined;
  for (const dc of model.datacenters) {
    diagnostics.push(...checkDatacenter(model, dc));
    for (const g of gatewaysIn(model, dc.name)) diagnostics.push(...checkGateway(model, dc, g));
    const f = facts?.datacenters.get(dc.name);
    if (f !== undefined && f.decl === dc) {
      if (f.mayClash) for (const d of checkHostPorts(model, dc, instancesIn(model, dc.name))) diagnostics.push(d);
      if (dc.platform === 'kubernetes') {
        for (const d of checkKubernetesModes(dc, sortedLikeInstancesIn(f.settingMode))) diagnostics.push(d);
      }
      continue;
    }
    byDc ??= instancesByDatacenter(model);
    const mine = byDc.get(dc.name) ?? [];
    if (portsMayClash(model, dc, mine)) {
      for (const d of checkHostPorts(model, dc, instancesIn(model, dc.name))) diagnostics.push(d);
    }
    if (dc.platform === 'kubernetes') {
      const reported = settingMode(mine);
      for (const d of checkKubernetesModes(dc, sortedLikeInstancesIn(reported))) diagnostics.push(d);
    }
  }
  return { value: undefined, diagnostics };
}

function instancesByDatacenter(model: MeshModel): Map<string, ServiceInstanceDecl[]> {
  const byDc = new Map<string, ServiceInstanceDecl[]>();
  let dc: string | undefined;
  let here: ServiceInstanceDecl[] | undefined;
  for (const i of model.instances) {
    // Instances usually come datacenter by datacenter, or service by service: the last list is tried first.
    if (i.datacenter !== dc) {
      dc = i.datacenter;
      here = byDc.get(dc);
      if (!here) {
        here = [];
        byDc.set(dc, here);
      }
    }
    here!.push(i);
  }
  return byDc;
}
