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
import { type ChainFacts, upstreamChains } from '../chain-legs.ts';
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

/** Intentions by destination name, then source name (no key string per lookup). */
export type RulesByPair = ReadonlyMap<string, ReadonlyMap<string, Rule>>;

/** Indexes intentions by destination and source name; at most one rule per pair (duplicates are MC2001). */
function indexRules(model: MeshModel): { rules: Rule[]; byPair: RulesByPair } {
  const rules: Rule[] = [];
  const byPair = new Map<string, Map<string, Rule>>();
  for (const decl of model.entries) {
    if (decl.entry.Kind !== 'service-intentions') continue;
    const e = decl.entry as ServiceIntentionsEntry;
    const sources = e.Sources;
    let bySource = byPair.get(e.Name);
    for (let index = 0; index < sources.length; index++) {
      const source = sources[index]!;
      if (source.Peer) continue;
      const r: Rule = { decl, destination: e.Name, source, index };
      rules.push(r);
      if (!bySource) {
        bySource = new Map();
        byPair.set(e.Name, bySource);
      }
      if (!bySource.has(source.Name)) bySource.set(source.Name, r);
    }
  }
  return { rules, byPair };
}

/** The intention that decides `source → destination`, by Consul's precedence, or undefined. */
export function matchIntention(byPair: RulesByPair, source: string, destination: string): Rule | undefined {
  const exact = byPair.get(destination);
  const wildcard = byPair.get('*');
  return exact?.get(source) ?? exact?.get('*') ?? wildcard?.get(source) ?? wildcard?.get('*');
}

/** A name an intention may use: `*`, or a declared service. */
function known(services: ReadonlySet<string>, name: string): boolean {
  return name === '*' || services.has(name);
}

/** Checks declared upstreams against the intentions, and intentions against declared services. */
export function checkIntentions(model: MeshModel): PassResult<void> {
  const diagnostics: Diagnostic[] = [];
  const { rules, byPair } = indexRules(model);
  const defaultDeny = model.aclsEnabled && model.aclDefaultPolicy === 'deny';
  // `matchIntention` with the `*` destination's rules looked up once.
  const wildcard = byPair.get('*');
  for (const inst of model.instances) {
    const source = inst.service;
    for (const u of inst.upstreams) {
      const exact = byPair.get(u.destinationName);
      const rule = exact?.get(source) ?? exact?.get('*') ?? wildcard?.get(source) ?? wildcard?.get('*');
      // The common case, an allowing intention, reports nothing and allocates nothing.
      if (rule ? rule.source.Action !== 'deny' : !defaultDeny) continue;
      const at = { path: u.path, ...(u.span ? { span: u.span } : {}) };
      const args = { source: inst.service, destination: u.destinationName };
      if (rule) {
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
  const services = new Set<string>();
  for (const s of model.services) services.add(s.name);
  for (const i of model.instances) services.add(i.service);
  const reported = new Set<string>();
  for (const r of rules) {
    if (known(services, r.destination) && known(services, r.source.Name)) continue;
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
function sendsElsewhere(facts: ChainFacts, destination: string): boolean {
  for (const t of facts.targets) if (t.Service !== destination && !t.Peer) return true;
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
  let byPair: RulesByPair | undefined;
  const chains = upstreamChains(upstreams);
  for (let k = 0; k < upstreams.length; k++) {
    const u = upstreams[k]!;
    const id = chains.chainOf[k]!;
    if (id < 0 || !sendsElsewhere(chains.facts[id]!, u.destination)) continue;
    const refs = chainTargets(u);
    for (let i = 0; i < refs.length; i++) {
      if (!firstOfOtherService(refs, i, u.destination)) continue;
      const ref = refs[i]!;
      const target = ref.target.Service;
      byPair ??= indexRules(model).byPair;
      const rule = matchIntention(byPair, u.service, target);
      if (rule ? rule.source.Action !== 'deny' : !defaultDeny) continue;
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
