/**
 * Intentions, with Consul's precedence: the most precise match wins — an exact destination name beats the `*`
 * destination, then an exact source name beats the `*` source (Consul's `Intention.UpdatePrecedence` in
 * `agent/structs/intention.go`: exact/exact 9, exact destination with `*` source 8, `*` destination with exact source
 * 6, `*`/`*` 5). With the ACL default policy `deny`, a declared upstream needs an allowing intention; an explicit deny
 * on a declared upstream is always an error. Intentions that name a service nobody declares are warnings. L7
 * intentions (Permissions, no Action) count as allowing: meshcc does not evaluate L7 rules.
 */
import {
  DeniedByIntention,
  IntentionMatchesNothing,
  LegNotAllowed,
  NoAllowingIntention,
} from '../../diagnostics/codes/reachability.ts';
import { type Diagnostic, diag, type PassResult } from '../../diagnostics/diagnostic.ts';
import type { IntentionSource, ServiceIntentionsEntry } from '../../model/entries.ts';
import type { EntryDecl, MeshModel, SourceSpan } from '../../model/types.ts';
import { type FactTarget, upstreamChains } from '../chain-legs.ts';
import { type DeclFacts, MAY_INTENTIONS, readDecls } from '../decl-facts.ts';
import { type ChainTargetRef, chainTargets } from '../reach.ts';
import type { CompiledUpstream } from '../types.ts';

/** One source of one service-intentions entry. */
export interface Rule {
  readonly decl: EntryDecl;
  readonly destination: string;
  readonly source: IntentionSource;
  readonly index: number;
}

function sourceSpan(r: Rule): SourceSpan | undefined {
  return (
    r.decl.fieldSpans?.[`/Sources/${r.index}/Action`] ??
    r.decl.fieldSpans?.[`/Sources/${r.index}`] ??
    r.decl.fieldSpans?.['/Sources'] ??
    r.decl.span
  );
}

function describe(r: Rule): string {
  return `'${r.source.Name} → ${r.destination}' (${r.decl.path})`;
}

/**
 * Intentions by destination name, then source name (no key string per lookup). A pair's value is the source that
 * decides it, the first of that name among the entries of that destination; `ruleOf` finds where it is declared,
 * which only a finding needs (no rule object per source).
 */
export type RulesByPair = ReadonlyMap<string, ReadonlyMap<string, IntentionSource>>;

interface IntentionIndex {
  readonly byPair: RulesByPair;
  /** The service-intentions declarations, in model order. */
  readonly decls: readonly EntryDecl[];
}

/** Indexes intentions by destination and source name; at most one source per pair (duplicates are MC2001). */
function indexRules(model: MeshModel): IntentionIndex {
  const decls: EntryDecl[] = [];
  const byPair = new Map<string, Map<string, IntentionSource>>();
  for (const decl of model.entries) {
    if (decl.entry.Kind !== 'service-intentions') continue;
    decls.push(decl);
    const e = decl.entry as ServiceIntentionsEntry;
    const sources = e.Sources;
    let bySource = byPair.get(e.Name);
    for (let index = 0; index < sources.length; index++) {
      const source = sources[index]!;
      if (source.Peer) continue;
      if (!bySource) {
        bySource = new Map();
        byPair.set(e.Name, bySource);
      }
      if (!bySource.has(source.Name)) bySource.set(source.Name, source);
    }
  }
  return { byPair, decls };
}

/**
 * The rule of a deciding source of `destination`: its first place among that destination's entries, which is where
 * `indexRules` met it first (an earlier place of the same object would have had the same name, and been kept).
 */
function ruleOf(index: IntentionIndex, destination: string, source: IntentionSource): Rule {
  for (const decl of index.decls) {
    const e = decl.entry as ServiceIntentionsEntry;
    if (e.Name !== destination) continue;
    const i = e.Sources.indexOf(source);
    if (i >= 0 && !source.Peer) return { decl, destination, source, index: i };
  }
  throw new Error(`internal: no intention source ${source.Name} → ${destination}`);
}

/** The intention that decides `source → destination`, by Consul's precedence, or undefined. */
export function matchIntention(
  byPair: RulesByPair,
  source: string,
  destination: string,
): { readonly source: IntentionSource; readonly destination: string } | undefined {
  const exact = byPair.get(destination);
  const wildcard = byPair.get('*');
  const s = exact?.get(source) ?? exact?.get('*');
  if (s) return { source: s, destination };
  const w = wildcard?.get(source) ?? wildcard?.get('*');
  return w ? { source: w, destination: '*' } : undefined;
}

/** A name an intention may use: `*`, or a declared service. */
function known(services: ReadonlySet<string>, name: string): boolean {
  return name === '*' || services.has(name);
}

/**
 * Checks declared upstreams against the intentions, and intentions against declared services. Only the instances
 * `facts` flags (`MAY_INTENTIONS`: some upstream the intentions do not allow, decided there) can have an upstream
 * finding, and only when `facts` saw a name no service has can an intention match nothing.
 */
export function checkIntentions(model: MeshModel, facts: DeclFacts = readDecls(model)): PassResult<void> {
  const diagnostics: Diagnostic[] = [];
  if ((facts.any & MAY_INTENTIONS) === 0 && !facts.intentionNamesUnknown) return { value: undefined, diagnostics };
  const intentions = indexRules(model);
  const { byPair } = intentions;
  const defaultDeny = model.aclsEnabled && model.aclDefaultPolicy === 'deny';
  // `matchIntention` with the `*` destination's rules looked up once.
  const wildcard = byPair.get('*');
  const instances = model.instances;
  for (let n = 0; n < instances.length; n++) {
    if ((facts.flags[n]! & MAY_INTENTIONS) === 0) continue;
    const inst = instances[n]!;
    const source = inst.service;
    for (const u of inst.upstreams) {
      const exact = byPair.get(u.destinationName);
      let decidedBy = exact?.get(source) ?? exact?.get('*');
      let ruleDestination = u.destinationName;
      if (decidedBy === undefined) {
        decidedBy = wildcard?.get(source) ?? wildcard?.get('*');
        ruleDestination = '*';
      }
      // The common case, an allowing intention, reports nothing and allocates nothing.
      if (decidedBy ? decidedBy.Action !== 'deny' : !defaultDeny) continue;
      const at = { path: u.path, ...(u.span ? { span: u.span } : {}) };
      const args = { source: inst.service, destination: u.destinationName };
      if (decidedBy) {
        const rule = ruleOf(intentions, ruleDestination, decidedBy);
        const span = sourceSpan(rule);
        diagnostics.push(
          diag(
            DeniedByIntention,
            {
              ...at,
              related: [{ path: rule.decl.path, ...(span ? { span } : {}), message: 'the deciding intention' }],
            },
            { ...args, rule: describe(rule) },
          ),
        );
      } else {
        diagnostics.push(diag(NoAllowingIntention, at, args));
      }
    }
  }
  if (!facts.intentionNamesUnknown) return { value: undefined, diagnostics };
  const services = new Set<string>();
  for (const s of model.services) services.add(s.name);
  for (const i of model.instances) services.add(i.service);
  const reported = new Set<string>();
  // Every non-peer source of every entry, in order (a destination's name is looked up once per entry).
  for (const decl of intentions.decls) {
    const e = decl.entry as ServiceIntentionsEntry;
    const destinationKnown = known(services, e.Name);
    for (let index = 0; index < e.Sources.length; index++) {
      const source = e.Sources[index]!;
      if (source.Peer) continue;
      if (destinationKnown && known(services, source.Name)) continue;
      const r: Rule = { decl, destination: e.Name, source, index };
      const checks: ['source' | 'destination', string][] = [
        ['destination', r.destination],
        ['source', r.source.Name],
      ];
      for (const [role, name] of checks) {
        if (known(services, name)) continue;
        const key = `${r.decl.path}|${role}|${name}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const span = role === 'source' ? sourceSpan(r) : (r.decl.fieldSpans?.['/Name'] ?? r.decl.span);
        diagnostics.push(
          diag(
            IntentionMatchesNothing,
            { path: r.decl.path, ...(span ? { span } : {}) },
            {
              entry: r.destination,
              role,
              name,
            },
          ),
        );
      }
    }
  }
  return { value: undefined, diagnostics };
}

/**
 * Whether `refs[i]` is the first target of its service in the chain (other than the upstream's destination; cluster
 * peers' targets left out): a chain has a few targets, so a scan, no set per upstream.
 */
function firstOfOtherService(refs: readonly ChainTargetRef[], i: number, destination: string): boolean {
  const t = refs[i]!.target;
  if (t.Service === destination || t.Peer) return false;
  for (let j = 0; j < i; j++) {
    const o = refs[j]!.target;
    if (o.Service === t.Service && !o.Peer) return false;
  }
  return true;
}

/**
 * Whether some target of the chain is another service than `destination` (not a cluster peer's): the targets the legs
 * reach are among the chain's `Targets`, so without one no leg can need another intention (most chains), and the
 * legs are not walked.
 */
function sendsElsewhere(targets: readonly FactTarget[], from: number, to: number, destination: string): boolean {
  for (let i = from; i < to; i++) {
    const t = targets[i]!;
    if (t.service !== destination && !t.peer) return true;
  }
  return false;
}

/**
 * The services a compiled chain sends to besides its own — a route to another service, a split onto one, a failover or
 * redirect target — each need an intention allowing the caller too: the target's sidecar checks the caller's identity.
 * One finding per (upstream, target service), naming the first leg that goes there.
 */
export function checkChainIntentions(model: MeshModel, upstreams: readonly CompiledUpstream[]): PassResult<void> {
  const diagnostics: Diagnostic[] = [];
  const defaultDeny = model.aclsEnabled && model.aclDefaultPolicy === 'deny';
  let intentions: IntentionIndex | undefined;
  const chains = upstreamChains(upstreams);
  // Upstreams sharing a chain share their destination, the chain's `ServiceName` (`compile()` compiles a chain per
  // destination; `ChainFacts.destination`): whether a chain sends elsewhere is decided once per chain, without reading
  // an upstream. Most chains do not, and then no upstream is visited.
  let elsewhere: Uint8Array | undefined;
  // Per work number, the destination a chain of that work form was found not to send elsewhere from: a chain and its
  // mode variants have the same targets (`workOf`), so the same destination has the same answer.
  const { workOf, destinations, factTargets, workStart } = chains;
  const stays: (string | undefined)[] = new Array(chains.works);
  for (let id = 0; id < chains.first.length; id++) {
    const w = workOf[id]!;
    const destination = destinations[id]!;
    if (stays[w] === destination) continue;
    if (!sendsElsewhere(factTargets, workStart[w]!, workStart[w + 1]!, destination)) {
      stays[w] = destination;
      continue;
    }
    elsewhere ??= new Uint8Array(chains.first.length);
    elsewhere[id] = 1;
  }
  if (elsewhere === undefined) return { value: undefined, diagnostics };
  for (let k = chains.first[elsewhere.indexOf(1)]!; k < upstreams.length; k++) {
    const u = upstreams[k]!;
    const id = chains.chainOf[k]!;
    if (id < 0 || elsewhere[id] === 0) continue;
    const refs = chainTargets(u);
    for (let i = 0; i < refs.length; i++) {
      if (!firstOfOtherService(refs, i, u.destination)) continue;
      const ref = refs[i]!;
      const target = ref.target.Service;
      intentions ??= indexRules(model);
      const match = matchIntention(intentions.byPair, u.service, target);
      if (match ? match.source.Action !== 'deny' : !defaultDeny) continue;
      const rule = match && ruleOf(intentions, match.destination, match.source);
      const leg = ref.leg?.label
        ? `${ref.role === 'failover' ? 'the failover of ' : ''}${ref.leg.label}`
        : ref.role === 'failover'
          ? 'its failover'
          : 'every request (redirect)';
      diagnostics.push(
        diag(
          LegNotAllowed,
          { path: u.path, ...(u.span ? { span: u.span } : {}) },
          {
            source: u.service,
            upstream: u.destination,
            leg,
            target,
            why: rule
              ? `the intention ${describe(rule)} denies ${u.service} → ${target}`
              : `ACLs default to deny and no service-intentions entry allows ${u.service} → ${target}`,
          },
        ),
      );
    }
  }
  return { value: undefined, diagnostics };
}
