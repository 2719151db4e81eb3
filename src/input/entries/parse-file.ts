/**
 * Parses one config-entry file (`.hcl`, `.json`, `.yaml`/`.yml`) into raw documents. A syntax error becomes a
 * `ParseFailure` with the 1-based line and the parser's message, never an exception.
 */
import hcl from 'hcl2-json-parser';
import yaml from 'js-yaml';
import { lineOfKeys, lineOfOffset } from './source-lines.ts';

export type EntryFormat = 'HCL' | 'JSON' | 'YAML';

export interface RawDocument {
  readonly raw: unknown;
  /** 1-based line where the document starts (for multi-document YAML and JSON arrays). */
  readonly line: number;
}

export type ParseOutcome =
  | { readonly ok: true; readonly format: EntryFormat; readonly docs: readonly RawDocument[] }
  | { readonly ok: false; readonly format: EntryFormat; readonly line: number; readonly error: string };

/** The format for a file name, or undefined when the file is not a config-entry file (README.md, ...). */
export function formatOf(fileName: string): EntryFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.hcl')) return 'HCL';
  if (lower.endsWith('.json')) return 'JSON';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'YAML';
  return undefined;
}

/** Splits one parsed value into documents: a top-level list holds several entries. */
function documents(value: unknown, text: string): RawDocument[] {
  const lines = text.split('\n');
  if (!Array.isArray(value)) return [{ raw: value, line: firstContentLine(lines) }];
  let from = 1;
  return value.map((raw) => {
    const line = lineOfKeys(lines, [kindKey(raw)], from);
    from = line + 1;
    return { raw, line };
  });
}

function kindKey(raw: unknown): string {
  if (raw !== null && typeof raw === 'object' && 'kind' in raw && !('Kind' in raw)) return 'kind';
  return 'Kind';
}

function firstContentLine(lines: readonly string[]): number {
  const i = lines.findIndex((l) => l.trim() !== '' && !/^\s*(#|\/\/)/.test(l));
  return i < 0 ? 1 : i + 1;
}

/** `parse config: [:6,6-7: Missing newline after argument; An argument definition must end with a newline.]` */
function hclFailure(e: unknown): { line: number; error: string } {
  const msg = String(e instanceof Error ? e.message : e);
  const m = /:(\d+),(\d+)(?:-\d+)?: ([^;\]]+)(?:; ([^\]]*))?/.exec(msg);
  if (!m) return { line: 1, error: msg };
  const detail = m[4] ? ` (${m[4].trim()})` : '';
  return { line: Number(m[1]), error: `column ${m[2]}: ${(m[3] ?? '').trim()}${detail}` };
}

/** Parses `text` as the format of `fileName`. */
export async function parseEntryFile(fileName: string, text: string): Promise<ParseOutcome> {
  const format = formatOf(fileName) ?? 'JSON';
  if (format === 'HCL') {
    try {
      const json = await hcl.parseToString(text);
      return { ok: true, format, docs: documents(JSON.parse(json), text) };
    } catch (e) {
      return { ok: false, format, ...hclFailure(e) };
    }
  }
  if (format === 'JSON') {
    try {
      return { ok: true, format, docs: documents(JSON.parse(text), text) };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const lc = /\(line (\d+) column (\d+)\)/.exec(msg);
      const pos = /at position (\d+)/.exec(msg);
      const line = lc ? Number(lc[1]) : pos ? lineOfOffset(text, Number(pos[1])) : 1;
      return { ok: false, format, line, error: msg.replace(/\s*\(line \d+ column \d+\)/, '') };
    }
  }
  try {
    const docs: RawDocument[] = [];
    const lines = text.split('\n');
    const starts = [1];
    lines.forEach((l, i) => {
      if (/^---(\s|$)/.test(l)) starts.push(i + 2);
    });
    let n = 0;
    yaml.loadAll(text, (doc) => {
      const line = starts[n] ?? 1;
      n++;
      if (doc === null || doc === undefined) return;
      for (const d of documents(doc, lines.slice(line - 1).join('\n')))
        docs.push({ raw: d.raw, line: d.line + line - 1 });
    });
    return { ok: true, format, docs };
  } catch (e) {
    const err = e as { mark?: { line?: number }; reason?: string; message?: string };
    return { ok: false, format, line: (err.mark?.line ?? 0) + 1, error: err.reason ?? err.message ?? String(e) };
  }
}
