/**
 * Loads the raw Consul config-entry files of an environment's `entries/` folder — `.hcl`, `.json`, `.yaml`/`.yml`
 * files as teams already keep them for `consul config write` — into `EntryDecl`s with origin `file`. Files are read in
 * name order so the result is deterministic. Other files (README.md, ...) are ignored; a missing folder is empty.
 *
 * A file that does not parse stops loading (`MeshccInputError`, MC1101, naming file and line). Entries that parse but
 * that Consul would reject are returned as diagnostics (MC1102–MC1109) next to the entries that decoded.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  EntryDuplicate,
  EntryFieldsKept,
  EntryFileUnparseable,
  EntryUnknownCluster,
  EntryValidationFailed,
} from '../../diagnostics/codes/entries.ts';
import { type Diagnostic, diag, MeshccInputError, type PassResult } from '../../diagnostics/diagnostic.ts';
import { copyWith } from '../../model/data-copy.ts';
import { entryKey } from '../../model/entries.ts';
import type { EntryDecl, SourceSpan } from '../../model/types.ts';
import { validateEntry } from '../../model/validate-entry.ts';
import { decodeConfigEntryWithSpans } from './decode-config-entry.ts';
import { keptFields } from './kept-fields.ts';
import { pointersForMessage } from './message-pointer.ts';
import { formatOf, parseEntryFile } from './parse-file.ts';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (formatOf(name) !== undefined) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The one MC1130 (info) for a set of loaded entries: which kinds and fields meshcc keeps without analyzing
 * (`ingress-gateway` for a kind kept whole, `service-defaults.MutualTLSMode` for a field), or nothing.
 */
export function keptFieldsReport(decls: readonly EntryDecl[], at: { readonly path: string }): Diagnostic[] {
  const fields = new Set<string>();
  let count = 0;
  for (const d of decls) {
    const kept = keptFields(d.entry);
    if (kept.length === 0) continue;
    count++;
    for (const f of kept) fields.add(f === '*' ? d.entry.Kind : `${d.entry.Kind}.${f}`);
  }
  if (count === 0) return [];
  return [diag(EntryFieldsKept, { path: at.path }, { count, fields: [...fields].sort().join(', ') })];
}

/** Parses, decodes and validates the entries of one file's text. `file` is the name shown to the user. */
export async function loadEntriesText(file: string, text: string): Promise<PassResult<EntryDecl[]>> {
  const r = await loadFileEntries(file, text);
  return { value: r.value, diagnostics: [...r.diagnostics, ...keptFieldsReport(r.value, { path: `entries/${file}` })] };
}

async function loadFileEntries(file: string, text: string): Promise<PassResult<EntryDecl[]>> {
  const parsed = await parseEntryFile(file, text);
  if (!parsed.ok) {
    throw new MeshccInputError([
      diag(
        EntryFileUnparseable,
        { path: `entries/${file}`, span: { file, line: parsed.line, column: 1 } },
        { file, line: parsed.line, format: parsed.format, error: parsed.error },
      ),
    ]);
  }
  const value: EntryDecl[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const doc of parsed.docs) {
    const r = decodeConfigEntryWithSpans(doc.raw, { file, text, line: doc.line });
    diagnostics.push(...r.diagnostics);
    if (r.value === undefined) continue;
    const { entry, span, fieldSpans } = r.value;
    const path = `entries/${file}#${entry.Kind}/${entry.Name}`;
    for (const message of validateEntry(entry)) {
      const ptr = pointersForMessage(message).find((p) => fieldSpans[p] !== undefined);
      const at = (ptr !== undefined ? fieldSpans[ptr] : undefined) ?? span;
      diagnostics.push(
        diag(
          EntryValidationFailed,
          { path, span: at },
          { entry: entryKey(entry), file, line: at.line, consul: message },
        ),
      );
    }
    value.push({ path, span, entry, origin: 'file', fieldSpans });
  }
  return { value, diagnostics };
}

export interface LoadEntriesOptions {
  /**
   * The clusters of a peered mesh. With clusters, a folder directly under `dir` names the cluster its entries are
   * written to (`entries/<cluster>/...`; files directly in `dir` go to every cluster), and a folder naming no cluster
   * is MC1110 (its entries are not loaded). Without, folders only organise files.
   */
  readonly clusters?: readonly string[];
}

/** The cluster folder of a file (`east/x.hcl` → `east`), when clusters scope entries and the file is in a folder. */
function scopeOf(file: string, clusters: readonly string[] | undefined): string | undefined {
  if (!clusters || clusters.length === 0) return undefined;
  const slash = file.indexOf('/');
  return slash > 0 ? file.slice(0, slash) : undefined;
}

/** Reads every config-entry file under `dir` (recursively, in name order). */
export async function loadEntriesDir(dir: string, opts: LoadEntriesOptions = {}): Promise<PassResult<EntryDecl[]>> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { value: [], diagnostics: [] };
  const value: EntryDecl[] = [];
  const diagnostics: Diagnostic[] = [];
  const failures: Diagnostic[] = [];
  // By Kind/Name: the declarations so far with their cluster (undefined: every cluster). Two collide when they go to
  // a cluster in common.
  const seen = new Map<string, EntryDecl[]>();
  const unknown = new Set<string>();
  for (const p of listFiles(dir)) {
    const file = relative(dir, p).split(sep).join('/');
    const scope = scopeOf(file, opts.clusters);
    if (scope !== undefined && !opts.clusters!.includes(scope)) {
      if (!unknown.has(scope))
        diagnostics.push(
          diag(
            EntryUnknownCluster,
            { path: `entries/${scope}`, span: { file, line: 1, column: 1 } },
            { dir: scope, clusters: opts.clusters!.join(', ') },
          ),
        );
      unknown.add(scope);
      continue;
    }
    try {
      const r = await loadFileEntries(file, readFileSync(p, 'utf8'));
      diagnostics.push(...r.diagnostics);
      for (const loaded of r.value) {
        const d: EntryDecl = scope !== undefined ? copyWith(loaded, 'cluster', scope) : loaded;
        const key = entryKey(d.entry);
        const prev = (seen.get(key) ?? []).find(
          (x) => x.cluster === undefined || d.cluster === undefined || x.cluster === d.cluster,
        );
        if (prev !== undefined) {
          diagnostics.push(
            diag(
              EntryDuplicate,
              {
                path: d.path,
                ...(d.span ? { span: d.span } : {}),
                related: [
                  { path: prev.path, ...(prev.span ? { span: prev.span } : {}), message: 'first declared here' },
                ],
              },
              { entry: key, first: prev.span ? `${prev.span.file}:${prev.span.line}` : prev.path },
            ),
          );
          continue;
        }
        seen.set(key, [...(seen.get(key) ?? []), d]);
        value.push(d);
      }
    } catch (e) {
      if (e instanceof MeshccInputError) failures.push(...e.diagnostics);
      else throw e;
    }
  }
  const at = (span: SourceSpan): SourceSpan => ({ ...span, file: join(dir, span.file) });
  if (failures.length > 0) throw new MeshccInputError(failures.map((d) => rebaseDiagnostic(d, at)));
  diagnostics.push(...keptFieldsReport(value, { path: 'entries' }));
  return { value: value.map((d) => rebaseDecl(d, at)), diagnostics: diagnostics.map((d) => rebaseDiagnostic(d, at)) };
}

/*
 * Spans are produced with the file's name inside `entries/` (what messages show); the returned source locations name
 * the real file, so the CLI prints them relative to the working directory and GitHub annotations point at them.
 */
function rebaseDecl(d: EntryDecl, at: (s: SourceSpan) => SourceSpan): EntryDecl {
  return {
    ...d,
    ...(d.span ? { span: at(d.span) } : {}),
    ...(d.fieldSpans
      ? { fieldSpans: Object.fromEntries(Object.entries(d.fieldSpans).map(([k, v]) => [k, at(v)])) }
      : {}),
  };
}

function rebaseDiagnostic(d: Diagnostic, at: (s: SourceSpan) => SourceSpan): Diagnostic {
  return {
    ...d,
    ...(d.span ? { span: at(d.span) } : {}),
    ...(d.related ? { related: d.related.map((r) => ({ ...r, ...(r.span ? { span: at(r.span) } : {}) })) } : {}),
  };
}
