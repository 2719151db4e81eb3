/**
 * `meshcc explain <env> --service S --dc D --upstream U`: why an upstream gets its mesh-gateway mode (every layer of
 * the precedence ladder, the winner and the shadowed ones) and the targets it resolves to, primary then failover,
 * with their SNI names.
 */
import { compileMesh } from '../../compiler/compile-clusters.ts';
import { type PeerLegs, renderExplainText, renderPeerUpstreamText, renderRequestText } from '../../compiler/explain.ts';
import { peerUpstreamLadder } from '../../compiler/passes/check-peering.ts';
import type { UpstreamReach } from '../../compiler/reach.ts';
import { meshReachReport } from '../../compiler/reach-peered.ts';
import { type HttpRequest, routeRequest } from '../../compiler/route-match.ts';
import type { CompiledUpstream } from '../../compiler/types.ts';
import { MeshccInputError } from '../../diagnostics/diagnostic.ts';
import { stableJson } from '../../emit/artifact.ts';
import { loadEnvironment } from '../../input/load-environment.ts';
import { isPeeredMesh, splitClusters } from '../../model/clusters.ts';
import type { MeshModel } from '../../model/types.ts';
import { type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';

const usage = `Usage: meshcc explain <env> --service S --dc D --upstream U [--request 'GET /path?q=1'] [--header k=v]... [--json]

Explains the upstream U of service S's instance in datacenter D: the mesh-gateway mode precedence ladder as Consul
applies it (upstream, the caller's service-defaults UpstreamConfig.Overrides, the instance, UpstreamConfig.Defaults,
the caller's service-defaults, proxy-defaults, the destination's service-defaults, Consul's default), which layer won
and which were shadowed, then the resulting targets (primary, then failover) with datacenter, mode and SNI. When the
chain has a service-router or service-splitter, each route (in order, first match wins) and each split (with its
weight) is listed with its own targets. With --request, shows which route takes that request and why each earlier
route does not, then where it goes (split by weight when the route leads to a splitter).
In a peered mesh a target on a peer (failover or redirect to a Peer) shows the SNI the exporting cluster assigns and
its path through the gateways into the peer, reachable or why not; an upstream to a peer's service (peer /
destination_peer, no discovery chain) shows its own mode ladder and that path.

Options:
  --service S    the calling service (required)
  --dc D         datacenter of the calling instance (required)
  --upstream U   destination service of the upstream (required)
  --request R    an HTTP request to route: 'METHOD /path[?query]' (e.g. 'GET /v2/users?debug=1')
  --header k=v   a request header (repeatable)
  --json         print the decision and chain as JSON (with --request: the route verdicts too)
`;

/** Parses \`--request 'GET /path'\` and \`--header k=v\` flags. */
export function parseRequest(request: string, headers: readonly string[]): HttpRequest {
  const m = /^\s*([A-Za-z]+)\s+(\/\S*)\s*$/.exec(request);
  if (!m) throw new UsageError(`--request must look like 'GET /path', got '${request}'`);
  const h: Record<string, string> = {};
  for (const kv of headers) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--header must look like name=value, got '${kv}'`);
    h[kv.slice(0, eq).trim()] = kv.slice(eq + 1);
  }
  return { method: m[1]!.toUpperCase(), path: m[2]!, headers: h };
}

/** The compiled upstreams of service `service` in `dc` whose destination is `upstream`, in declaration order. */
export function explainUpstream(model: MeshModel, service: string, dc: string, upstream: string): CompiledUpstream[] {
  return compileMesh(model).upstreams.filter(
    (u) => u.service === service && u.datacenter === dc && u.destination === upstream,
  );
}

/** What a peered mesh adds to an explanation: upstreams that name a peer, and where chain peer targets lead. */
interface PeerExplanation {
  /** Upstreams to a peer's service (`destination_peer`): their reach report and mode ladder. */
  readonly peerUpstreams: { reach: UpstreamReach; mode: ReturnType<typeof peerUpstreamLadder> }[];
  /** Per chain upstream path: its peer targets as reach follows them. */
  readonly legs: ReadonlyMap<string, PeerLegs>;
}

function explainPeers(model: MeshModel, service: string, dc: string, upstream: string): PeerExplanation {
  if (!isPeeredMesh(model)) return { peerUpstreams: [], legs: new Map() };
  const compiled = compileMesh(model);
  const reports = meshReachReport(model, compiled.upstreams);
  const legs = new Map<string, PeerLegs>();
  for (const r of reports)
    if (r.service === service && r.datacenter === dc)
      legs.set(r.path, new Map(r.targets.filter((t) => t.datacenter.startsWith('peer:')).map((t) => [t.targetId, t])));
  const peerUpstreams = splitClusters(model).flatMap((cm) =>
    cm.peerUpstreams
      .filter(
        (pu) =>
          pu.instance.service === service && pu.instance.datacenter === dc && pu.upstream.destinationName === upstream,
      )
      .flatMap((pu) => {
        const reach = reports.find((r) => r.path === pu.upstream.path);
        return reach ? [{ reach, mode: peerUpstreamLadder(cm, pu) }] : [];
      }),
  );
  return { peerUpstreams, legs };
}

const explain: Command = {
  name: 'explain',
  summary: "explain an upstream's mesh-gateway mode (precedence ladder) and its targets",
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      service: { type: 'string' },
      dc: { type: 'string' },
      upstream: { type: 'string' },
      json: { type: 'boolean' },
      request: { type: 'string' },
      header: { type: 'string', multiple: true },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one environment');
    if (!values.service || !values.dc || !values.upstream) {
      throw new UsageError('--service, --dc and --upstream are required');
    }
    if (values.header?.length && !values.request) throw new UsageError('--header needs --request');
    const request = values.request ? parseRequest(values.request, values.header ?? []) : undefined;
    const loaded = await loadEnvironment(positionals[0]!, io.cwd);
    if (loaded.diagnostics.some((d) => d.severity === 'error' && !d.suppressed)) {
      throw new MeshccInputError(loaded.diagnostics);
    }
    const found = explainUpstream(loaded.model, values.service, values.dc, values.upstream);
    const peers = explainPeers(loaded.model, values.service, values.dc, values.upstream);
    if (found.length === 0 && peers.peerUpstreams.length === 0) {
      io.stderr(
        `meshcc explain: ${values.service} in ${values.dc} has no upstream '${values.upstream}' in ${loaded.model.name}\n`,
      );
      return Exit.error;
    }
    if (values.json) {
      io.stdout(
        stableJson([
          ...found.map((u) => {
            const legs = [...(peers.legs.get(u.path)?.values() ?? [])];
            return {
              path: u.path,
              // Spelled out: the decision builds its ladder when read (a getter, which `stableJson` would skip).
              mode: { mode: u.mode.mode, from: u.mode.from, ladder: u.mode.ladder },
              chain: u.chain,
              error: u.error,
              ...(legs.length > 0 ? { peerTargets: legs } : {}),
              ...(request && u.chain ? { request: routeRequest(u.chain, request) } : {}),
            };
          }),
          ...peers.peerUpstreams.map((p) => ({
            path: p.reach.path,
            peer: p.reach.targetDatacenter.replace(/^peer:/, ''),
            mode: { mode: p.mode.mode, from: p.mode.from, ladder: p.mode.layers },
            target: p.reach.targets[0],
          })),
        ]),
      );
    } else {
      io.stdout(
        [
          ...found.map((u) =>
            request && u.chain
              ? renderRequestText(u.chain, request, u.datacenter, peers.legs.get(u.path))
              : renderExplainText(u, io.cwd, peers.legs.get(u.path)),
          ),
          ...peers.peerUpstreams.map((p) => renderPeerUpstreamText(p.reach, p.mode, io.cwd)),
        ].join('\n'),
      );
    }
    return Exit.ok;
  },
};

export default explain;
