/**
 * The differential check of meshcc's entry decoding and validation against a real Consul: the same raw entry goes to
 * meshcc (`loadEntriesText`) and to Consul (`PUT /v1/config`); both must accept it or both reject it, and every
 * message meshcc reports must be Consul's own text. Used by test/consul/entries-conformance.test.ts.
 */
import { loadEntriesText } from '../../src/input/entries/load-entries-dir.ts';
import { apiBody, type ConfigEntry, fromApi } from '../../src/model/entries.ts';
import { normalizeEntry } from '../../src/reconcile/normalize.ts';

export interface Verdict {
  readonly ok: boolean;
  readonly text: string;
}

/** What Consul answers to writing `raw` (its message on a rejection). */
export async function consulWrite(addr: string, raw: unknown): Promise<Verdict> {
  const r = await fetch(`${addr}/v1/config`, { method: 'PUT', body: JSON.stringify(raw) });
  const text = (await r.text()).trim();
  return { ok: r.status === 200 && text === 'true', text };
}

export interface MeshccVerdict {
  readonly ok: boolean;
  /** Consul's words in each error (the message without meshcc's `file:line: kind/name: ` prefix). */
  readonly messages: readonly string[];
  readonly entry?: ConfigEntry;
}

/** What meshcc says about `raw` written as a JSON entry file. */
export async function meshccCheck(raw: unknown): Promise<MeshccVerdict> {
  const r = await loadEntriesText('e.json', JSON.stringify(raw));
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  const messages = errors.map((d) => d.message.replace(/^e\.json:\d+: (?:[a-z-]+\/[^:]*: )?/, ''));
  return { ok: errors.length === 0, messages, ...(r.value[0] ? { entry: r.value[0].entry } : {}) };
}

/** Consul's text with its wrappers (`Request decoding failed: `, multierror bullets) flattened to one line. */
export function flatten(text: string): string {
  return text
    .replace(/\n\t\* /g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The disagreement between meshcc and Consul on one entry, or undefined when they agree. */
export function disagreement(m: MeshccVerdict, c: Verdict): string | undefined {
  if (m.ok !== c.ok) {
    return `meshcc ${m.ok ? 'accepts' : `rejects (${m.messages.join(' | ')})`}, Consul ${c.ok ? 'accepts' : `rejects (${c.text})`}`;
  }
  if (c.ok) return undefined;
  const consul = flatten(c.text);
  const missing = m.messages.filter((msg) => !consul.includes(flatten(msg)));
  // A resolver's Failover is a Go map: Consul stops at the first bad key in random order, meshcc reports every bad key
  // (sorted). Consul's one message must then be one of meshcc's.
  const mapOrder = missing.length < m.messages.length && missing.every((msg) => msg.startsWith('Bad Failover['));
  return missing.length === 0 || mapOrder ? undefined : `meshcc says "${missing.join(' | ')}", Consul says "${c.text}"`;
}

/** Reads an entry back from Consul in meshcc's terms. */
export async function consulRead(addr: string, kind: string, name: string): Promise<Record<string, unknown>> {
  const path = kind === 'mesh' ? 'mesh/mesh' : `${kind}/${encodeURIComponent(name)}`;
  const r = await fetch(`${addr}/v1/config/${path}`);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
  return fromApi((await r.json()) as { Kind: string; Name?: string });
}

/** Writes meshcc's API JSON for `entry`, reads it back, and returns both normalized (and the entry as read). */
export async function roundTrip(
  addr: string,
  entry: ConfigEntry,
): Promise<{
  written: Verdict;
  sent: Record<string, unknown>;
  back: Record<string, unknown>;
  live: Record<string, unknown>;
}> {
  const written = await consulWrite(addr, apiBody(entry));
  const live = written.ok ? await consulRead(addr, entry.Kind, entry.Name) : {};
  return { written, sent: normalizeEntry(entry), back: normalizeEntry(live), live };
}
