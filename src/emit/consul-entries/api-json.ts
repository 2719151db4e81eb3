/**
 * Emits each config entry as the JSON body of Consul's `PUT /v1/config` (and `consul config write x.json`):
 * `consul/api/<kind>/<name>.json`, exact API field casing, keys sorted, byte-for-byte deterministic.
 */
import { apiBody, type ConfigEntry } from '../../model/entries.ts';
import { type Artifact, stableJson } from '../artifact.ts';
import { byPath, entryFilePath } from './paths.ts';

/** One artifact per entry, sorted by path. */
export function emitApiJson(entries: readonly ConfigEntry[]): Artifact[] {
  return entries.map((e) => ({ path: entryFilePath('api', e, 'json'), content: stableJson(apiBody(e)) })).sort(byPath);
}
