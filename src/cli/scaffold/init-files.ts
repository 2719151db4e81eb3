/**
 * What `meshcc init` writes into a repository, computed before anything is written: each file's new text and whether
 * it exists already. Pure apart from reading the repository and meshcc's templates; init.ts checks and writes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../command.ts';
import { renderWorkflows, templatesDir, type WorkflowParams } from './workflows.ts';

export interface InitOptions extends Omit<WorkflowParams, 'header' | 'extraPaths'> {
  /** The example environment's directory name (and its Mesh name). */
  readonly env: string;
  /** meshcc's own version, for the devDependency range. */
  readonly meshccVersion: string;
}

export interface PlannedFile {
  /** Relative to the repository root, with `/`. */
  readonly path: string;
  readonly text: string;
  /** created: new file; replaced: an existing file (needs --force); merged: an existing file meshcc adds to. */
  readonly action: 'create' | 'replace' | 'merge' | 'unchanged';
  /** For merges: what was added, for the summary. */
  readonly note?: string;
}

const README_BEGIN = '<!-- meshcc:begin';
const README_END = '<!-- meshcc:end -->';
const TYPESCRIPT_RANGE = '^5.9.3';

function template(name: string, o: InitOptions): string {
  return readFileSync(join(templatesDir, 'init', name), 'utf8')
    .replaceAll('__ENVIRONMENTS__', o.environmentsDir)
    .replaceAll('__ENV__', o.env)
    .replaceAll('__ADDR_SECRET__', o.addrSecret)
    .replaceAll('__TOKEN_SECRET__', o.tokenSecret)
    .replaceAll('__BRANCH__', o.branch);
}

function readText(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function plain(path: string, text: string, old: string | undefined): PlannedFile {
  return { path, text, action: old === undefined ? 'create' : old === text ? 'unchanged' : 'replace' };
}

type PackageJson = Record<string, unknown> & {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

/** package.json: created, or meshcc, typescript and two scripts added where absent (nothing existing is changed). */
function packageJson(root: string, o: InitOptions): PlannedFile {
  const file = join(root, 'package.json');
  const old = readText(file);
  const scripts = {
    typecheck: 'tsc --noEmit',
    synth: `meshcc synth ${o.environmentsDir}/${o.env} --out out/${o.env}`,
  };
  if (old === undefined) {
    const name =
      basename(root)
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^[._-]+/, '') || 'mesh';
    const pkg = {
      name,
      version: '0.0.0',
      private: true,
      type: 'module',
      scripts,
      devDependencies: { meshcc: `^${o.meshccVersion}`, typescript: TYPESCRIPT_RANGE },
    };
    return { path: 'package.json', text: `${JSON.stringify(pkg, null, 2)}\n`, action: 'create' };
  }
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(old) as PackageJson;
  } catch (e) {
    throw new UsageError(`package.json is not valid JSON (${(e as Error).message}); fix it or remove it first`);
  }
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) {
    throw new UsageError('package.json must hold a JSON object');
  }
  const added: string[] = [];
  const has = (dep: string) => Boolean(pkg.dependencies?.[dep] ?? pkg.devDependencies?.[dep]);
  const dev = { ...(pkg.devDependencies ?? {}) };
  if (!has('meshcc')) {
    dev.meshcc = `^${o.meshccVersion}`;
    added.push('devDependency meshcc');
  }
  if (!has('typescript')) {
    dev.typescript = TYPESCRIPT_RANGE;
    added.push('devDependency typescript');
  }
  const s = { ...(pkg.scripts ?? {}) };
  for (const [k, v] of Object.entries(scripts)) {
    if (s[k] === undefined) {
      s[k] = v;
      added.push(`script ${k}`);
    }
  }
  if (added.length === 0) return { path: 'package.json', text: old, action: 'unchanged' };
  const indent = /^\{\s*\n([ \t]+)"/.exec(old)?.[1] ?? 2;
  const next: PackageJson = { ...pkg, scripts: s, devDependencies: dev };
  return {
    path: 'package.json',
    text: `${JSON.stringify(next, null, indent)}\n`,
    action: 'merge',
    note: `added ${added.join(', ')}`,
  };
}

/** README.md: the team's section appended (or, with force, the existing meshcc section replaced). */
function readme(root: string, o: InitOptions): PlannedFile {
  const section = template('README.md', o);
  const old = readText(join(root, 'README.md'));
  if (old === undefined) return { path: 'README.md', text: `# ${basename(root)}\n\n${section}`, action: 'create' };
  const begin = old.indexOf(README_BEGIN);
  if (begin < 0) {
    const sep = old.endsWith('\n\n') ? '' : old.endsWith('\n') ? '\n' : '\n\n';
    return { path: 'README.md', text: `${old}${sep}${section}`, action: 'merge', note: 'added the meshcc section' };
  }
  const end = old.indexOf(README_END, begin);
  const after = end < 0 ? '' : old.slice(end + README_END.length).replace(/^\n/, '');
  const text = `${old.slice(0, begin)}${section}${after}`;
  return { path: 'README.md', text, action: text === old ? 'unchanged' : 'replace' };
}

/** .gitignore: node_modules/ and out/ added when missing. */
function gitignore(root: string): PlannedFile {
  const old = readText(join(root, '.gitignore'));
  const lines = (old ?? '').split('\n').map((l) => l.trim());
  const missing = ['node_modules/', 'out/'].filter((l) => !lines.includes(l) && !lines.includes(l.slice(0, -1)));
  if (old === undefined) return { path: '.gitignore', text: `${missing.join('\n')}\n`, action: 'create' };
  if (missing.length === 0) return { path: '.gitignore', text: old, action: 'unchanged' };
  const sep = old === '' || old.endsWith('\n') ? '' : '\n';
  return {
    path: '.gitignore',
    text: `${old}${sep}${missing.join('\n')}\n`,
    action: 'merge',
    note: `added ${missing.join(', ')}`,
  };
}

/** Every file init would write, in a stable order (only the workflows with `onlyWorkflows`). */
export function planInit(root: string, o: InitOptions, onlyWorkflows = false): PlannedFile[] {
  const files: PlannedFile[] = [];
  const add = (path: string, text: string) => files.push(plain(path, text, readText(join(root, path))));
  if (!onlyWorkflows) {
    files.push(packageJson(root, o));
    add('tsconfig.json', template('tsconfig.json', o));
    add(`${o.environmentsDir}/${o.env}/mesh.ts`, template('mesh.ts', o));
  }
  const workflows = renderWorkflows({
    ...o,
    extraPaths: [],
    header: `Written by meshcc init (meshcc ${o.meshccVersion}); after upgrading meshcc, \`npx meshcc init --only-workflows --force\` refreshes it.`,
  });
  for (const [file, text] of workflows) add(`.github/workflows/${file}`, text);
  if (!onlyWorkflows) files.push(readme(root, o), gitignore(root));
  return files;
}
