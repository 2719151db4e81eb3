/**
 * The benches' reader of emitted artifacts: every file's text read once, as `meshcc synth`'s writer reads it
 * (`emit/write.ts`: `RenderedArtifact`s render their text when read), and measured in UTF-8 bytes as the manifest
 * measures it. The text is then let go, as the writer lets it go after hashing and writing it. Hashing and disk I/O
 * are left out: they are not the emitters' work.
 */
import type { Artifact } from '../src/emit/artifact.ts';

/** Reads every artifact's text once; returns the total UTF-8 bytes. */
export function renderAll(artifacts: readonly Artifact[]): number {
  let bytes = 0;
  for (let i = 0; i < artifacts.length; i++) bytes += Buffer.byteLength(artifacts[i]!.content);
  return bytes;
}
