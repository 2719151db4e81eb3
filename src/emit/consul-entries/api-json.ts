/**
 * Emits each config entry as the JSON body of Consul's `PUT /v1/config` (and `consul config write x.json`):
 * `consul/api/<kind>/<name>.json`, exact API field casing, keys sorted, byte-for-byte deterministic.
 */
import { apiBody, type ConfigEntry } from '../../model/entries.ts';
import { type Artifact, stableJsonText } from '../artifact.ts';
import { withOwnKeysByForIn } from '../key-order.ts';
import { type Flavour, flavourFiles, inFileOrder } from './paths.ts';

function text(entry: ConfigEntry): string {
  return stableJsonText(apiBody(entry));
}

/** One entry's API JSON file text. */
export function apiJsonText(entry: ConfigEntry): string {
  return withOwnKeysByForIn(text, entry);
}

/** The API JSON files: `consul/api/<kind>/<name>.json` (each text rendered when read). */
export const API_JSON: Flavour = { name: 'api', ext: 'json', render: apiJsonText };

/** One artifact per entry, sorted by path. */
export function emitApiJson(entries: readonly ConfigEntry[]): Artifact[] {
  return flavourFiles([API_JSON], inFileOrder(entries));
}
