/**
 * Which route of a compiled chain's router takes a given HTTP request, and why each earlier route does not — the way
 * Envoy evaluates the routes Consul generates from a service-router: in order, first match wins, every criterion of a
 * route must hold; paths compare case-sensitively (exact, prefix, or a regex matching the whole path), header names
 * case-insensitively, a header criterion with `Invert` holds when its test fails, and query parameters compare their
 * first value. Pure; used by `meshcc explain --request`.
 */
import type { ServiceRoute } from '../model/entries.ts';
import { type ChainLeg, chainLegs } from './chain-legs.ts';
import type { CompiledChain } from './types.ts';

/** A request to route: method, path (query string allowed) and headers. */
export interface HttpRequest {
  readonly method: string;
  /** Path with an optional `?query`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteVerdict {
  /** 0-based route index. */
  readonly index: number;
  readonly matches: boolean;
  /** The first criterion that fails, or `matches <criteria>` when it holds. */
  readonly why: string;
}

export interface RouteDecision {
  /** One verdict per route evaluated, up to and including the one taken. */
  readonly verdicts: readonly RouteVerdict[];
  /** The legs the request may take after the route (one, or one per split with its weight). */
  readonly legs: readonly ChainLeg[];
  /** The route taken (undefined when the chain has no router: every request takes the same legs). */
  readonly route?: number;
}

/** A regex as Envoy's RE2 `safe_regex` uses it: it must match the whole value. */
function fullMatch(re: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${re})$`).test(value);
  } catch {
    return false;
  }
}

function splitPath(path: string): { path: string; query: Map<string, string> } {
  const q = path.indexOf('?');
  const query = new Map<string, string>();
  if (q < 0) return { path, query };
  for (const part of path.slice(q + 1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    if (!query.has(k)) query.set(k, v);
  }
  return { path: path.slice(0, q), query };
}

/** Why `route` does not take `req` (undefined when it does). */
export function routeMismatch(route: ServiceRoute, req: HttpRequest): string | undefined {
  const http = route.Match?.HTTP;
  if (!http) return undefined;
  const { path, query } = splitPath(req.path);
  if (http.PathExact && path !== http.PathExact) return `path ${path} is not ${http.PathExact}`;
  if (http.PathPrefix && !path.startsWith(http.PathPrefix))
    return `path ${path} does not start with ${http.PathPrefix}`;
  if (http.PathRegex && !fullMatch(http.PathRegex, path)) return `path ${path} does not match /${http.PathRegex}/`;
  const headers = new Map(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const h of http.Header ?? []) {
    const v = headers.get(h.Name.toLowerCase());
    let holds: boolean;
    let test: string;
    if (h.Present) [holds, test] = [v !== undefined, 'present'];
    else if (h.Exact) [holds, test] = [v === h.Exact, `= ${h.Exact}`];
    else if (h.Prefix) [holds, test] = [v?.startsWith(h.Prefix) ?? false, `starts with ${h.Prefix}`];
    else if (h.Suffix) [holds, test] = [v?.endsWith(h.Suffix) ?? false, `ends with ${h.Suffix}`];
    else if (h.Regex) [holds, test] = [v !== undefined && fullMatch(h.Regex, v), `matches /${h.Regex}/`];
    else [holds, test] = [true, ''];
    if (h.Invert) holds = !holds;
    if (!holds) {
      const got = v === undefined ? 'absent' : `'${v}'`;
      return `header ${h.Name} is ${got}, the route needs it ${h.Invert ? 'not ' : ''}${test}`;
    }
  }
  for (const p of http.QueryParam ?? []) {
    const v = query.get(p.Name);
    const holds = p.Present
      ? v !== undefined
      : p.Exact
        ? v === p.Exact
        : p.Regex
          ? v !== undefined && fullMatch(p.Regex, v)
          : true;
    if (!holds) {
      const test = p.Present ? 'present' : p.Exact ? `= ${p.Exact}` : `matches /${p.Regex}/`;
      return `query ${p.Name} is ${v === undefined ? 'absent' : `'${v}'`}, the route needs it ${test}`;
    }
  }
  if (http.Methods?.length && !http.Methods.includes(req.method.toUpperCase()))
    return `method ${req.method.toUpperCase()} is not ${http.Methods.join('|')}`;
  return undefined;
}

/** Routes `req` through the chain: the verdict of each route in order until one matches, and the legs it leads to. */
export function routeRequest(chain: CompiledChain, req: HttpRequest): RouteDecision {
  const legs = chainLegs(chain);
  const start = chain.Nodes[chain.StartNode];
  if (start?.Type !== 'router') return { verdicts: [], legs };
  const verdicts: RouteVerdict[] = [];
  const routes = start.Routes ?? [];
  for (let index = 0; index < routes.length; index++) {
    const route = routes[index];
    if (!route) continue;
    const why = routeMismatch(route.Definition, req);
    if (why === undefined) {
      const leg = legs.filter((l) => l.route?.index === index);
      const r = leg[0]?.route;
      const what = `${r?.match ?? 'any request'}${r?.isDefault ? ' (the catch-all Consul appends)' : ''}`;
      verdicts.push({ index, matches: true, why: `matches: ${what}` });
      return { verdicts, legs: leg, route: index };
    }
    verdicts.push({ index, matches: false, why });
  }
  return { verdicts, legs: [] };
}
