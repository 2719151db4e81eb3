/**
 * The example environments (environments/<name>/), loaded exactly as the CLI loads them (mesh.ts plus the raw
 * entries/ folder) and compiled.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../../src/compiler/compile.ts';
import type { Compilation } from '../../src/compiler/types.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';

export const environmentsDir = join(import.meta.dirname, '..', '..', 'environments');

export function environmentNames(): string[] {
  return readdirSync(environmentsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export async function environmentCompilation(name: string): Promise<Compilation> {
  const loaded = await loadEnvironment(join(environmentsDir, name));
  if (loaded.diagnostics.length > 0) throw new Error(`${name}: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  return compile(loaded.model);
}
