/**
 * Loads an environment: `environments/<name>/mesh.ts` (a TypeScript module whose default export is a Mesh, or a
 * function returning one) plus the raw config-entry files in `environments/<name>/entries/`. Never throws a stack
 * trace at the user: a module that fails to load becomes MC1001, a bad construct argument MC1002, both located at the
 * line of the environment file; unparseable entry files are reported by the entries loader.
 */
import { existsSync, statSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Cluster } from '../constructs/cluster.ts';
import { ConstructArgError } from '../constructs/internal/errors.ts';
import { userSpanFromStack } from '../constructs/internal/source-span.ts';
import { lowerMesh } from '../constructs/lower.ts';
import { Mesh } from '../constructs/mesh.ts';
import { ConstructArgumentInvalid, EnvironmentLoadFailed } from '../diagnostics/codes/input.ts';
import { type Diagnostic, diag, MeshccInputError } from '../diagnostics/diagnostic.ts';
import type { MeshModel, SourceSpan } from '../model/types.ts';
import { loadEntriesDir } from './entries/load-entries-dir.ts';
import { defaultExportAdvice, loadAdvice, otherCopyAdvice } from './load-advice.ts';

const ENTRY_FILES = ['mesh.ts', 'index.ts', 'main.ts'];

/** Resolves an environment argument (directory or file) to its module file and directory. */
export function resolveEnvironment(arg: string, cwd = process.cwd()): { file: string; dir: string } {
  const p = resolve(cwd, arg);
  if (!existsSync(p)) {
    throw new MeshccInputError([
      diag(EnvironmentLoadFailed, { path: arg }, { file: arg, error: 'no such file or directory' }),
    ]);
  }
  if (statSync(p).isFile()) return { file: p, dir: dirname(p) };
  const file = ENTRY_FILES.map((f) => join(p, f)).find((f) => existsSync(f));
  if (!file) {
    throw new MeshccInputError([
      diag(
        EnvironmentLoadFailed,
        { path: arg },
        { file: arg, error: `expected one of ${ENTRY_FILES.join(', ')} in it` },
      ),
    ]);
  }
  return { file, dir: p };
}

let tsxRegistered = false;

/**
 * Makes `.ts` importable outside vitest (the CLI's bin registers the same itself and sets the flag): tsx, then the
 * hooks that load a user's .ts file as an ES module whatever package.json's "type" (bin/load-hooks.js, shipped).
 */
async function ensureTypeScriptLoader(): Promise<void> {
  const g = globalThis as { __meshccTsx?: boolean };
  if (tsxRegistered || g.__meshccTsx || process.env.VITEST) return;
  const { register } = await import('tsx/esm/api');
  register();
  const hooks = new URL('../../bin/load-hooks.js', import.meta.url);
  if (existsSync(hooks)) registerHooks(hooks.href, import.meta.url, { data: { index: null } });
  tsxRegistered = true;
  g.__meshccTsx = true;
}

function spanIn(stack: string | undefined, dir: string): SourceSpan | undefined {
  const span = userSpanFromStack(stack);
  return span?.file.startsWith(dir) ? span : undefined;
}

/** Imports the environment module and returns its Mesh, or throws MeshccInputError. */
async function importMesh(file: string, dir: string, cwd: string): Promise<Mesh> {
  const at = { path: basename(dir), span: { file, line: 1, column: 1 } };
  try {
    await ensureTypeScriptLoader();
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    let value = mod.default;
    if (typeof value === 'function') value = await (value as () => unknown)();
    if (!Mesh.isMesh(value)) {
      throw new MeshccInputError([
        diag(EnvironmentLoadFailed, at, {
          file,
          error: `its default export must be a Mesh (or a function returning one), got ${value === undefined ? 'nothing' : typeof value}`,
          hint: defaultExportAdvice(file, cwd),
        }),
      ]);
    }
    if (!(value instanceof Mesh)) {
      // A Mesh from another copy of meshcc (say a global or npx-downloaded CLI with the repository's own meshcc):
      // its constructs are not the ones this compiler knows, so nothing it reports would be trustworthy.
      throw new MeshccInputError([
        diag(EnvironmentLoadFailed, at, {
          file,
          error: `it builds its Mesh with a different copy of meshcc than the one running (${fileURLToPath(new URL('../../', import.meta.url))})`,
          hint: otherCopyAdvice(file, cwd),
        }),
      ]);
    }
    return value;
  } catch (e) {
    if (e instanceof MeshccInputError) throw e;
    if (e instanceof ConstructArgError) {
      const span = e.span ?? spanIn(e.stack, dir);
      throw new MeshccInputError([
        diag(
          ConstructArgumentInvalid,
          { path: e.constructPath, ...(span ? { span } : {}) },
          { construct: e.constructPath, property: e.property, expected: e.expected, got: e.got },
        ),
      ]);
    }
    const err = e as Error;
    const span = spanIn(err?.stack, dir) ?? at.span;
    const message = String(err?.message ?? e).split('\n')[0] ?? String(e);
    const hint = loadAdvice(file, { code: (err as { code?: string })?.code, message: String(err?.message ?? e) }, cwd);
    throw new MeshccInputError([
      diag(EnvironmentLoadFailed, { path: at.path, span }, { file, error: message, ...(hint ? { hint } : {}) }),
    ]);
  }
}

/** Loads an environment directory (or file) into the plain model. */
export async function loadEnvironment(
  arg: string,
  cwd = process.cwd(),
): Promise<{ model: MeshModel; diagnostics: Diagnostic[] }> {
  const { file, dir } = resolveEnvironment(arg, cwd);
  const mesh = await importMesh(file, dir, cwd);
  // In a mesh of peered clusters, entries/<cluster>/ holds the entries of that cluster only.
  const clusters = mesh.node
    .findAll()
    .filter((c): c is Cluster => c instanceof Cluster)
    .map((c) => c.name);
  const entries = await loadEntriesDir(join(dir, 'entries'), { clusters });
  return { model: lowerMesh(mesh, entries.value), diagnostics: [...entries.diagnostics] };
}
