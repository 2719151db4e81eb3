/**
 * `meshcc init` in-process on temporary directories: what it writes, how it adds to an existing package.json and
 * README, that it refuses to overwrite (writing nothing at all) unless --force, and its usage errors. The packed,
 * installed init is exercised end to end by test/package/install.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWorkflows } from '../../src/cli/scaffold/workflows.ts';
import { runCli } from './run-cli.ts';

const dirs: string[] = [];
function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'meshcc-init-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const read = (d: string, f: string) => readFileSync(join(d, f), 'utf8');
const version = JSON.parse(read(join(import.meta.dirname, '../..'), 'package.json')).version as string;

describe('meshcc init', () => {
  it('scaffolds an empty directory: package.json, tsconfig, the example, three workflows, README, .gitignore', async () => {
    const d = fresh();
    const r = await runCli(['init', d]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of [
      'package.json',
      'tsconfig.json',
      'environments/prod/mesh.ts',
      '.github/workflows/plan.yml',
      '.github/workflows/apply.yml',
      '.github/workflows/drift.yml',
      'README.md',
      '.gitignore',
    ]) {
      expect(r.stdout).toContain(`created    ${f}\n`);
    }
    const pkg = JSON.parse(read(d, 'package.json'));
    expect(pkg.type).toBe('module');
    expect(pkg.devDependencies).toEqual({ meshcc: `^${version}`, typescript: '^5.9.3' });
    expect(read(d, 'environments/prod/mesh.ts')).toContain("new Mesh('prod',");
    expect(read(d, 'environments/prod/mesh.ts')).not.toMatch(/__[A-Z]+__/);
    expect(read(d, 'README.md')).toContain('npx meshcc validate environments/prod');
    expect(read(d, '.gitignore')).toBe('node_modules/\nout/\n');
    // the second run changes nothing and says so
    const again = await runCli(['init', d]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/^(created|updated|overwrote)/m);
  });

  it('writes the shipped workflow templates with the chosen secret names, environments directory and branch', async () => {
    const d = fresh();
    const r = await runCli([
      'init',
      d,
      '--env',
      'staging',
      '--environments-dir',
      'mesh/envs',
      '--consul-addr-secret',
      'STAGING_CONSUL_ADDR',
      '--consul-token-secret',
      'STAGING_CONSUL_TOKEN',
      '--branch',
      'trunk',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rendered = renderWorkflows({
      environmentsDir: 'mesh/envs',
      addrSecret: 'STAGING_CONSUL_ADDR',
      tokenSecret: 'STAGING_CONSUL_TOKEN',
      branch: 'trunk',
      extraPaths: [],
      header: `Written by meshcc init (meshcc ${version}); after upgrading meshcc, \`npx meshcc init --only-workflows --force\` refreshes it.`,
    });
    for (const [f, text] of rendered) expect(read(d, `.github/workflows/${f}`)).toBe(text);
    expect(read(d, '.github/workflows/apply.yml')).toContain('secrets.STAGING_CONSUL_TOKEN');
    expect(existsSync(join(d, 'mesh/envs/staging/mesh.ts'))).toBe(true);
    expect(JSON.parse(read(d, 'tsconfig.json')).include).toEqual(['mesh/envs']);
  });

  it('adds to an existing package.json and README without changing what is there', async () => {
    const d = fresh();
    const pkg = {
      name: 'team-mesh',
      type: 'commonjs',
      scripts: { synth: 'echo mine' },
      dependencies: { meshcc: '0.1.0' },
    };
    writeFileSync(join(d, 'package.json'), `${JSON.stringify(pkg, null, 4)}\n`);
    writeFileSync(join(d, 'README.md'), '# Team mesh\n\nOur notes.\n');
    writeFileSync(join(d, '.gitignore'), 'dist\nnode_modules\n');
    const r = await runCli(['init', d]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('updated    package.json (added devDependency typescript, script typecheck)');
    const text = read(d, 'package.json');
    expect(text.startsWith('{\n    "name"')).toBe(true); // indentation kept
    expect(JSON.parse(text)).toEqual({
      ...pkg,
      scripts: { synth: 'echo mine', typecheck: 'tsc --noEmit' },
      devDependencies: { typescript: '^5.9.3' },
    });
    expect(read(d, 'README.md')).toMatch(/^# Team mesh\n\nOur notes\.\n\n<!-- meshcc:begin/);
    expect(read(d, '.gitignore')).toBe('dist\nnode_modules\nout/\n');
  });

  it('refuses to overwrite a changed file, writing nothing at all; --force overwrites', async () => {
    const d = fresh();
    mkdirSync(join(d, '.github/workflows'), { recursive: true });
    writeFileSync(join(d, 'tsconfig.json'), '{}\n');
    writeFileSync(join(d, '.github/workflows/plan.yml'), 'name: mine\n');
    const r = await runCli(['init', d]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'meshcc init: these files exist and would be overwritten; nothing was written:\n' +
        '  tsconfig.json\n  .github/workflows/plan.yml\n' +
        'Move them away, or run again with --force to overwrite them.\n',
    );
    expect(existsSync(join(d, 'package.json'))).toBe(false);
    expect(existsSync(join(d, 'environments'))).toBe(false);
    expect(read(d, 'tsconfig.json')).toBe('{}\n');
    const forced = await runCli(['init', d, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('overwrote  tsconfig.json\n');
    expect(read(d, '.github/workflows/plan.yml')).toContain('name: plan');
  });

  it('--only-workflows writes the workflows and nothing else', async () => {
    const d = fresh();
    const r = await runCli(['init', d, '--only-workflows']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^created/gm)).toHaveLength(3);
    expect(existsSync(join(d, 'package.json'))).toBe(false);
  });

  it.each([
    [['--env', 'Prod_1'], "--env must be lower-case letters, digits and '-'"],
    [['--consul-token-secret', 'GITHUB_TOKEN'], '--consul-token-secret must be a GitHub secret name'],
    [['--consul-addr-secret', 'A }}'], '--consul-addr-secret must be a GitHub secret name'],
    [['--environments-dir', '../x'], '--environments-dir must be a relative path inside the repository'],
    [['--nope'], "Unknown option '--nope'"],
  ])('rejects %j with a usage error (exit 1) and writes nothing', async (args, message) => {
    const d = fresh();
    const r = await runCli(['init', d, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('Usage: meshcc init');
    expect(existsSync(join(d, 'package.json'))).toBe(false);
  });

  it('says which file is broken when package.json is not JSON', async () => {
    const d = fresh();
    writeFileSync(join(d, 'package.json'), '{ nope');
    const r = await runCli(['init', d]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('package.json is not valid JSON');
    expect(read(d, 'package.json')).toBe('{ nope');
  });
});
