/** Runs every per-datacenter emitter on a compilation (the list the lead adds to src/emit/index.ts). */
import type { Compilation } from '../../src/compiler/types.ts';
import { emitAclPolicies } from '../../src/emit/acl-policies.ts';
import { emitAgentConfig } from '../../src/emit/agent-config.ts';
import type { Artifact } from '../../src/emit/artifact.ts';
import { emitGatewayConfig } from '../../src/emit/gateway-config.ts';
import { emitHelmValues } from '../../src/emit/helm-values.ts';
import { emitK8sAnnotations } from '../../src/emit/k8s-annotations.ts';
import { emitServiceRegistrations } from '../../src/emit/service-registrations.ts';
import { emitTerraformJson } from '../../src/emit/terraform-json.ts';

export const perDatacenterEmitters = [
  emitHelmValues,
  emitAgentConfig,
  emitServiceRegistrations,
  emitK8sAnnotations,
  emitAclPolicies,
  emitGatewayConfig,
  emitTerraformJson,
] as const;

/** Every artifact of the per-datacenter emitters, sorted by path. */
export function emitPerDatacenter(c: Compilation): Artifact[] {
  return perDatacenterEmitters.flatMap((e) => e(c)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
