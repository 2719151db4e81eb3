/**
 * Decodes one raw config entry into meshcc's `ConfigEntry` (Consul's API shape) and reports, as MC11xx diagnostics,
 * everything Consul's `consul config write` decoder would reject — with Consul's own message, the file, the line and
 * the path of the field inside the entry. Then applies Consul's `Normalize()` (kind, lower-cased protocols, the
 * proxy-defaults name, the default intention source type).
 */

import {
  EntryFieldTypeInvalid,
  EntryKeyInvalid,
  EntryKindInvalid,
  EntryModeInvalid,
} from '../../diagnostics/codes/entries.ts';
import { type Diagnostic, diag, type PassResult } from '../../diagnostics/diagnostic.ts';
import { copyWith } from '../../model/data-copy.ts';
import type { ConfigEntry } from '../../model/entries.ts';
import type { SourceSpan } from '../../model/types.ts';
import { type DecodeIssue, decodeStructEntry } from './decode.ts';
import { CE_KINDS, CONSUL_KINDS, ENTRY_SCHEMAS } from './schema.ts';
import { lineOfKeys } from './source-lines.ts';

/** Where an entry came from: the file (as shown to the user), optionally its text and the line the entry starts on. */
export interface EntryOrigin {
  readonly file: string;
  readonly text?: string;
  readonly line?: number;
}

/** A decoded entry with the line of every field that was decoded, keyed by JSON pointer. */
export interface DecodedEntry {
  readonly entry: ConfigEntry;
  readonly span: SourceSpan;
  readonly fieldSpans: Readonly<Record<string, SourceSpan>>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function first(v: unknown): unknown {
  return Array.isArray(v) && v.length === 1 ? v[0] : v;
}

const ISSUE_DEFS = {
  'invalid-key': EntryKeyInvalid,
  'wrong-type': EntryFieldTypeInvalid,
  'invalid-mode': EntryModeInvalid,
} as const;

/** Consul's `Normalize()` for the fields meshcc models (the hash and enterprise meta aside). */
function normalize(kind: string, e: Record<string, unknown>): Record<string, unknown> {
  // `copyWith`, not `{ ...e, Kind }` / `{ ...s, Type }`: a spread that adds a key gives every copy a hidden class of
  // its own (model/data-copy.ts).
  const out: Record<string, unknown> = copyWith(e, 'Kind', kind);
  // Raft indexes and gateway/route Status conditions are Consul's, never part of what is written.
  delete out.CreateIndex;
  delete out.ModifyIndex;
  delete out.Status;
  // The mesh entry has no Name field; Consul names it `mesh` (structs.MeshConfigEntry.GetName).
  if (kind === 'mesh') out.Name = 'mesh';
  const dropEmptyGateway = (o: Record<string, unknown>): void => {
    if (isObject(o.MeshGateway) && Object.keys(o.MeshGateway).length === 0) delete o.MeshGateway;
  };
  dropEmptyGateway(out);
  if (kind === 'proxy-defaults' && (out.Name === undefined || out.Name === '')) out.Name = 'global';
  if (kind === 'service-defaults') {
    if (typeof out.Protocol === 'string') out.Protocol = out.Protocol.toLowerCase();
    const uc = out.UpstreamConfig;
    if (isObject(uc)) {
      const fix = (u: unknown): unknown => {
        if (!isObject(u)) return u;
        const c: Record<string, unknown> = { ...u };
        if (typeof c.Protocol === 'string') c.Protocol = c.Protocol.toLowerCase();
        if (typeof c.ConnectTimeoutMs === 'number' && c.ConnectTimeoutMs < 0) delete c.ConnectTimeoutMs;
        dropEmptyGateway(c);
        return c;
      };
      out.UpstreamConfig = {
        ...uc,
        ...(Array.isArray(uc.Overrides) ? { Overrides: uc.Overrides.map(fix) } : {}),
        ...(uc.Defaults !== undefined ? { Defaults: fix(uc.Defaults) } : {}),
      };
    }
  }
  if (kind === 'service-intentions') {
    out.Sources = (Array.isArray(out.Sources) ? out.Sources : []).map((s) =>
      isObject(s) && (s.Type === undefined || s.Type === '') ? copyWith(s, 'Type', 'consul') : s,
    );
  }
  return out;
}

/** Suggests the Consul spelling of a kind written as `ServiceResolver`, `service_resolver`, `ServiceDefaults` ... */
function suggestKind(kind: string): string | undefined {
  const flat = kind.replace(/[-_\s]/g, '').toLowerCase();
  return CONSUL_KINDS.find((k) => k.replace(/-/g, '') === flat);
}

/**
 * Decodes `raw` the way Consul decodes a config-entry payload. The value is undefined when the entry cannot be
 * decoded at all (no kind); otherwise it is the entry with every valid field, and the diagnostics name what was wrong.
 */
export function decodeConfigEntry(raw: unknown, at: EntryOrigin): PassResult<ConfigEntry | undefined> {
  const r = decodeConfigEntryWithSpans(raw, at);
  return { value: r.value?.entry, diagnostics: r.diagnostics };
}

/** `decodeConfigEntry`, also returning the entry's span and the spans of its fields. */
export function decodeConfigEntryWithSpans(raw: unknown, at: EntryOrigin): PassResult<DecodedEntry | undefined> {
  const lines = (at.text ?? '').split('\n');
  const start = at.line ?? 1;
  const spanAt = (keys: readonly string[]): SourceSpan => ({
    file: at.file,
    line: at.text === undefined ? start : lineOfKeys(lines, keys, start),
    column: 1,
  });
  const kindFail = (error: string, keys: readonly string[] = []): PassResult<undefined> => {
    const span = spanAt(keys);
    const suggestion = isObject(raw) ? suggestKind(String(first(raw.Kind ?? raw.kind) ?? '')) : undefined;
    const expected =
      suggestion !== undefined && CE_KINDS.includes(suggestion)
        ? `"${suggestion}"`
        : `one of ${CE_KINDS.map((k) => `"${k}"`).join(', ')} (the kinds Consul CE accepts)`;
    return {
      value: undefined,
      diagnostics: [
        diag(
          EntryKindInvalid,
          { path: `entries/${at.file}`, span },
          { file: at.file, line: span.line, error, expected },
        ),
      ],
    };
  };
  if (!isObject(raw)) return kindFail('a config entry must be an object/block with a Kind');
  const kindKey = 'Kind' in raw ? 'Kind' : 'kind' in raw ? 'kind' : undefined;
  if (kindKey === undefined) return kindFail('Payload does not contain a kind/Kind key at the top level');
  const kind = first(raw[kindKey]);
  if (typeof kind !== 'string') return kindFail('Kind value in payload is not a string', [kindKey]);
  // A CE server knows fewer kinds than the api module (the enterprise ones): Consul's message either way.
  if (!CONSUL_KINDS.includes(kind) || !CE_KINDS.includes(kind)) {
    return kindFail(`invalid config entry kind: ${kind}`, [kindKey]);
  }

  const schema = ENTRY_SCHEMAS[kind];
  if (schema === undefined) return kindFail(`invalid config entry kind: ${kind}`, [kindKey]);
  const d = decodeStructEntry(schema, raw);
  const decoded = d.value ?? {};
  const issues: readonly DecodeIssue[] = d.issues;
  const fields: ReadonlyMap<string, readonly string[]> = d.fields;
  const entry = normalize(kind, decoded) as unknown as ConfigEntry;
  const name = typeof entry.Name === 'string' ? entry.Name : '';
  const path = `entries/${at.file}#${kind}/${name}`;
  const label = `${kind}/${name === '' ? '(unnamed)' : name}`;
  const diagnostics: Diagnostic[] = issues.map((i) => {
    const span = spanAt(i.sourceKeys);
    return diag(
      ISSUE_DEFS[i.kind],
      { path, span },
      { entry: label, file: at.file, line: span.line, consul: i.message, expected: i.expected ?? 'a valid value' },
    );
  });
  const fieldSpans: Record<string, SourceSpan> = {};
  for (const [ptr, keys] of [...fields.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    fieldSpans[ptr] = spanAt(keys);
  }
  return { value: { entry, span: spanAt([]), fieldSpans }, diagnostics };
}
