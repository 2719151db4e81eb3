/**
 * ACL policies for VM datacenters when the mesh has ACLs on: `<dc>/acl/<policy>.hcl` and `.json` (the same rules;
 * Consul reads either with `consul acl policy create -name <policy> -rules @<file>`). Kubernetes datacenters get
 * theirs from the chart (`global.acls.manageSystemACLs`). Policies only: tokens are never generated or printed.
 *
 * - `gateway-<name>`: a mesh gateway (read the catalog, register itself).
 * - `service-<name>`: a service and its sidecar proxy in that datacenter.
 * - `replication` (primary only, when federated): the token secondaries replicate ACLs and config with.
 */
import type { Compilation } from '../compiler/types.ts';
import { byString, gatewaysIn, instancesIn, isFederated } from '../model/topology.ts';
import type { DatacenterDecl } from '../model/types.ts';
import { type Artifact, stableJson } from './artifact.ts';
import { attr, block, type HclBody, renderHcl } from './hcl-writer.ts';

type Access = 'read' | 'write';

/** One resource rule, e.g. `service "web" { policy = "write" }`. */
export interface ResourceRule {
  readonly resource: 'service' | 'service_prefix' | 'node' | 'node_prefix';
  readonly name: string;
  readonly policy: Access;
  readonly intentions?: Access;
}

/** A policy's rules: top-level grants plus resource rules. */
export interface PolicyRules {
  readonly name: string;
  readonly description: string;
  readonly acl?: Access;
  readonly operator?: Access;
  /** Cluster peering (`/v1/peering/*`). */
  readonly peering?: Access;
  /** Mesh-wide config entries (`mesh`, `exported-services`, `proxy-defaults`). */
  readonly mesh?: Access;
  readonly rules: readonly ResourceRule[];
}

const catalogRead: readonly ResourceRule[] = [
  { resource: 'node_prefix', name: '', policy: 'read' },
  { resource: 'service_prefix', name: '', policy: 'read' },
];

/** Rules of a mesh gateway's token. */
export function gatewayPolicy(gateway: string): PolicyRules {
  return {
    name: `gateway-${gateway}`,
    description: `mesh gateway ${gateway}`,
    rules: [...catalogRead, { resource: 'service', name: gateway, policy: 'write' }],
  };
}

/** Rules of a service's token (service and its sidecar). */
export function servicePolicy(service: string): PolicyRules {
  return {
    name: `service-${service}`,
    description: `service ${service} and its sidecar proxy`,
    rules: [
      ...catalogRead,
      { resource: 'service', name: service, policy: 'write' },
      { resource: 'service', name: `${service}-sidecar-proxy`, policy: 'write' },
    ],
  };
}

/** Rules of the ACL replication token that secondaries use. */
export function replicationPolicy(): PolicyRules {
  return {
    name: 'replication',
    description: 'ACL and config replication from the primary datacenter',
    acl: 'write',
    operator: 'write',
    rules: [{ resource: 'service_prefix', name: '', policy: 'read', intentions: 'read' }],
  };
}

/**
 * Rules of the token `meshcc apply` uses in a peered cluster's primary: generate, establish and read peerings
 * (`peering:write`), write the `mesh`, `exported-services` and `proxy-defaults` entries (`mesh:write`) and the
 * service entries and intentions (`service_prefix` write, intentions write), and read the catalog's mesh gateways
 * (`node_prefix` read) before a broken peering is re-established.
 */
export function peeringReconcilePolicy(): PolicyRules {
  return {
    name: 'meshcc-peering',
    description: 'meshcc apply in a peered cluster: peerings, mesh-wide and service config entries',
    peering: 'write',
    mesh: 'write',
    rules: [
      // Reading whether the accepting cluster has a mesh gateway registered (the catalog hides instances on nodes
      // the token cannot read) before a broken peering is deleted.
      { resource: 'node_prefix', name: '', policy: 'read' },
      { resource: 'service_prefix', name: '', policy: 'write', intentions: 'write' },
    ],
  };
}

const order = ['node', 'node_prefix', 'service', 'service_prefix'];

function sortedRules(p: PolicyRules): ResourceRule[] {
  return [...p.rules].sort((a, b) => order.indexOf(a.resource) - order.indexOf(b.resource) || byString(a.name, b.name));
}

/** The rules as Consul's JSON rule syntax. */
export function policyJson(p: PolicyRules): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (p.acl) out.acl = p.acl;
  if (p.operator) out.operator = p.operator;
  if (p.peering) out.peering = p.peering;
  if (p.mesh) out.mesh = p.mesh;
  for (const r of sortedRules(p)) {
    const group = (out[r.resource] ?? {}) as Record<string, unknown>;
    group[r.name] = { policy: r.policy, ...(r.intentions ? { intentions: r.intentions } : {}) };
    out[r.resource] = group;
  }
  return out;
}

/** The rules as HCL. */
export function policyHcl(p: PolicyRules): string {
  const body: HclBody = [
    ...(p.acl ? [attr('acl', p.acl)] : []),
    ...(p.operator ? [attr('operator', p.operator)] : []),
    ...(p.peering ? [attr('peering', p.peering)] : []),
    ...(p.mesh ? [attr('mesh', p.mesh)] : []),
    ...sortedRules(p).map((r) =>
      block(
        r.resource,
        [r.name],
        [attr('policy', r.policy), ...(r.intentions ? [attr('intentions', r.intentions)] : [])],
      ),
    ),
  ];
  return renderHcl(body, [`ACL policy '${p.name}': ${p.description}; generated by meshcc.`]);
}

/** The policies one VM datacenter needs. */
export function policiesFor(c: Compilation, dc: DatacenterDecl): PolicyRules[] {
  const services = [...new Set(instancesIn(c.model, dc.name).map((i) => i.service))];
  return [
    ...gatewaysIn(c.model, dc.name).map((g) => gatewayPolicy(g.name)),
    ...services.map(servicePolicy),
    ...(dc.primary && isFederated(c.model) ? [replicationPolicy()] : []),
    ...(dc.primary && c.model.peering ? [peeringReconcilePolicy()] : []),
  ];
}

/** Emits the ACL policies of every VM datacenter (nothing when ACLs are off). */
export function emitAclPolicies(c: Compilation): Artifact[] {
  if (!c.model.aclsEnabled) return [];
  return c.model.datacenters
    .filter((dc) => dc.platform === 'vm')
    .flatMap((dc) =>
      policiesFor(c, dc).flatMap((p) => [
        { path: `${dc.name}/acl/${p.name}.json`, content: stableJson(policyJson(p)) },
        { path: `${dc.name}/acl/${p.name}.hcl`, content: policyHcl(p) },
      ]),
    );
}
