/**
 * Entry graph check: what `meshcc apply` would meet when it writes the entries, and where they point.
 *
 * 1. MC2005: the entries are written to a simulated Consul in apply order (proxy-defaults, service-defaults,
 *    resolvers, splitters, routers; declaration order within a kind) by `WriteSimulator`, which runs Consul's
 *    service-graph write check: every chain the entry changes is compiled (in `dc1`, as Consul does), and the write is
 *    refused with the compiler's message when one does not compile — e.g. `discovery chain "web" uses a protocol
 *    "tcp" that does not permit advanced routing or splitting behavior`, `detected circular reference: [...]`,
 *    `service "api" does not have a subset named "v3"`. Reported at the refused entry (file:line); the entry is then
 *    left out, as Consul would leave it out. Entries that fail Consul's own `Validate()` are reported where they are
 *    read (MC110x for entry files) and skipped here.
 * 2. MC2006: a resolver's `Redirect.Datacenter`, `Failover[*].Datacenters` or `Failover[*].Targets[].Datacenter`
 *    naming a datacenter the mesh does not declare.
 */
import { EntryWriteRefused, UndeclaredDatacenter } from '../../diagnostics/codes/resolution.ts';
import { type Diagnostic, diag, type PassResult } from '../../diagnostics/diagnostic.ts';
import type { ConfigEntry, ServiceResolverEntry } from '../../model/entries.ts';
import type { EntryDecl, MeshModel, SourceSpan } from '../../model/types.ts';
import { validateEntry } from '../../model/validate-entry.ts';
import { AcceptanceProof, WriteSimulator } from '../write-check.ts';

const APPLY_ORDER = ['proxy-defaults', 'service-defaults', 'service-resolver', 'service-splitter', 'service-router'];

function at(d: EntryDecl, ...pointers: string[]): { path: string; span?: SourceSpan } {
  for (const p of pointers) {
    const s = d.fieldSpans?.[p];
    if (s) return { path: d.path, span: s };
  }
  return d.span ? { path: d.path, span: d.span } : { path: d.path };
}

function where(d: EntryDecl): string {
  return d.span ? `${d.span.file}:${d.span.line}` : d.path;
}

function label(d: EntryDecl): string {
  return `${d.entry.Kind} '${d.entry.Name}'`;
}

function checkDc(
  d: EntryDecl,
  declared: ReadonlySet<string>,
  known: string,
  out: Diagnostic[],
  dc: string | undefined,
  field: string,
  ...pointers: string[]
): void {
  if (dc && !declared.has(dc))
    out.push(diag(UndeclaredDatacenter, at(d, ...pointers), { entry: label(d), field, dc, known }));
}

/** Whether a resolver names a datacenter that is not declared (the usual answer, no: then nothing is built). */
function namesUndeclared(r: ServiceResolverEntry, declared: ReadonlySet<string>): boolean {
  const redirectDc = r.Redirect?.Datacenter;
  if (redirectDc && !declared.has(redirectDc)) return true;
  const failover = r.Failover;
  if (failover === undefined) return false;
  for (const key in failover) {
    if (!Object.hasOwn(failover, key)) continue;
    const f = failover[key];
    // Index loops over arrays, no `?? []` literal: this runs for every resolver with failover, once per compile
    // (anything else that is set is iterated as before, and throws as before when it cannot be).
    const dcs = f?.Datacenters;
    if (Array.isArray(dcs)) {
      for (let i = 0; i < dcs.length; i++) {
        const dc = dcs[i];
        if (dc && !declared.has(dc)) return true;
      }
    } else for (const dc of dcs ?? []) if (dc && !declared.has(dc)) return true;
    const targets = f?.Targets;
    if (Array.isArray(targets)) {
      for (let i = 0; i < targets.length; i++) {
        const dc = targets[i]!.Datacenter;
        if (dc && !declared.has(dc)) return true;
      }
    } else for (const t of targets ?? []) if (t.Datacenter && !declared.has(t.Datacenter)) return true;
  }
  return false;
}

function undeclared(d: EntryDecl, declared: ReadonlySet<string>, known: string, out: Diagnostic[]): void {
  const r = d.entry as ServiceResolverEntry;
  // The findings below, with their JSON pointers, are built only for a resolver that has one.
  if (!namesUndeclared(r, declared)) return;
  if (r.Redirect?.Datacenter)
    checkDc(d, declared, known, out, r.Redirect.Datacenter, 'Redirect.Datacenter', '/Redirect/Datacenter', '/Redirect');
  if (r.Failover === undefined) return;
  for (const key of Object.keys(r.Failover).sort()) {
    const f = r.Failover[key];
    const base = `/Failover/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    (f?.Datacenters ?? []).forEach((dc, i) => {
      checkDc(
        d,
        declared,
        known,
        out,
        dc,
        `Failover["${key}"].Datacenters`,
        `${base}/Datacenters/${i}`,
        `${base}/Datacenters`,
        base,
      );
    });
    (f?.Targets ?? []).forEach((t, i) => {
      checkDc(
        d,
        declared,
        known,
        out,
        t.Datacenter,
        `Failover["${key}"].Targets[${i}].Datacenter`,
        `${base}/Targets/${i}/Datacenter`,
        base,
      );
    });
  }
}

/** Simulates writing every entry to Consul, and checks resolver datacenters against the declared ones. */
export function checkEntryGraph(model: MeshModel): PassResult<void> {
  const diagnostics: Diagnostic[] = [];
  const declared = new Set(model.datacenters.map((d) => d.name));
  const known = [...declared].sort().join(', ') || 'none';
  // One walk over the entries in declaration order validates each entry of an applied kind (once: Consul's own
  // Validate() problems are reported where the entry is read, and such an entry is never stored; `invalid`, usually
  // empty, remembers them for the writes below), lists the resolvers (whose datacenters are checked in apply order,
  // which keeps declaration order within a kind) and adds every valid entry to the final store's proof
  // (`AcceptanceProof`: what `everyWriteAccepted` answers for the valid entries in apply order, added here in
  // declaration order: condition (1), kinds in apply order, holds for the apply order built below).
  // Index loops: this pass runs once per compile, mostly before V8 optimizes it, where `for of` allocates an
  // iterator result per element.
  const resolvers: EntryDecl[] = [];
  const invalid = new Set<ConfigEntry>();
  const proof = new AcceptanceProof();
  const entries = model.entries;
  for (let i = 0; i < entries.length; i++) {
    const d = entries[i]!;
    const e = d.entry;
    const kind = e.Kind;
    if (kind === 'service-intentions' || APPLY_ORDER.indexOf(kind) < 0) continue;
    if (kind === 'service-resolver') resolvers.push(d);
    if (validateEntry(e).length > 0) invalid.add(e);
    else proof.add(e);
  }
  // When every write is proven accepted (self-contained chains, e.g. every chain of the generated meshes), no write
  // is refused: only the datacenter findings are left, the resolvers' in apply order.
  if (proof.proven()) {
    if (declared.size === 0) return { value: undefined, diagnostics };
    for (let i = 0; i < resolvers.length; i++) undeclared(resolvers[i]!, declared, known, diagnostics);
    return { value: undefined, diagnostics };
  }
  // Apply order: each entry in its kind's list, declaration order within a kind.
  const byKind = APPLY_ORDER.map((): EntryDecl[] => []);
  for (let i = 0; i < entries.length; i++) {
    const d = entries[i]!;
    const k = APPLY_ORDER.indexOf(d.entry.Kind);
    if (k >= 0) byKind[k]!.push(d);
  }
  const sim = new WriteSimulator();
  for (let k = 0; k < byKind.length; k++) {
    const list = byKind[k]!;
    for (let i = 0; i < list.length; i++) {
      const d = list[i]!;
      if (d.entry.Kind === 'service-resolver' && declared.size > 0) undeclared(d, declared, known, diagnostics);
      if (invalid.has(d.entry)) continue;
      const message = sim.write(d.entry, true);
      if (message !== undefined) {
        diagnostics.push(diag(EntryWriteRefused, at(d), { entry: label(d), where: where(d), message }));
      }
    }
  }
  return { value: undefined, diagnostics };
}
