/**
 * Failover that can never trigger: a service-resolver whose Failover (Datacenters or Targets) names the very target
 * the chain resolves to first. Consul's compiler silently drops such a target ("don't fail over to yourself"), so the
 * compiled chain no longer shows it; this pass reads the raw entry for every datacenter an upstream compiles the chain in.
 */
import { FailoverNeverTriggers } from '../../diagnostics/codes/reachability.ts';
import { type Diagnostic, diag, type PassResult } from '../../diagnostics/diagnostic.ts';
import type { ServiceResolverEntry } from '../../model/entries.ts';
import type { EntryDecl, MeshModel, SourceSpan } from '../../model/types.ts';
import { ServiceMap } from '../service-map.ts';
import type { CompiledUpstream } from '../types.ts';

function fieldSpan(d: EntryDecl, ...pointers: string[]): SourceSpan | undefined {
  for (const p of pointers) {
    const s = d.fieldSpans?.[p];
    if (s) return s;
  }
  return d.span;
}

/** Checks every resolver's failover against the datacenters its service's upstreams compile in. */
export function checkFailover(model: MeshModel, upstreams: readonly CompiledUpstream[]): PassResult<void> {
  const resolvers = new ServiceMap<EntryDecl>();
  let any = false;
  for (const d of model.entries) {
    if (d.entry.Kind !== 'service-resolver') continue;
    if (resolvers.get(d.entry.Name, d.entry.Namespace, d.entry.Partition)) continue;
    resolvers.set(d.entry.Name, d.entry.Namespace, d.entry.Partition, d);
    any = true;
  }
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<string>();
  if (!any) return { value: undefined, diagnostics };
  // What a resolver reports depends on the datacenter its chain resolves in only, and each finding is reported once
  // (at the first upstream that shows it): each (resolver, datacenter) is checked once, however many upstreams share it.
  const checked = new Map<EntryDecl, string[]>();
  for (const u of upstreams) {
    const decl = resolvers.get(u.destination);
    if (!decl) continue;
    const r = decl.entry as ServiceResolverEntry;
    if (r.Redirect) continue;
    const primaryDc = u.targetDatacenter;
    const dcs = checked.get(decl);
    if (dcs?.includes(primaryDc)) continue;
    if (dcs) dcs.push(primaryDc);
    else checked.set(decl, [primaryDc]);
    for (const key of Object.keys(r.Failover ?? {}).sort()) {
      const f = r.Failover?.[key];
      if (!f) continue;
      // Only a failover of the default subset applies to the default target.
      if (key !== '*' && key !== (r.DefaultSubset ?? '')) continue;
      const service = f.Service ?? r.Name;
      const subsetSame = (f.ServiceSubset ?? '') === (key === '*' ? (r.DefaultSubset ?? '') : key);
      const hits: { dc: string; pointer: string }[] = [];
      if (f.Datacenters && f.Datacenters.length > 0) {
        f.Datacenters.forEach((dc, i) => {
          if (dc === primaryDc && service === r.Name && subsetSame && !f.Namespace)
            hits.push({ dc, pointer: `/Failover/${key}/Datacenters/${i}` });
        });
      } else if (f.Targets) {
        f.Targets.forEach((t, i) => {
          const same =
            !t.Peer &&
            (t.Service ?? r.Name) === r.Name &&
            (t.Datacenter ?? primaryDc) === primaryDc &&
            (t.ServiceSubset ?? '') === (key === '*' ? (r.DefaultSubset ?? '') : key) &&
            !t.Namespace &&
            !t.Partition;
          if (same) hits.push({ dc: primaryDc, pointer: `/Failover/${key}/Targets/${i}` });
        });
      }
      for (const h of hits) {
        const id = `${decl.path}|${key}|${h.dc}`;
        if (reported.has(id)) continue;
        reported.add(id);
        const span = fieldSpan(decl, h.pointer, h.pointer.replace(/\/\d+$/, ''), `/Failover/${key}`);
        diagnostics.push(
          diag(
            FailoverNeverTriggers,
            {
              path: decl.path,
              ...(span ? { span } : {}),
              related: [
                {
                  path: u.path,
                  ...(u.span ? { span: u.span } : {}),
                  message: `upstream ${u.service} → ${u.destination} resolves to '${primaryDc}' first`,
                },
              ],
            },
            { resolver: r.Name, dc: h.dc, service },
          ),
        );
      }
    }
  }
  return { value: undefined, diagnostics };
}
