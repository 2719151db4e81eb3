/**
 * L7 entries Consul refuses on write. When a service-router or service-splitter is written, Consul compiles the
 * discovery chain of its service (`validateProposedConfigEntryInServiceGraph`), so two mistakes fail the write itself,
 * whether or not any upstream uses the chain yet:
 * - the service's protocol is not HTTP-like (`tcp`, the default): Consul's words are `discovery chain "web" uses a
 *   protocol "tcp" that does not permit advanced routing or splitting behavior` (compile.go);
 * - a route or split names a subset its destination's resolver does not define: `service "web" does not have a
 *   subset named "v3"` (compile.go, `getResolverNode`).
 * Both are reported at the entry (the route or split inside a raw file when its line is known), unless an upstream
 * whose chain Consul refuses with the same words already reports it (MC2002, at the caller). Pure.
 */
import { L7ProtocolNotHttp, L7SubsetUndefined } from '../../diagnostics/codes/resolution.ts';
import { type Diagnostic, diag, type PassResult } from '../../diagnostics/diagnostic.ts';
import type {
  ProxyDefaultsEntry,
  ServiceDefaultsEntry,
  ServiceResolverEntry,
  ServiceRouterEntry,
  ServiceSplitterEntry,
} from '../../model/entries.ts';
import type { EntryDecl, MeshModel, SourceSpan } from '../../model/types.ts';
import type { CompiledUpstream } from '../types.ts';
import { isHttpLike } from './compile-chains.ts';

const q = (s: string): string => JSON.stringify(s);

function spanAt(d: EntryDecl, pointers: readonly string[]): SourceSpan | undefined {
  for (const p of pointers) {
    const s = d.fieldSpans?.[p];
    if (s) return s;
  }
  return d.span;
}

/** The protocol Consul compiles a service's chain with: service-defaults, else proxy-defaults `Config.protocol`, else tcp. */
export function serviceProtocol(model: MeshModel, service: string): string {
  let fromDefaults: string | undefined;
  let global: string | undefined;
  for (const d of model.entries) {
    if (d.entry.Kind === 'service-defaults' && d.entry.Name === service) {
      fromDefaults ??= (d.entry as ServiceDefaultsEntry).Protocol || undefined;
    } else if (d.entry.Kind === 'proxy-defaults') {
      const p = (d.entry as ProxyDefaultsEntry).Config?.protocol;
      if (typeof p === 'string' && p !== '') global ??= p;
    }
  }
  return (fromDefaults ?? global ?? 'tcp').toLowerCase();
}

/** Every route or split leg of an L7 entry: where it points, and the JSON pointer of its subset field. */
interface Leg {
  readonly where: string;
  readonly service: string;
  readonly subset: string | undefined;
  readonly pointer: string;
}

function legsOf(d: EntryDecl): Leg[] {
  const e = d.entry;
  if (e.Kind === 'service-router') {
    return ((e as ServiceRouterEntry).Routes ?? []).map((r, i) => ({
      where: `route ${i + 1}`,
      service: r.Destination?.Service || e.Name,
      subset: r.Destination?.ServiceSubset || undefined,
      pointer: `/Routes/${i}/Destination/ServiceSubset`,
    }));
  }
  if (e.Kind === 'service-splitter') {
    return ((e as ServiceSplitterEntry).Splits ?? []).map((s, i) => ({
      where: `split ${i + 1}, weight ${s.Weight}`,
      service: s.Service || e.Name,
      subset: s.ServiceSubset || undefined,
      pointer: `/Splits/${i}/ServiceSubset`,
    }));
  }
  return [];
}

/** Checks every router and splitter against the protocol of its service and the subsets of its destinations. */
export function checkL7(model: MeshModel, upstreams: readonly CompiledUpstream[] = []): PassResult<void> {
  const diagnostics: Diagnostic[] = [];
  const reportedAtCaller = new Set<string>();
  for (const u of upstreams) if (u.error) reportedAtCaller.add(u.error.message);
  const resolvers = new Map<string, ServiceResolverEntry>();
  let any = false;
  for (const d of model.entries) {
    if (d.entry.Kind === 'service-resolver' && !resolvers.has(d.entry.Name))
      resolvers.set(d.entry.Name, d.entry as ServiceResolverEntry);
    if (d.entry.Kind === 'service-router' || d.entry.Kind === 'service-splitter') any = true;
  }
  if (!any) return { value: undefined, diagnostics };
  for (const d of model.entries) {
    const { Kind: kind, Name: name } = d.entry;
    if (kind !== 'service-router' && kind !== 'service-splitter') continue;
    const protocol = serviceProtocol(model, name);
    if (!isHttpLike(protocol)) {
      const consul = `discovery chain ${q(name)} uses a protocol ${q(protocol)} that does not permit advanced routing or splitting behavior`;
      if (reportedAtCaller.has(consul)) continue;
      diagnostics.push(
        diag(
          L7ProtocolNotHttp,
          { path: d.path, ...(d.span ? { span: d.span } : {}) },
          {
            kind,
            name,
            protocol,
            consul,
          },
        ),
      );
      continue;
    }
    for (const leg of legsOf(d)) {
      if (leg.subset === undefined) continue;
      const resolver = resolvers.get(leg.service);
      // A redirecting resolver sends the subset elsewhere: the chain compile decides (MC2002).
      if (resolver?.Redirect) continue;
      if (resolver?.Subsets && Object.hasOwn(resolver.Subsets, leg.subset)) continue;
      const consul = `service ${q(leg.service)} does not have a subset named ${q(leg.subset)}`;
      if (reportedAtCaller.has(consul)) continue;
      const span = spanAt(d, [leg.pointer]);
      diagnostics.push(
        diag(
          L7SubsetUndefined,
          { path: d.path, ...(span ? { span } : {}) },
          {
            kind,
            name,
            where: leg.where,
            service: leg.service,
            consul,
          },
        ),
      );
    }
  }
  return { value: undefined, diagnostics };
}
