/** Runs every per-datacenter emitter on a compilation (the same list synth uses, from src/emit/index.ts). */
import type { Compilation } from '../../src/compiler/types.ts';
import type { Artifact } from '../../src/emit/artifact.ts';
import { perDatacenterEmitters } from '../../src/emit/index.ts';

export { perDatacenterEmitters };

/** Every artifact of the per-datacenter emitters, sorted by path. */
export function emitPerDatacenter(c: Compilation): Artifact[] {
  return perDatacenterEmitters.flatMap((e) => e(c)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
