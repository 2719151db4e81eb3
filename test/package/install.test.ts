/**
 * meshcc as a user gets it: `npm pack` of this checkout (one tarball, built by prepack), installed into a fresh
 * repository of each module format (package.json "type": "commonjs" and "module"), then `meshcc init`, `npm install`,
 * validate, synth, plan, apply and plan again against the real Consul of test/setup/consul-global.ts (through
 * CONSUL_HTTP_ADDR, as the workflows pass it), `tsc` over the environments (typed imports from the installed .d.ts),
 * actionlint over the workflows init wrote, and the load advice of an environment outside any repository with meshcc.
 * Both repositories run at the same time; npm installs prefer the local npm cache.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../cli/run-cli.ts';
import { MISSING_MESSAGE } from '../consul/harness.ts';
import { cacheDir, firstExisting, missingPeer } from '../support/peers.ts';

const consul = inject('consul');
if (!consul) console.warn(`\n${MISSING_MESSAGE}\n`);
const actionlint = firstExisting([process.env.MESHCC_ACTIONLINT, join(cacheDir, 'actionlint-v1.7.12', 'actionlint')]);
const skipLint = actionlint ? false : missingPeer('actionlint', 'run scripts/setup-actionlint.sh');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: { ...process.env, ...env, npm_config_update_notifier: 'false' }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

const timings: string[] = [];

/** Runs a step and notes how long it took (printed at the end: where the suite's time goes). */
async function step<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await f();
  } finally {
    timings.push(`${what}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
}

function ok(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

describe.skipIf(!consul)('the packed meshcc in a user repository', () => {
  const work = mkdtempSync(join(tmpdir(), 'meshcc-pack-'));
  let tarball = '';
  const tag = randomBytes(3).toString('hex');

  beforeAll(async () => {
    const r = ok(
      await step('npm pack (with the build)', () =>
        run('npm', ['pack', '--json', '--pack-destination', work, ...npmFlags], repoRoot),
      ),
      'npm pack',
    );
    const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work, info!.filename);
    const paths = info!.files.map((f) => f.path);
    // What npm packages ship: the build with its types, the bins, templates and schemas; no sources or tests.
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/index.d.ts');
    expect(paths).toContain('bin/meshcc.js');
    expect(paths).toContain('templates/workflows/plan.yml');
    expect(paths.filter((p) => /^(src|test|bench|environments|scripts|\.github)\//.test(p))).toEqual([]);
  }, 240_000);

  afterAll(() => {
    console.log(`meshcc pack test timings:\n  ${timings.join('\n  ')}`);
    rmSync(work, { recursive: true, force: true });
  });

  // Both repositories at once: most of the time is npm and process start-up, not CPU.
  it.concurrent.each(['commonjs', 'module'] as const)(
    'works in a "type": "%s" repository: install, init, validate, synth, typecheck, plan, apply, actionlint',
    async (type) => {
      const repo = join(work, `repo-${type}`);
      const env = `pk${type === 'module' ? 'esm' : 'cjs'}-${tag}`;
      mkdirSync(repo);
      writeFileSync(
        join(repo, 'package.json'),
        `${JSON.stringify({ name: `team-${type}`, private: true, type }, null, 2)}\n`,
      );
      ok(
        await step(`${type}: npm install meshcc`, () =>
          run('npm', ['install', '--save-dev', tarball, ...npmFlags], repo),
        ),
        'npm install meshcc',
      );
      const init = ok(
        await step(`${type}: npx meshcc init`, () => run('npx', ['meshcc', 'init', '--env', env], repo)),
        'meshcc init',
      );
      // the rest runs the installed bin as npx does, without npm's own start-up each time
      const meshcc = (args: string[], extra: Record<string, string> = {}) =>
        run(process.execPath, [join(repo, 'node_modules', '.bin', 'meshcc'), ...args], repo, extra);
      expect(init.stdout).toContain(`created    environments/${env}/mesh.ts`);
      expect(init.stdout).toContain('created    .github/workflows/apply.yml');
      const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
      expect(pkg.type).toBe(type); // init adds to package.json, never changes what is there
      expect(pkg.devDependencies.meshcc).toMatch(/^file:/);
      // a second init refuses to overwrite a file the user changed, and writes nothing
      const mesh = join(repo, 'environments', env, 'mesh.ts');
      // the user's edit: service names of their own (unique per run, so parallel suites sharing Consul never meet)
      writeFileSync(
        mesh,
        readFileSync(mesh, 'utf8')
          .replace("'web'", `'${env}-web'`)
          .replace("'api'", `'${env}-api'`)
          .replace("'web-to-api'", `'${env}-web-to-api'`),
      );
      const again = await meshcc(['init', '--env', env]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`environments/${env}/mesh.ts`);
      expect(again.stderr).toContain('--force');
      // a file whose only error is a deliberate type error: tsc must report exactly it (the types are real)
      writeFileSync(
        join(repo, 'environments', 'typed.ts'),
        "import { Mesh } from 'meshcc';\nexport const n: number = new Mesh('x', { clusterId: 'y' });\n",
      );

      const consulEnv = { CONSUL_HTTP_ADDR: consul!.dc1 };
      const dir = `environments/${env}`;
      const [validate, synth, tsc, lint] = await step(`${type}: validate, synth, tsc, actionlint`, () =>
        Promise.all([
          meshcc(['validate', dir]),
          meshcc(['synth', dir, '--out', `out/${env}`]),
          // this checkout's TypeScript (the version init adds) over the repository's tsconfig and installed meshcc
          run(
            process.execPath,
            [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'],
            repo,
          ),
          skipLint
            ? Promise.resolve({ code: 0, stdout: '', stderr: '' })
            : run(
                actionlint!,
                ['-no-color', ...['plan', 'apply', 'drift'].map((w) => `.github/workflows/${w}.yml`)],
                repo,
              ),
        ]),
      );
      expect(validate.stderr).toContain('0 error(s), 0 warning(s)');
      expect(validate.code).toBe(0);
      expect(synth.code, synth.stderr).toBe(0);
      expect(synth.stdout).toMatch(/^wrote \d+ files in out\//);
      expect(JSON.parse(readFileSync(join(repo, 'out', env, 'manifest.json'), 'utf8'))).toBeTruthy();
      expect(tsc.stdout.trim().split('\n')).toEqual([
        "environments/typed.ts(2,14): error TS2322: Type 'Mesh' is not assignable to type 'number'.",
      ]);
      expect(lint.stdout + lint.stderr).toBe('');
      expect(lint.code).toBe(0);

      const plan = await step(`${type}: plan`, () => meshcc(['plan', dir], consulEnv));
      expect(plan.code, plan.stderr).toBe(2);
      expect(plan.stdout).toContain(`${env}-api`);
      const apply = await step(`${type}: apply`, () => meshcc(['apply', dir], consulEnv));
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const after = await step(`${type}: plan after apply`, () => meshcc(['plan', dir], consulEnv));
      expect(after.code, after.stdout + after.stderr).toBe(0);
    },
    420_000,
  );

  it('says what to do when an environment cannot import meshcc, or imports another copy than the one running', async () => {
    const orphan = join(work, 'orphan');
    mkdirSync(orphan);
    writeFileSync(
      join(orphan, 'mesh.ts'),
      [
        "import { Datacenter, Mesh } from 'meshcc';",
        "const mesh = new Mesh('orphan', { clusterId: '11111111-2222-3333-4444-555555555555' });",
        "new Datacenter(mesh, 'dc1', { primary: true, platform: 'vm' });",
        'export default mesh;',
        '',
      ].join('\n'),
    );
    // the installed bin (dist, not this checkout's sources) of the CommonJS repository above
    const bin = join(work, 'repo-commonjs', 'node_modules', 'meshcc', 'bin', 'meshcc.js');
    const r = await run(process.execPath, [bin, 'synth', join(orphan, 'mesh.ts')], orphan);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error MC1001');
    expect(r.stderr).toContain(`environment ${join(orphan, 'mesh.ts')} failed to load`);
    expect(r.stderr).toContain('npm install --save-dev meshcc');
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    // with meshcc installed beside it, the same environment loads: no tsconfig, a package.json without "type"
    writeFileSync(join(orphan, 'package.json'), '{ "name": "orphan", "private": true }\n');
    mkdirSync(join(orphan, 'node_modules'));
    symlinkSync(join(work, 'repo-commonjs', 'node_modules', 'meshcc'), join(orphan, 'node_modules', 'meshcc'));
    const fixed = await run(process.execPath, [bin, 'validate', join(orphan, 'mesh.ts')], orphan);
    expect(fixed.stderr).toContain('0 error(s)');
    expect(fixed.code).toBe(0);
    // another installed copy (the ES-module repository's) running it: its Mesh is not that copy's, and it says so
    const other = join(work, 'repo-module', 'node_modules', 'meshcc', 'bin', 'meshcc.js');
    const mixed = await run(process.execPath, [other, 'validate', join(orphan, 'mesh.ts')], orphan);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('it builds its Mesh with a different copy of meshcc than the one running');
    expect(mixed.stderr).toContain('hint: run the meshcc installed in the repository holding mesh.ts');
  }, 60_000);
});
