/**
 * Rendered artifacts and the writer: a `RenderedArtifact`'s text is made when read (the same text on every read), and
 * `writeArtifacts` reads each text once per pass: one pass into an empty directory, one hash pass when the directory's
 * manifest matches (nothing written), a hash pass then a write pass when it does not.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Artifact, manifest, RenderedArtifact, sha256 } from '../../src/emit/artifact.ts';
import { writeArtifacts } from '../../src/emit/write.ts';

/** Artifacts whose renders are counted per path. */
function counted(texts: Record<string, string>): { artifacts: Artifact[]; renders: Map<string, number> } {
  const renders = new Map<string, number>();
  const artifacts = Object.entries(texts).map(
    ([path, text]) =>
      new RenderedArtifact(path, text, (t) => {
        renders.set(path, (renders.get(path) ?? 0) + 1);
        return `${t}\n`;
      }),
  );
  return { artifacts, renders };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('RenderedArtifact', () => {
  it('renders its text on every read, the same text each time, and prints as { path, content }', () => {
    const { artifacts, renders } = counted({ 'a/b.json': '{}' });
    const a = artifacts[0]!;
    expect(a.content).toBe('{}\n');
    expect(a.content).toBe('{}\n');
    expect(renders.get('a/b.json')).toBe(2);
    expect(JSON.parse(JSON.stringify(a))).toEqual({ path: 'a/b.json', content: '{}\n' });
  });

  it('gives the manifest the hash and byte length of its text', () => {
    const { artifacts } = counted({ 'x.txt': 'héllo' });
    const m = JSON.parse(manifest(artifacts).content) as { files: { path: string; sha256: string; bytes: number }[] };
    expect(m.files).toEqual([{ path: 'x.txt', sha256: sha256('héllo\n'), bytes: 7 }]);
  });
});

describe('writeArtifacts', () => {
  it('reads each text once per pass: one to write, one to find it unchanged, two to rewrite a changed tree', () => {
    const root = mkdtempSync(join(tmpdir(), 'meshcc-write-'));
    dirs.push(root);
    const out = join(root, 'out');
    const first = counted({ 'consul/api/a.json': 'a', 'consul/hcl/a.hcl': 'b', 'mesh.mmd': 'c' });
    expect(writeArtifacts(out, first.artifacts)).toEqual({ dir: out, files: 4, changed: true });
    expect([...first.renders.values()]).toEqual([1, 1, 1]);
    expect(readFileSync(join(out, 'consul/hcl/a.hcl'), 'utf8')).toBe('b\n');
    const manifestText = readFileSync(join(out, 'manifest.json'), 'utf8');
    expect(manifestText).toBe(manifest(first.artifacts).content);
    const mtime = statSync(join(out, 'consul/api/a.json')).mtimeMs;

    const same = counted({ 'consul/api/a.json': 'a', 'consul/hcl/a.hcl': 'b', 'mesh.mmd': 'c' });
    expect(writeArtifacts(out, same.artifacts).changed).toBe(false);
    expect([...same.renders.values()]).toEqual([1, 1, 1]);
    expect(statSync(join(out, 'consul/api/a.json')).mtimeMs).toBe(mtime);

    const changed = counted({ 'consul/api/a.json': 'a2', 'mesh.mmd': 'c' });
    expect(writeArtifacts(out, changed.artifacts)).toEqual({ dir: out, files: 3, changed: true });
    expect([...changed.renders.values()]).toEqual([2, 2]);
    expect(readFileSync(join(out, 'consul/api/a.json'), 'utf8')).toBe('a2\n');
    expect(() => statSync(join(out, 'consul/hcl/a.hcl'))).toThrow();
  });

  it('leaves the previous output in place when a text fails to render', () => {
    const root = mkdtempSync(join(tmpdir(), 'meshcc-write-'));
    dirs.push(root);
    const out = join(root, 'out');
    writeArtifacts(out, counted({ 'a.txt': 'old' }).artifacts);
    const failing = new RenderedArtifact('b.txt', undefined, () => {
      throw new Error('render failed');
    });
    expect(() => writeArtifacts(out, [new RenderedArtifact('a.txt', 'new', (t) => t), failing])).toThrow(
      'render failed',
    );
    expect(readFileSync(join(out, 'a.txt'), 'utf8')).toBe('old\n');
  });
});
