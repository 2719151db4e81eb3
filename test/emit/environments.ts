/**
 * The example environments (environments/<name>/), loaded exactly as the CLI loads them (mesh.ts plus the raw
 * entries/ folder) and compiled.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../../src/compiler/compile.ts';
import { compileClusters, type PeeredCompilation } from '../../src/compiler/compile-clusters.ts';
import type { Compilation } from '../../src/compiler/types.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';

export const environmentsDir = join(import.meta.dirname, '..', '..', 'environments');

function allNames(): string[] {
  return readdirSync(environmentsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Whether an example declares clusters (read from its source: vitest needs the names before anything loads). */
function declaresClusters(name: string): boolean {
  return /new Cluster\(/.test(readFileSync(join(environmentsDir, name, 'mesh.ts'), 'utf8'));
}

/** The single-cluster examples (the WAN-federated meshes, compiled as a whole). */
export function environmentNames(): string[] {
  return allNames().filter((n) => !declaresClusters(n));
}

/** The examples of peered clusters (compiled cluster by cluster). */
export function peeredEnvironmentNames(): string[] {
  return allNames().filter(declaresClusters);
}

export async function peeredEnvironmentCompilation(name: string): Promise<PeeredCompilation> {
  const loaded = await loadEnvironment(join(environmentsDir, name));
  if (loaded.diagnostics.length > 0) throw new Error(`${name}: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  return compileClusters(loaded.model);
}

/** Every compilation of the examples: each single-cluster one, and each cluster of the peered ones. */
export async function allEnvironmentCompilations(): Promise<[string, Compilation][]> {
  const single = await Promise.all(
    environmentNames().map(async (n) => [`env ${n}`, await environmentCompilation(n)] as [string, Compilation]),
  );
  const peered = await Promise.all(peeredEnvironmentNames().map(peeredEnvironmentCompilation));
  return [
    ...single,
    ...peered.flatMap((pc) =>
      pc.clusters.map((c) => [`env ${pc.model.name}/${c.cluster.name}`, c.compilation] as [string, Compilation]),
    ),
  ];
}

export async function environmentCompilation(name: string): Promise<Compilation> {
  const loaded = await loadEnvironment(join(environmentsDir, name));
  if (loaded.diagnostics.length > 0) throw new Error(`${name}: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  return compile(loaded.model);
}
