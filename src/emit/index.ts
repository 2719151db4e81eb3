/**
 * Every emitter, in one list. Emitters are leaves: pure functions from a Compilation to artifacts.
 */
import type { Compilation } from '../compiler/types.ts';
import type { Artifact } from './artifact.ts';

export type Emitter = (c: Compilation) => Artifact[];

export const emitters: readonly Emitter[] = [];

/** Runs every emitter; artifacts sorted by path. */
export function emitAll(c: Compilation): Artifact[] {
  return emitters.flatMap((e) => e(c)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
