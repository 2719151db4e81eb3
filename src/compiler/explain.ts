/**
 * Text renderings of what the compiler decided: a compiled chain as a tree (`meshcc chain`) and the precedence ladder
 * of one upstream with its resulting targets (`meshcc explain`). Printouts of recorded decisions, never a second
 * implementation of them.
 */
import { isAbsolute, relative } from 'node:path';
import type { ServiceRoute } from '../model/entries.ts';
import { type ChainLeg, chainLegs, hasL7 } from './chain-legs.ts';
import { describeProblem, hopsText, type TargetPath, type UpstreamReach } from './reach.ts';
import { type HttpRequest, routeRequest } from './route-match.ts';
import type { ChainNode, ChainTarget, CompiledChain, CompiledUpstream, ModeLayer, ModeLayerKind } from './types.ts';

/** How reach follows a chain's peer targets into the peer (`meshReachReport`), by target ID. */
export type PeerLegs = ReadonlyMap<string, TargetPath>;

/** The lines of a leg into a peer: the SNI the exporter assigns, and the path with whether it gets through. */
function peerLegLines(t: TargetPath | undefined, pad: string, inChain = true): string[] {
  if (!t) return [];
  const status = t.reachable ? 'reachable' : `UNREACHABLE: ${t.problems.map(describeProblem).join('; ')}`;
  const why = inChain ? "; the chain carries none, Consul fills it in from the peer's trust domain" : '';
  return [
    `${pad}SNI ${t.sni || '-'} (assigned by the exporting cluster${why})`,
    `${pad}path ${hopsText(t.hops)}  [${status}]`,
  ];
}

/** A target of a resolver, in the order a proxy tries them. */
export interface OrderedTarget {
  readonly role: string;
  readonly target: ChainTarget;
}

/** The targets of a resolver node: the primary, then each failover target in order. */
export function resolverTargets(chain: CompiledChain, node: ChainNode | undefined): OrderedTarget[] {
  const resolver = node?.Resolver;
  if (!resolver) return [];
  const out: OrderedTarget[] = [];
  const primary = chain.Targets[resolver.Target];
  if (primary) out.push({ role: 'primary', target: primary });
  for (const [i, id] of (resolver.Failover?.Targets ?? []).entries()) {
    const t = chain.Targets[id];
    if (t) out.push({ role: `failover ${i + 1}`, target: t });
  }
  return out;
}

/** The targets of a chain's start resolver (none when the chain starts at a router or splitter). */
export function orderedTargets(chain: CompiledChain): OrderedTarget[] {
  return resolverTargets(chain, chain.Nodes[chain.StartNode]);
}

function modeText(t: ChainTarget): string {
  return t.MeshGateway.Mode ?? 'default (none)';
}

function targetLines(
  chain: CompiledChain,
  indent: string,
  callerDc?: string,
  node?: ChainNode,
  peerLegs?: PeerLegs,
): string[] {
  const rows = node ? resolverTargets(chain, node) : orderedTargets(chain);
  const width = Math.max(0, ...rows.map((r) => r.role.length));
  return rows.flatMap(({ role, target: t }) => {
    const where = t.Peer ? `peer ${t.Peer}` : `datacenter ${t.Datacenter}`;
    const local = callerDc !== undefined && t.Datacenter === callerDc ? ' (same datacenter: dialed directly)' : '';
    const pad = `${indent}${' '.repeat(width)}  `;
    const head = [
      `${indent}${role.padEnd(width)}  ${t.ID}`,
      `${pad}${where}, mesh gateway ${modeText(t)}${local}, connect timeout ${t.ConnectTimeout}`,
    ];
    if (t.Peer) {
      const leg = peerLegLines(peerLegs?.get(t.ID), pad);
      return [...head, ...(leg.length > 0 ? leg : [`${pad}SNI - (filled in by Consul from the peer's trust domain)`])];
    }
    return [...head, `${pad}SNI ${t.SNI}${t.External ? ' (external)' : ''}`];
  });
}

/** What a route matches, e.g. `PathPrefix /api, header x-env exact "dev", GET|POST`; `everything` without a match. */
export function routeMatchText(r: ServiceRoute): string {
  const h = r.Match?.HTTP;
  if (!h) return 'everything';
  const parts: string[] = [];
  if (h.PathExact) parts.push(`PathExact ${h.PathExact}`);
  if (h.PathPrefix) parts.push(`PathPrefix ${h.PathPrefix}`);
  if (h.PathRegex) parts.push(`PathRegex ${h.PathRegex}`);
  for (const x of h.Header ?? []) {
    const how = x.Present
      ? 'present'
      : x.Exact
        ? `exact "${x.Exact}"`
        : x.Prefix
          ? `prefix "${x.Prefix}"`
          : x.Suffix
            ? `suffix "${x.Suffix}"`
            : `regex "${x.Regex ?? ''}"`;
    parts.push(`header ${x.Name} ${x.Invert ? 'not ' : ''}${how}`);
  }
  for (const x of h.QueryParam ?? []) {
    const how = x.Present ? 'present' : x.Exact ? `exact "${x.Exact}"` : `regex "${x.Regex ?? ''}"`;
    parts.push(`query ${x.Name} ${how}`);
  }
  if (h.Methods && h.Methods.length > 0) parts.push(h.Methods.join('|'));
  return parts.length > 0 ? parts.join(', ') : 'everything';
}

/** Destination settings worth a glance: rewrite, timeouts, retries. */
function routeExtras(r: ServiceRoute): string {
  const d = r.Destination;
  if (!d) return '';
  const x: string[] = [];
  if (d.PrefixRewrite) x.push(`prefix rewrite ${d.PrefixRewrite}`);
  if (d.RequestTimeout) x.push(`request timeout ${d.RequestTimeout}`);
  if (d.IdleTimeout) x.push(`idle timeout ${d.IdleTimeout}`);
  if (d.NumRetries) x.push(`${d.NumRetries} retries`);
  if (d.RetryOnConnectFailure) x.push('retry on connect failure');
  if (d.RetryOn?.length) x.push(`retry on ${d.RetryOn.join(',')}`);
  if (d.RetryOnStatusCodes?.length) x.push(`retry on status ${d.RetryOnStatusCodes.join(',')}`);
  return x.length > 0 ? ` (${x.join(', ')})` : '';
}

/** One node and everything below it; a node already printed is referred to, not printed again. */
function nodeLines(chain: CompiledChain, key: string, indent: string, seen: Set<string>): string[] {
  const node = chain.Nodes[key];
  if (!node) return [`${indent}${key} (missing)`];
  if (seen.has(key)) return [`${indent}${key} (shown above)`];
  seen.add(key);
  const lines: string[] = [];
  if (node.Type === 'router') {
    lines.push(`${indent}router ${node.Name}`);
    (node.Routes ?? []).forEach((r, i, all) => {
      const last = i === all.length - 1 ? ' (default route)' : '';
      lines.push(`${indent}  route ${i + 1}${last}: ${routeMatchText(r.Definition)}${routeExtras(r.Definition)}`);
      lines.push(...nodeLines(chain, r.NextNode, `${indent}    `, seen));
    });
  } else if (node.Type === 'splitter') {
    lines.push(`${indent}splitter ${node.Name}`);
    for (const sp of node.Splits ?? []) {
      lines.push(`${indent}  ${sp.Weight ?? 0}%`);
      lines.push(...nodeLines(chain, sp.NextNode, `${indent}    `, seen));
    }
  } else {
    const r = node.Resolver;
    const extras = [`connect timeout ${r?.ConnectTimeout ?? ''}`];
    if (r?.RequestTimeout) extras.push(`request timeout ${r.RequestTimeout / 1e6}ms`);
    if (r?.Default) extras.push('default resolver');
    lines.push(`${indent}resolver ${node.Name} (${extras.join(', ')})`);
    lines.push(...targetLines(chain, `${indent}  `, undefined, node));
  }
  return lines;
}

/**
 * Human-readable tree of a compiled chain: start node, then each router's routes (match, destination settings) and
 * each splitter's weights down to the resolvers, with their timeouts and targets, primary then failover.
 */
export function renderChainText(chain: CompiledChain): string {
  const lines = [
    `chain ${chain.ServiceName} (namespace ${chain.Namespace}, partition ${chain.Partition}) compiled in ${chain.Datacenter}`,
    `  protocol ${chain.Protocol}${chain.Default ? ', default chain' : ''}${chain.CustomizationHash ? `, customized (${chain.CustomizationHash})` : ''}`,
    `  start ${chain.StartNode}`,
    ...nodeLines(chain, chain.StartNode, '  ', new Set()),
  ];
  return `${lines.join('\n')}\n`;
}

/** What a leg does to the request on its way (destination settings of the route, headers of the split). */
function legDetails(leg: ChainLeg): string {
  const d = leg.route?.definition.Destination;
  const out: string[] = [];
  if (d?.PrefixRewrite) out.push(`prefix rewritten to ${d.PrefixRewrite}`);
  if (d?.RequestTimeout) out.push(`request timeout ${d.RequestTimeout}`);
  if (d?.NumRetries) out.push(`${d.NumRetries} retries`);
  const split = leg.split?.definition;
  for (const [where, h] of [
    ['request', d?.RequestHeaders ?? split?.RequestHeaders],
    ['response', d?.ResponseHeaders ?? split?.ResponseHeaders],
  ] as const) {
    if (!h) continue;
    const parts = [
      ...Object.entries(h.Add ?? {}).map(([k, v]) => `+${k}: ${v}`),
      ...Object.entries(h.Set ?? {}).map(([k, v]) => `${k}: ${v}`),
      ...(h.Remove ?? []).map((k) => `-${k}`),
    ];
    if (parts.length) out.push(`${where} headers ${parts.join(', ')}`);
  }
  return out.length ? ` — ${out.join('; ')}` : '';
}

/** The legs of a routing/splitting chain: each route (in order) or split (with its weight) and its targets. */
function legLines(
  chain: CompiledChain,
  indent: string,
  callerDc?: string,
  legs: readonly ChainLeg[] = chainLegs(chain),
  peerLegs?: PeerLegs,
): string[] {
  const lines: string[] = [];
  for (const leg of legs) {
    lines.push(`${indent}${leg.label} → ${leg.resolver.replace(/^resolver:/, '')}${legDetails(leg)}`);
    lines.push(...targetLines(chain, `${indent}    `, callerDc, chain.Nodes[leg.resolver], peerLegs));
  }
  return lines;
}

/** Which route takes `req`, why each earlier one does not, and where it goes from there. */
export function renderRequestText(
  chain: CompiledChain,
  req: HttpRequest,
  callerDc?: string,
  peerLegs?: PeerLegs,
): string {
  const d = routeRequest(chain, req);
  const lines = [`request ${req.method.toUpperCase()} ${req.path}${headerText(req)}:`];
  const start = chain.Nodes[chain.StartNode];
  if (start?.Type !== 'router') lines.push(`  no router: every request takes the same way`);
  for (const v of d.verdicts) lines.push(`  route ${v.index + 1}: ${v.matches ? 'TAKEN' : 'no'} — ${v.why}`);
  if (start?.Type === 'router' && d.route === undefined)
    lines.push('  no route matches (Consul always appends a catch-all: this should not happen)');
  const weighted = d.legs.some((l) => l.split);
  if (weighted) lines.push(`  then split by weight:`);
  lines.push(...legLines(chain, weighted ? '    ' : '  ', callerDc, d.legs, peerLegs));
  return `${lines.join('\n')}\n`;
}

function headerText(req: HttpRequest): string {
  const h = Object.entries(req.headers ?? {});
  return h.length ? ` with ${h.map(([k, v]) => `${k}: ${v}`).join(', ')}` : '';
}

function layerLine(layer: ModeLayer, index: number, winner: number, cwd: string | undefined): string {
  const value = layer.mode ?? '-';
  const fallback = layer.kind === 'builtin-default';
  const status = index === winner ? 'WINS' : layer.mode !== undefined && index > winner && !fallback ? 'shadowed' : '';
  const file = layer.span && cwd && isAbsolute(layer.span.file) ? relative(cwd, layer.span.file) : layer.span?.file;
  const where = layer.span ? `${file}:${layer.span.line}` : (layer.path ?? '');
  return `  ${String(index + 1).padStart(2)}. ${layer.kind.padEnd(29)} ${value.padEnd(7)} ${status.padEnd(8)} ${layer.note ?? ''}${where ? `  [${where}]` : ''}`;
}

/**
 * The precedence ladder of one upstream (each layer's value, the winner, the shadowed ones) and its targets.
 * Source files are shown relative to `cwd` when given.
 */
export function renderExplainText(u: CompiledUpstream, cwd?: string, peerLegs?: PeerLegs): string {
  const ladder = u.mode.ladder;
  const winner = ladder.findIndex((l) => l.kind === u.mode.from);
  const lines = [
    `upstream ${u.destination} of ${u.service} in ${u.datacenter} (${u.path})`,
    `mesh gateway mode: ${u.mode.mode} (decided by ${u.mode.from})`,
    '',
    'precedence, highest first:',
    ...ladder.map((l, i) => layerLine(l, i, winner, cwd)),
    '',
  ];
  if (u.chain && hasL7(u.chain)) {
    const router = u.chain.Nodes[u.chain.StartNode]?.Type === 'router';
    lines.push(
      `${router ? 'routes, first match wins' : 'splits'} (chain compiled in ${u.targetDatacenter}, protocol ${u.chain.Protocol}):`,
    );
    lines.push(...legLines(u.chain, '  ', u.datacenter, undefined, peerLegs));
  } else if (u.chain) {
    lines.push(`targets (chain compiled in ${u.targetDatacenter}, protocol ${u.chain.Protocol}):`);
    lines.push(...targetLines(u.chain, '  ', u.datacenter, undefined, peerLegs));
  } else if (u.error) {
    lines.push('no targets: Consul refuses this chain:');
    lines.push(`  ${u.error.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * An upstream to a peer's service (`destination_peer`): Consul compiles no chain for it, so its mode comes from its
 * own ladder (`peerUpstreamLadder`) and its one target from `reach` (the SNI the exporter assigns, the path through
 * the gateways, what stops it).
 */
export function renderPeerUpstreamText(
  r: UpstreamReach,
  mode: { readonly mode: string; readonly from: ModeLayerKind; readonly layers: readonly ModeLayer[] },
  cwd?: string,
): string {
  const t = r.targets[0];
  const peer = r.targetDatacenter.replace(/^peer:/, '');
  const winner = mode.layers.findIndex((l) => l.kind === mode.from);
  const lines = [
    `upstream ${r.destination} of ${r.service} in ${r.datacenter} from peer ${peer} (destination_peer) (${r.path})`,
    `mesh gateway mode: ${mode.mode} (decided by ${mode.from})`,
    '',
    'precedence, highest first:',
    ...mode.layers.map((l, i) => layerLine(l, i, winner, cwd)),
    '',
    `target (no discovery chain: Consul compiles none for an upstream with a peer; the sidecar dials the imported service):`,
  ];
  if (t) {
    lines.push(`  primary  ${t.targetId}`, `           peer ${peer}, mesh gateway ${t.mode}`);
    lines.push(...peerLegLines(t, '           ', false));
  }
  return `${lines.join('\n')}\n`;
}
