/**
 * The layering the README describes, checked on the source: no two modules import each other (directly or around a
 * cycle), and each layer imports only the layers below it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [relative(SRC, p)] : [];
  });
}

const IMPORT_RE = /^\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/gm;

function importGraph(): Map<string, string[]> {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(join(SRC, f), 'utf8');
    const deps = [...text.matchAll(IMPORT_RE)].map((m) => normalize(join(dirname(f), m[1] ?? '')));
    graph.set(
      f,
      deps.filter((d) => known.has(d)),
    );
  }
  return graph;
}

/** Strongly connected components with more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** What each top-level folder of src/ may import besides itself. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  model: [],
  diagnostics: ['model', 'emit'],
  constructs: ['model', 'diagnostics'],
  compiler: ['model', 'diagnostics'],
  input: ['constructs', 'model', 'diagnostics', 'compiler'],
};

describe('source layering', () => {
  const graph = importGraph();

  it('has no import cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('imports only downwards', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      const layer = file.split('/')[0] ?? '';
      const allowed = ALLOWED[layer];
      if (!allowed) continue;
      for (const d of deps) {
        const target = d.split('/')[0] ?? '';
        if (target !== layer && !allowed.includes(target)) upward.push(`${file} -> ${d}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
