/**
 * A `service-router` config entry: L7 routes of one HTTP service. The first route whose match holds takes the request;
 * a request no route matches goes to the service itself (Consul appends that catch-all route when it compiles the
 * chain). The service's protocol must be `http`, `http2` or `grpc` (checked by the validation passes, where the
 * protocol of every construct and file is known).
 */
import type { RouteDestination, ServiceRoute, ServiceRouterEntry } from '../model/entries.ts';
import { validateEntry } from '../model/validate-entry.ts';
import { type HeaderModifiers, lowerHeaderModifiers } from './http-headers.ts';
import { canonicalDuration, MeshConstruct } from './internal/base.ts';
import type { ServiceRef } from './internal/service-ref.ts';
import type { Mesh } from './mesh.ts';

/** A header criterion: exactly one of `present`, `exact`, `prefix`, `suffix`, `regex` (Consul's rule). */
export interface HeaderMatch {
  readonly name: string;
  readonly present?: boolean;
  readonly exact?: string;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly regex?: string;
  /** Matches when the criterion does not hold. */
  readonly invert?: boolean;
}

/** A query-parameter criterion: exactly one of `present`, `exact`, `regex`. */
export interface QueryParamMatch {
  readonly name: string;
  readonly present?: boolean;
  readonly exact?: string;
  readonly regex?: string;
}

/** What a request must look like to take a route; every criterion given must hold. */
export interface RouteMatch {
  /** At most one of `pathExact`, `pathPrefix`, `pathRegex`. */
  readonly pathExact?: string;
  readonly pathPrefix?: string;
  readonly pathRegex?: string;
  readonly header?: readonly HeaderMatch[];
  readonly queryParam?: readonly QueryParamMatch[];
  /** HTTP methods, e.g. `['GET', 'HEAD']` (upper-cased as Consul does). */
  readonly methods?: readonly string[];
}

/** Where a matching request goes. Every field is optional: empty means the router's own service. */
export interface RouteDestinationProps {
  /** Another service (a `Service` construct or its name). */
  readonly service?: ServiceRef | string;
  /** A subset defined by the destination's service-resolver. */
  readonly serviceSubset?: string;
  readonly namespace?: string;
  readonly partition?: string;
  /** Replaces the matched `pathExact`/`pathPrefix` before the request is sent on. */
  readonly prefixRewrite?: string;
  /** Total time for the request, retries included, e.g. `10s`. */
  readonly requestTimeout?: string;
  readonly idleTimeout?: string;
  readonly numRetries?: number;
  readonly retryOnConnectFailure?: boolean;
  /** Envoy retry conditions, e.g. `['5xx', 'reset']`. */
  readonly retryOn?: readonly string[];
  readonly retryOnStatusCodes?: readonly number[];
  readonly requestHeaders?: HeaderModifiers;
  readonly responseHeaders?: HeaderModifiers;
}

/** One route: a match (none matches every request) and a destination. */
export interface RouteProps {
  readonly match?: RouteMatch;
  readonly destination?: RouteDestinationProps;
}

/** Properties for {@link ServiceRouter}. */
export interface ServiceRouterProps {
  /** Routes in order; more can be added with {@link ServiceRouter.addRoute}. */
  readonly routes?: readonly RouteProps[];
  /** Extra `Meta` keys. */
  readonly meta?: Readonly<Record<string, string>>;
}

const serviceName = (s: ServiceRef | string): string => (typeof s === 'string' ? s : s.name);

function lowerDestination(d: RouteDestinationProps): RouteDestination {
  const req = lowerHeaderModifiers(d.requestHeaders);
  const res = lowerHeaderModifiers(d.responseHeaders);
  return {
    ...(d.service !== undefined ? { Service: serviceName(d.service) } : {}),
    ...(d.serviceSubset ? { ServiceSubset: d.serviceSubset } : {}),
    ...(d.namespace ? { Namespace: d.namespace } : {}),
    ...(d.partition ? { Partition: d.partition } : {}),
    ...(d.prefixRewrite ? { PrefixRewrite: d.prefixRewrite } : {}),
    ...(d.requestTimeout ? { RequestTimeout: canonicalDuration(d.requestTimeout) } : {}),
    ...(d.idleTimeout ? { IdleTimeout: canonicalDuration(d.idleTimeout) } : {}),
    ...(d.numRetries ? { NumRetries: d.numRetries } : {}),
    ...(d.retryOnConnectFailure ? { RetryOnConnectFailure: true } : {}),
    ...(d.retryOn?.length ? { RetryOn: [...d.retryOn] } : {}),
    ...(d.retryOnStatusCodes?.length ? { RetryOnStatusCodes: [...d.retryOnStatusCodes] } : {}),
    ...(req ? { RequestHeaders: req } : {}),
    ...(res ? { ResponseHeaders: res } : {}),
  };
}

/** One route in Consul's shape (methods upper-cased, as Consul's `Normalize` does). */
export function lowerRoute(r: RouteProps): ServiceRoute {
  const m = r.match;
  const http = m
    ? {
        ...(m.pathExact ? { PathExact: m.pathExact } : {}),
        ...(m.pathPrefix ? { PathPrefix: m.pathPrefix } : {}),
        ...(m.pathRegex ? { PathRegex: m.pathRegex } : {}),
        ...(m.header?.length
          ? {
              Header: m.header.map((h) => ({
                Name: h.name,
                ...(h.present ? { Present: true } : {}),
                ...(h.exact ? { Exact: h.exact } : {}),
                ...(h.prefix ? { Prefix: h.prefix } : {}),
                ...(h.suffix ? { Suffix: h.suffix } : {}),
                ...(h.regex ? { Regex: h.regex } : {}),
                ...(h.invert ? { Invert: true } : {}),
              })),
            }
          : {}),
        ...(m.queryParam?.length
          ? {
              QueryParam: m.queryParam.map((p) => ({
                Name: p.name,
                ...(p.present ? { Present: true } : {}),
                ...(p.exact ? { Exact: p.exact } : {}),
                ...(p.regex ? { Regex: p.regex } : {}),
              })),
            }
          : {}),
        ...(m.methods?.length ? { Methods: m.methods.map((x) => x.toUpperCase()) } : {}),
      }
    : undefined;
  const destination = r.destination ? lowerDestination(r.destination) : undefined;
  return {
    ...(http && Object.keys(http).length ? { Match: { HTTP: http } } : {}),
    ...(destination && Object.keys(destination).length ? { Destination: destination } : {}),
  };
}

export class ServiceRouter extends MeshConstruct {
  readonly serviceName: string;
  private readonly routes: RouteProps[] = [];

  constructor(
    scope: Mesh,
    service: ServiceRef | string,
    readonly props: ServiceRouterProps = {},
  ) {
    const name = serviceName(service);
    super(scope, `service-router-${name}`);
    this.serviceName = name;
    this.checkName('service', name);
    for (const r of props.routes ?? []) this.addRoute(r);
  }

  /** Appends a route (routes are tried in order; the first match wins). */
  addRoute(route: RouteProps): this {
    const i = this.routes.length;
    const d = route.destination;
    if (d) {
      if (d.service !== undefined) this.checkName(`routes[${i}].destination.service`, serviceName(d.service));
      if (d.serviceSubset !== undefined) this.checkName(`routes[${i}].destination.serviceSubset`, d.serviceSubset);
      this.checkDuration(`routes[${i}].destination.requestTimeout`, d.requestTimeout);
      this.checkDuration(`routes[${i}].destination.idleTimeout`, d.idleTimeout);
      if (
        d.numRetries !== undefined &&
        (!Number.isInteger(d.numRetries) || d.numRetries < 0 || d.numRetries > 2 ** 32 - 1)
      )
        this.fail(`routes[${i}].destination.numRetries`, 'must be a whole number >= 0', d.numRetries);
    }
    // Consul's own rules, on this route alone (numbered as Consul numbers it in the whole entry).
    const single: ServiceRouterEntry = {
      Kind: 'service-router',
      Name: this.serviceName,
      Routes: [...this.routes.map(() => ({})), lowerRoute(route)],
    };
    this.checkConsul(`routes[${i}]`, validateEntry(single)[0], route);
    this.routes.push(route);
    return this;
  }

  /** @internal Lowers to the Consul entry. */
  _toEntry(): ServiceRouterEntry {
    return {
      Kind: 'service-router',
      Name: this.serviceName,
      ...(this.routes.length ? { Routes: this.routes.map(lowerRoute) } : {}),
      ...(this.props.meta ? { Meta: { ...this.props.meta } } : {}),
    };
  }
}
