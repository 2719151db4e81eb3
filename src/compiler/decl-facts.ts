/**
 * One read of the model's instances and their upstream declarations for the validation passes that check
 * declarations (check-upstreams, check-intentions, check-consistency): per instance, which of them may report
 * something there. Each pass then runs its own per-instance check, unchanged, on the flagged instances only (in model
 * order, so findings come out as before); every other instance is ruled out here, in one walk instead of one walk per
 * pass over the 85,000 upstream declarations of the L7 10k mesh (scattered old-space objects: each walk pays a cache
 * miss per upstream).
 *
 * A flag may be set where the pass then finds nothing (it over-approximates), never the other way round: each flag's
 * test is a necessary condition of every finding of its pass, spelled out at the test.
 */
import type { IntentionSource, ServiceDefaultsEntry, ServiceIntentionsEntry } from '../model/entries.ts';
import type { EntryDecl, MeshModel, ServiceInstanceDecl } from '../model/types.ts';

/** check-upstreams may report at this instance (a bind port or destination name twice, itself, an unknown datacenter). */
export const MAY_UPSTREAMS = 1;
/** Some upstream of this instance is not allowed by the intentions (check-intentions' per-upstream findings). */
export const MAY_INTENTIONS = 2;
/** Some upstream of this instance has a configured protocol (check-consistency's protocol check). */
export const MAY_PROTOCOL = 4;

export interface DeclFacts {
  /** Per instance (index in `model.instances`), the `MAY_*` flags. */
  readonly flags: Uint8Array;
  /** Every flag set on some instance (0: no pass reports anything per instance). */
  readonly any: number;
  /** The datacenters instances run in (check-consistency's mode check). */
  readonly instanceDatacenters: ReadonlySet<string>;
  /** The service-intentions declarations, in model order. */
  readonly intentionDecls: readonly EntryDecl[];
  /**
   * Whether some intention names a service nobody declares (destination or non-peer source, `*` aside): otherwise
   * check-intentions' `IntentionMatchesNothing` cannot report.
   */
  readonly intentionNamesUnknown: boolean;
}

/**
 * The deciding intention source per (source name, destination name): for each non-peer source name, its
 * destinations, the first source of that pair in model order (what `indexRules` keeps, keyed the other way round:
 * an instance looks its own map up once, then one small map per upstream).
 */
type BySource = Map<string, Map<string, IntentionSource>>;

/** Per upstreams array (one `compile()`), with the model it was read from. */
const memo = new WeakMap<object, { readonly model: MeshModel; readonly facts: DeclFacts }>();

/**
 * The facts of `model`, shared by the passes of one `compile()` (keyed by its upstream list, which is new per
 * compile: a model changed between two compiles is read again).
 */
export function declFacts(model: MeshModel, key: object): DeclFacts {
  const seen = memo.get(key);
  if (seen?.model === model) return seen.facts;
  const facts = readDecls(model);
  memo.set(key, { model, facts });
  return facts;
}

/** Reads the model once (no memo). */
export function readDecls(model: MeshModel): DeclFacts {
  const intentionDecls: EntryDecl[] = [];
  const bySource: BySource = new Map();
  /** Names of services whose service-defaults set `UpstreamConfig` (any of its declarations: a superset). */
  let upstreamConfig: Set<string> | undefined;
  for (const decl of model.entries) {
    const e = decl.entry;
    if (e.Kind === 'service-intentions') {
      intentionDecls.push(decl);
      for (const s of (e as ServiceIntentionsEntry).Sources) {
        if (s.Peer) continue;
        let to = bySource.get(s.Name);
        if (!to) {
          to = new Map();
          bySource.set(s.Name, to);
        }
        if (!to.has(e.Name)) to.set(e.Name, s);
      }
    } else if (e.Kind === 'service-defaults' && (e as ServiceDefaultsEntry).UpstreamConfig !== undefined) {
      upstreamConfig ??= new Set();
      upstreamConfig.add(e.Name);
    }
  }
  const defaultDeny = model.aclsEnabled && model.aclDefaultPolicy === 'deny';
  const dcs = new Set<string>();
  for (const d of model.datacenters) dcs.add(d.name);
  const services = new Set<string>();
  for (const s of model.services) services.add(s.name);
  const instanceDatacenters = new Set<string>();
  const instances = model.instances;
  const flags = new Uint8Array(instances.length);
  const fromStar = bySource.get('*');
  let any = 0;
  let prev: ServiceInstanceDecl | undefined;
  let prevService: string | undefined;
  let prevDc: string | undefined;
  let knownDc: string | undefined;
  for (let n = 0; n < instances.length; n++) {
    const inst = instances[n]!;
    // Instances of one service and datacenter often share their upstream list (a canary group beside the stable
    // one): what the flags depend on (the list, service identity, datacenter) is then the same.
    if (
      prev !== undefined &&
      inst.upstreams === prev.upstreams &&
      inst.service === prev.service &&
      inst.datacenter === prev.datacenter &&
      inst.namespace === prev.namespace &&
      inst.partition === prev.partition
    ) {
      flags[n] = flags[n - 1]!;
      continue;
    }
    prev = inst;
    const service = inst.service;
    if (service !== prevService) {
      services.add(service);
      prevService = service;
    }
    if (inst.datacenter !== prevDc) {
      instanceDatacenters.add(inst.datacenter);
      prevDc = inst.datacenter;
    }
    const list = inst.upstreams;
    if (list.length === 0) continue;
    let f = 0;
    // The deciding source is `exact.get(source) ?? exact.get('*')`, else `wildcard.get(source) ?? wildcard.get('*')`
    // (check-intentions): `mine.get(destination) ?? fromStar.get(destination)`, else the instance's `*` answer.
    const mine = bySource.get(service);
    const wildcard = mine?.get('*') ?? fromStar?.get('*');
    const protocolCaller = upstreamConfig?.has(service) === true;
    if (protocolCaller) f |= MAY_PROTOCOL;
    for (let k = 0; k < list.length; k++) {
      const u = list[k]!;
      const name = u.destinationName;
      const port = u.localBindPort;
      // check-upstreams: a bind collision needs two equal ports, a duplicate two equal names, an upstream to itself
      // its own service's name, an unknown datacenter a pinned one not declared.
      for (let j = 0; j < k; j++) {
        const p = list[j]!;
        if (p.localBindPort === port || p.destinationName === name) f |= MAY_UPSTREAMS;
      }
      if (name === service) f |= MAY_UPSTREAMS;
      const dc = u.datacenter;
      if (dc !== undefined && dc !== knownDc) {
        if (dcs.has(dc)) knownDc = dc;
        else f |= MAY_UPSTREAMS;
      }
      const decidedBy = mine?.get(name) ?? fromStar?.get(name) ?? wildcard;
      if (decidedBy ? decidedBy.Action === 'deny' : defaultDeny) f |= MAY_INTENTIONS;
      // check-consistency: a configured protocol is the upstream's `config.protocol` or the caller's UpstreamConfig.
      if (!protocolCaller && typeof u.config?.protocol === 'string') f |= MAY_PROTOCOL;
    }
    flags[n] = f;
    any |= f;
  }
  let intentionNamesUnknown = false;
  for (const name of bySource.keys()) if (name !== '*' && !services.has(name)) intentionNamesUnknown = true;
  for (const d of intentionDecls) {
    const name = d.entry.Name;
    if (name !== '*' && !services.has(name)) intentionNamesUnknown = true;
  }
  return { flags, any, instanceDatacenters, intentionDecls, intentionNamesUnknown };
}
