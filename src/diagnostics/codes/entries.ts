/**
 * MC11xx: raw Consul config-entry input (`environments/<name>/entries/*.hcl|json|yaml`) — files that do not parse,
 * entries Consul's decoder would reject, and entries that fail Consul's own `Validate()`. Messages quote Consul's
 * wording so a search for the Consul error finds the meshcc one.
 */
import { def } from '../diagnostic.ts';

export const EntryFileUnparseable = def<{ file: string; line: number; format: string; error: string }>(
  'MC1101',
  'error',
  'config-entry file does not parse',
  (a) => `${a.file}:${a.line}: not valid ${a.format}: ${a.error}`,
  (a) =>
    `fix the ${a.format} syntax at line ${a.line}; the file must hold one Consul config entry as \`consul config write\` accepts it`,
);

export const EntryKindInvalid = def<{ file: string; line: number; error: string; expected: string }>(
  'MC1102',
  'error',
  'config entry has no valid Kind',
  (a) => `${a.file}:${a.line}: ${a.error}`,
  (a) => `set Kind to ${a.expected}`,
);

export const EntryKeyInvalid = def<{ entry: string; file: string; line: number; consul: string; expected: string }>(
  'MC1103',
  'error',
  'unknown field in config entry',
  (a) => `${a.file}:${a.line}: ${a.entry}: ${a.consul}`,
  (a) => `expected ${a.expected}; field names are matched case-insensitively and snake_case aliases are accepted`,
);

export const EntryFieldTypeInvalid = def<{
  entry: string;
  file: string;
  line: number;
  consul: string;
  expected: string;
}>(
  'MC1104',
  'error',
  'config-entry field has the wrong type',
  (a) => `${a.file}:${a.line}: ${a.entry}: ${a.consul}`,
  (a) => `expected ${a.expected}`,
);

// MC1105 RETIRED: fields Consul accepts but meshcc did not model were errors; they are now kept (MC1130).

export const EntryModeInvalid = def<{ entry: string; file: string; line: number; consul: string; expected: string }>(
  'MC1106',
  'error',
  'invalid mesh-gateway or proxy mode',
  (a) => `${a.file}:${a.line}: ${a.entry}: ${a.consul}`,
  (a) =>
    `expected ${a.expected}; Consul stores any string here without complaint and then treats it as the default, which is never what was meant`,
);

export const EntryValidationFailed = def<{ entry: string; file: string; line: number; consul: string }>(
  'MC1107',
  'error',
  'config entry fails Consul validation',
  (a) => `${a.file}:${a.line}: ${a.entry}: ${a.consul}`,
  'Consul would reject this entry on write (config_entry Validate()); fix the field named in the message',
);

export const EntryDuplicate = def<{ entry: string; first: string }>(
  'MC1108',
  'error',
  'config entry declared twice',
  (a) => `${a.entry} is declared more than once (first in ${a.first})`,
  'keep one declaration per Kind/Name: Consul stores a single entry for it and the last write would win',
);

export const EntryUnknownCluster = def<{ dir: string; clusters: string }>(
  'MC1110',
  'error',
  'entries folder names no cluster',
  (a) =>
    `entries/${a.dir}/: no cluster '${a.dir}' in this mesh (clusters: ${a.clusters}); in an environment of peered clusters each folder directly under entries/ names the cluster its entries are written to`,
  (a) =>
    `rename the folder to one of ${a.clusters}, or move its files directly into entries/ to write them to every cluster; its entries were not loaded`,
);

export const EntryL7NotCompiled = def<{ entry: string }>(
  'MC1109',
  'warning',
  'splitter/router entries are not compiled yet',
  (a) =>
    `${a.entry}: service-splitter and service-router entries are passed through to the output but not compiled into discovery chains`,
  'the chains meshcc checks ignore this entry; verify its effect with `consul config read` and the discovery-chain API',
);

export const EntryFieldsKept = def<{ count: number; fields: string }>(
  'MC1130',
  'info',
  'config-entry fields kept but not analyzed',
  (a) =>
    `${a.count} config ${a.count === 1 ? 'entry carries' : 'entries carry'} what meshcc keeps and emits unchanged but does not analyze: ${a.fields}`,
  "Consul accepts these (they are decoded and checked with Consul's own rules, and written in every output format); meshcc's chains, reachability and drift reasoning do not take them into account. See docs/entries.md for what meshcc analyzes.",
);
