/**
 * The example environments (environments/<name>/mesh.ts) compiled for the emitter tests. Constructs only: the raw
 * entry files (entries/) join once the entries loader lands; then this should call loadEnvironment instead.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../../src/compiler/compile.ts';
import type { Compilation } from '../../src/compiler/types.ts';
import type { Mesh } from '../../src/constructs/mesh.ts';
import { lowerMesh } from '../../src/model/lower.ts';

export const environmentsDir = join(import.meta.dirname, '..', '..', 'environments');

export function environmentNames(): string[] {
  return readdirSync(environmentsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export async function environmentCompilation(name: string): Promise<Compilation> {
  const mod = (await import(join(environmentsDir, name, 'mesh.ts'))) as { default: Mesh | (() => Mesh) };
  const mesh = typeof mod.default === 'function' ? (mod.default as () => Mesh)() : mod.default;
  return compile(lowerMesh(mesh));
}
