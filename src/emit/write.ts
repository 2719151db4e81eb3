/**
 * Writes artifacts to an output directory, all or nothing. The new tree is built in a sibling temporary directory
 * and swapped in with renames, so a failure never leaves a half-written output. When the directory already holds
 * exactly these files (same manifest), nothing is rewritten (mtimes stay, Git diffs stay clean).
 *
 * Each artifact's text is read once per pass and let go (a `RenderedArtifact` renders it when read), so the output is
 * never all in memory: with no manifest in the directory, one pass writes each file and hashes it for the manifest;
 * with one, a first pass hashes every file (nothing written when the manifests match) and a second writes them.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Artifact, type ManifestFile, manifestFile, manifestOf } from './artifact.ts';

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

/**
 * Writes every artifact under `root` (each text read once); with `hash`, returns each file's manifest line, made from
 * the text written.
 */
function writeTree(root: string, artifacts: readonly Artifact[], hash: boolean): ManifestFile[] {
  const files: ManifestFile[] = [];
  const made = new Set<string>();
  for (const a of artifacts) {
    const content = a.content;
    const f = join(root, a.path);
    const d = dirname(f);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    writeFileSync(f, content);
    if (hash) files.push(manifestFile(a.path, content));
  }
  return files;
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
  const count = artifacts.length + 1;
  const manifestPath = join(dir, 'manifest.json');
  const previous = existsSync(manifestPath) ? readFileSync(manifestPath, 'utf8') : undefined;
  // With a manifest there, the new one is made first (a hash pass) and nothing is written when they match.
  const next = previous === undefined ? undefined : manifestOf(artifacts.map((a) => manifestFile(a.path, a.content)));
  if (next !== undefined && next.content === previous) return { dir, files: count, changed: false };
  const tmp = `${dir}.meshcc-tmp-${process.pid}`;
  const old = `${dir}.meshcc-old-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    const files = writeTree(tmp, artifacts, next === undefined);
    const manifest = next ?? manifestOf(files);
    writeFileSync(join(tmp, manifest.path), manifest.content);
    mkdirSync(dirname(dir), { recursive: true });
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(dir)) renameSync(old, dir);
    throw e;
  }
  return { dir, files: count, changed: true };
}
