/**
 * Every emitter, in one list. Emitters are leaves: pure functions from a Compilation to artifacts, no I/O; one writer
 * (`write.ts`) puts them on disk, all or nothing.
 */
import type { Compilation } from '../compiler/types.ts';
import { emitAclPolicies } from './acl-policies.ts';
import { emitAgentConfig } from './agent-config.ts';
import type { Artifact } from './artifact.ts';
import { emitCompiledChains } from './compiled-chains.ts';
import { API_JSON } from './consul-entries/api-json.ts';
import { CRD } from './consul-entries/crd.ts';
import { HCL } from './consul-entries/hcl.ts';
import { flavourFiles, inFileOrder } from './consul-entries/paths.ts';
import { emitGatewayConfig, type GatewayConfigOptions } from './gateway-config.ts';
import { emitHelmValues } from './helm-values.ts';
import { emitK8sAnnotations } from './k8s-annotations.ts';
import { emitServiceRegistrations } from './service-registrations.ts';
import { emitTerraformJson } from './terraform-json.ts';

export type Emitter = (c: Compilation) => Artifact[];

/** The three forms of config entries, in the order `emitConsulEntries` returns them. */
const ENTRY_FLAVOURS = [API_JSON, HCL, CRD];

/**
 * Config entries in the three forms Consul accepts: API JSON, HCL for `consul config write`, consul-k8s CRDs. What
 * `[...emitApiJson(entries), ...emitHcl(entries), ...emitCrds(entries)]` returns, with the entries put in file order
 * once for the three.
 */
export const emitConsulEntries: Emitter = (c) => {
  return flavourFiles(ENTRY_FLAVOURS, inFileOrder(c.entries));
};

/** What each datacenter runs besides the (global) config entries. */
export const perDatacenterEmitters: readonly Emitter[] = [
  emitHelmValues,
  emitAgentConfig,
  emitServiceRegistrations,
  emitK8sAnnotations,
  emitAclPolicies,
  emitGatewayConfig,
  emitTerraformJson,
];

export const emitters: readonly Emitter[] = [emitConsulEntries, emitCompiledChains, ...perDatacenterEmitters];

function byPath(a: Artifact, b: Artifact): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export interface EmitAllOptions {
  /** Options of the gateway runtime config emitter (a peered cluster's peering routes). */
  readonly gateway?: GatewayConfigOptions;
}

/** Runs every emitter; artifacts sorted by path. Two emitters claiming one path is a bug. */
export function emitAll(c: Compilation, options: EmitAllOptions = {}): Artifact[] {
  const gateway = options.gateway;
  const list = gateway
    ? emitters.map((e): Emitter => (e === emitGatewayConfig ? (cc) => emitGatewayConfig(cc, gateway) : e))
    : emitters;
  const all = list.flatMap((e) => e(c)).sort(byPath);
  for (let i = 1; i < all.length; i++) {
    if (all[i]!.path === all[i - 1]!.path) throw new Error(`two emitters wrote ${all[i]!.path}`);
  }
  return all;
}
