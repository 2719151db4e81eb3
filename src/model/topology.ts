/**
 * Facts about the mesh's layout that several per-datacenter emitters and the platform check agree on: whether the
 * mesh is federated, the primary's gateway addresses, sidecar ports and service SNI names. Pure functions of the
 * model, so every artifact derives them the same way.
 */
import type { DatacenterDecl, MeshGatewayDecl, MeshModel, ServiceInstanceDecl } from './types.ts';

/**
 * First port of Consul's sidecar range (`ports.sidecar_min_port`, default 21000). VM sidecars get explicit ports
 * counted up from here, per address, so registrations and gateway routes agree without asking the agent.
 */
export const SIDECAR_MIN_PORT = 21000;

/** Public listener port of the consul-dataplane sidecar that consul-k8s injects into every pod. */
export const KUBERNETES_SIDECAR_PORT = 20000;

/** Admin port of meshcc's bundled gateway when the model leaves it unset (loopback only). */
export const DEFAULT_ADMIN_PORT = 19100;

/** Compares strings in code-point order (locale-independent, deterministic). */
export function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when the mesh spans more than one datacenter, i.e. its datacenters are WAN-federated. */
export function isFederated(model: MeshModel): boolean {
  return model.datacenters.length > 1;
}

/** The primary datacenter's declaration, if the model has one. */
export function primaryDatacenter(model: MeshModel): DatacenterDecl | undefined {
  return model.datacenters.find((d) => d.name === model.primaryDatacenter) ?? model.datacenters.find((d) => d.primary);
}

/** Gateways of one datacenter, sorted by name. */
export function gatewaysIn(model: MeshModel, dc: string): MeshGatewayDecl[] {
  return model.gateways.filter((g) => g.datacenter === dc).sort((a, b) => byString(a.name, b.name));
}

/** `address:port` of every WAN-reachable gateway in a datacenter, sorted by gateway name. */
export function wanAddresses(model: MeshModel, dc: string): string[] {
  return gatewaysIn(model, dc).flatMap((g) => (g.wan?.address ? [`${g.wan.address}:${g.wan.port}`] : []));
}

/** Service instances deployed in one datacenter, sorted by service then construct path. */
export function instancesIn(model: MeshModel, dc: string): ServiceInstanceDecl[] {
  return model.instances
    .filter((i) => i.datacenter === dc)
    .sort((a, b) => byString(a.service, b.service) || byString(a.path, b.path));
}

/**
 * The host an instance runs on, for port bookkeeping: its address on VMs; an instance without an address runs on
 * its own agent's node, and every Kubernetes pod is its own host.
 */
export function hostOf(i: ServiceInstanceDecl): string {
  return i.address ? `addr:${i.address}` : `decl:${i.path}`;
}

/**
 * The sidecar port of every instance in a datacenter, keyed by the instance's construct path. VMs: 21000 upwards,
 * counted per host (instance address) in service-name order (Consul assigns from the same range when none is given, but
 * in registration order, which a generated file cannot know). Kubernetes: the dataplane's fixed 20000.
 */
export function sidecarPorts(
  model: MeshModel,
  dc: DatacenterDecl,
  /** `instancesIn(model, dc.name)`, when the caller has it already (it sorts every instance of the datacenter). */
  instances: readonly ServiceInstanceDecl[] = instancesIn(model, dc.name),
): Map<string, number> {
  const out = new Map<string, number>();
  const next = new Map<string, number>();
  for (const i of instances) {
    if (dc.platform === 'kubernetes') {
      out.set(i.path, KUBERNETES_SIDECAR_PORT);
      continue;
    }
    const key = hostOf(i);
    const port = next.get(key) ?? SIDECAR_MIN_PORT;
    out.set(i.path, port);
    next.set(key, port + 1);
  }
  return out;
}
