/**
 * The model's objects share hidden classes (V8 maps): a model built by the lowering, entries loaded from files, the compiler's effective entries
 * and the benchmark's generated mesh have a handful of maps per kind of object, not one per object. In V8 (Node 20),
 * `{ ...source, newKey: v }` gives every object a map of its own (src/model/data-copy.ts); tens of thousands of
 * objects with their own maps make every field read of every compiler pass a megamorphic lookup (measured: the L7
 * 10k benchmark took ≈ 1.0 s instead of ≈ 0.73 s).
 *
 * V8's `%HaveSameMap` needs `--allow-natives-syntax`, so the objects are built and compared in a child process.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Shapes {
  counts: { instances: number; upstreams: number; entries: number };
  lowered: { services: number; instances: number; upstreams: number };
  effective: { decls: number; entries: number };
  loaded: { decls: number; entries: number; sources: number };
  generated: { instances: number; upstreams: number };
  spreadThenAdd: number;
}

function shapes(): Shapes {
  const out = execFileSync(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', join(import.meta.dirname, 'hidden-classes.script.mjs')],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return JSON.parse(out) as Shapes;
}

describe('hidden classes of the model', () => {
  const s = shapes();

  it('the check itself tells shared maps from per-object maps on this V8', () => {
    // The pattern the model avoids gives one map per object (the script stops counting at 100).
    expect(s.spreadThenAdd).toBe(100);
    expect(s.counts).toEqual({ instances: 400, upstreams: 1200, entries: 400 });
  });

  it('a lowered mesh: services, instances and upstreams share a few maps', () => {
    expect(s.lowered.services).toBeLessThanOrEqual(4);
    expect(s.lowered.instances).toBeLessThanOrEqual(4);
    expect(s.lowered.upstreams).toBeLessThanOrEqual(8);
  });

  it("the compiler's effective entries and their declarations share a few maps", () => {
    expect(s.effective.decls).toBeLessThanOrEqual(4);
    expect(s.effective.entries).toBeLessThanOrEqual(8);
  });

  it('entries loaded from files: declarations, entries and their defaulted parts share a few maps', () => {
    expect(s.loaded.decls).toBeLessThanOrEqual(4);
    expect(s.loaded.entries).toBeLessThanOrEqual(4);
    expect(s.loaded.sources).toBeLessThanOrEqual(4);
  });

  it("the benchmark's generated mesh is shaped as the lowering shapes a model", () => {
    expect(s.generated.instances).toBeLessThanOrEqual(4);
    expect(s.generated.upstreams).toBeLessThanOrEqual(8);
  });
});
