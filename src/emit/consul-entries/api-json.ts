/**
 * Emits each config entry as the JSON body of Consul's `PUT /v1/config` (and `consul config write x.json`):
 * `consul/api/<kind>/<name>.json`, exact API field casing, keys sorted, byte-for-byte deterministic.
 */
import { apiBody, type ConfigEntry } from '../../model/entries.ts';
import { type Artifact, stableJsonText } from '../artifact.ts';
import { withOwnKeysByForIn } from '../key-order.ts';
import { TextChunks } from '../text-chunks.ts';
import { type EntryFiles, entryFiles, inFileOrder } from './paths.ts';

/** The file text of each entry, in order. */
export function apiJsonTexts(entries: readonly ConfigEntry[]): string[] {
  return withOwnKeysByForIn(() => {
    const out = new TextChunks();
    for (let i = 0; i < entries.length; i++) out.add(stableJsonText(apiBody(entries[i]!)));
    return out.finish();
  });
}

/** The API JSON artifacts of entries in file order. */
export function apiJsonFiles(files: EntryFiles): Artifact[] {
  return entryFiles('api', 'json', files, apiJsonTexts(files.entries));
}

/** One artifact per entry, sorted by path. */
export function emitApiJson(entries: readonly ConfigEntry[]): Artifact[] {
  return apiJsonFiles(inFileOrder(entries));
}
