/**
 * Emits each config entry as the JSON body of Consul's `PUT /v1/config` (and `consul config write x.json`):
 * `consul/api/<kind>/<name>.json`, exact API field casing, keys sorted, byte-for-byte deterministic.
 */
import { apiBody, type ConfigEntry } from '../../model/entries.ts';
import { type Artifact, writeStableJson } from '../artifact.ts';
import { TextChunks } from '../text-chunks.ts';
import { byPath, entryFilePath } from './paths.ts';

/** One artifact per entry, sorted by path. */
export function emitApiJson(entries: readonly ConfigEntry[]): Artifact[] {
  const out = new TextChunks();
  for (const e of entries) {
    writeStableJson(out, apiBody(e));
    out.end();
  }
  const texts = out.finish();
  return entries.map((e, i) => ({ path: entryFilePath('api', e, 'json'), content: texts[i]! })).sort(byPath);
}
