/**
 * `meshcc explain <env> --service S --dc D --upstream U`: why an upstream gets its mesh-gateway mode (every layer of
 * the precedence ladder, the winner and the shadowed ones) and the targets it resolves to, primary then failover,
 * with their SNI names.
 */
import { compileMesh } from '../../compiler/compile-clusters.ts';
import { renderExplainText, renderRequestText } from '../../compiler/explain.ts';
import { type HttpRequest, routeRequest } from '../../compiler/route-match.ts';
import type { CompiledUpstream } from '../../compiler/types.ts';
import { MeshccInputError } from '../../diagnostics/diagnostic.ts';
import { stableJson } from '../../emit/artifact.ts';
import { loadEnvironment } from '../../input/load-environment.ts';
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
    if (found.length === 0) {
      io.stderr(
        `meshcc explain: ${values.service} in ${values.dc} has no upstream '${values.upstream}' in ${loaded.model.name}\n`,
      );
      return Exit.error;
    }
    if (values.json) {
      io.stdout(
        stableJson(
          found.map((u) => ({
            path: u.path,
            mode: u.mode,
            chain: u.chain,
            error: u.error,
            ...(request && u.chain ? { request: routeRequest(u.chain, request) } : {}),
          })),
        ),
      );
    } else {
      io.stdout(
        found
          .map((u) =>
            request && u.chain ? renderRequestText(u.chain, request, u.datacenter) : renderExplainText(u, io.cwd),
          )
          .join('\n'),
      );
    }
    return Exit.ok;
  },
};

export default explain;
