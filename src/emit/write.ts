/**
 * Writes artifacts to an output directory, all or nothing. The new tree is built in a sibling temporary directory
 * and swapped in with renames, so a failure never leaves a half-written output. When the directory already holds
 * exactly these files (same manifest), nothing is rewritten (mtimes stay, Git diffs stay clean).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Artifact, manifest } from './artifact.ts';

export interface WriteResult {
  readonly dir: string;
  readonly files: number;
  /** False when the directory already held identical content. */
  readonly changed: boolean;
}

function assertSafePath(p: string): void {
  if (p.startsWith('/') || p.split('/').some((s) => s === '..' || s === '') || p.includes('\\'))
    throw new Error(`refusing to write artifact with unsafe path '${p}'`);
}

/** Writes `artifacts` plus `manifest.json` into `outDir`, replacing its previous content atomically. */
export function writeArtifacts(outDir: string, artifacts: readonly Artifact[]): WriteResult {
  const dir = resolve(outDir);
  const seen = new Set<string>();
  for (const a of artifacts) {
    assertSafePath(a.path);
    if (seen.has(a.path)) throw new Error(`two artifacts want the same path '${a.path}'`);
    seen.add(a.path);
  }
  const all = [...artifacts, manifest(artifacts)];
  const manifestFile = join(dir, 'manifest.json');
  const next = all[all.length - 1]!.content;
  if (existsSync(manifestFile) && readFileSync(manifestFile, 'utf8') === next) {
    return { dir, files: all.length, changed: false };
  }
  const tmp = `${dir}.meshcc-tmp-${process.pid}`;
  const old = `${dir}.meshcc-old-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const a of all) {
      const f = join(tmp, a.path);
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, a.content);
    }
    mkdirSync(dirname(dir), { recursive: true });
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(dir)) renameSync(old, dir);
    throw e;
  }
  return { dir, files: all.length, changed: true };
}
