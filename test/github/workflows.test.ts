import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { repoWorkflowParams } from '../../scripts/write-workflows.ts';
import { renderWorkflows, WORKFLOWS } from '../../src/cli/scaffold/workflows.ts';
import { repoRoot } from '../cli/run-cli.ts';
import { cacheDir, firstExisting, missingPeer } from '../support/peers.ts';

const dir = join(repoRoot, '.github', 'workflows');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yml'))
  .sort();

type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<
    string,
    { permissions?: Record<string, string>; concurrency?: { group: string; 'cancel-in-progress': boolean } }
  >;
};
const load = (f: string) => yaml.load(readFileSync(join(dir, f), 'utf8')) as Workflow;

const actionlint = firstExisting([process.env.MESHCC_ACTIONLINT, join(cacheDir, 'actionlint-v1.7.12', 'actionlint')]);
const skip = actionlint ? false : missingPeer('actionlint', 'run scripts/setup-actionlint.sh');
const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('GitHub workflows', () => {
  it('are the four GitOps workflows', () => {
    expect(files).toEqual(['apply.yml', 'ci.yml', 'drift.yml', 'plan.yml']);
  });

  it('plan, apply and drift are the templates meshcc init writes (npm run workflows regenerates them)', () => {
    const rendered = renderWorkflows(repoWorkflowParams);
    expect([...rendered.keys()]).toEqual(WORKFLOWS.map((n) => `${n}.yml`));
    for (const [file, text] of rendered) expect(readFileSync(join(dir, file), 'utf8'), file).toBe(text);
  });

  it('render every parameter and refuse values that could inject YAML or expressions', () => {
    const text = renderWorkflows({
      ...repoWorkflowParams,
      environmentsDir: 'infra/envs',
      addrSecret: 'PROD_CONSUL_ADDR',
      tokenSecret: 'PROD_CONSUL_TOKEN',
      branch: 'release',
      extraPaths: [],
      header: 'Written by a test.',
    });
    const plan = yaml.load(text.get('plan.yml')!) as { on: { pull_request: { paths: string[] } } };
    expect(plan.on.pull_request.paths).toEqual([
      'infra/envs/**',
      'package.json',
      'package-lock.json',
      '.github/workflows/plan.yml',
    ]);
    const apply = text.get('apply.yml')!;
    expect(apply).toContain('branches: [release]');
    expect(apply).toContain(`CONSUL_HTTP_ADDR: \${{ secrets.PROD_CONSUL_ADDR }}`);
    expect(apply).toContain(`CONSUL_HTTP_TOKEN: \${{ secrets.PROD_CONSUL_TOKEN }}`);
    expect(apply).toContain('npx meshcc apply "infra/envs/$ENV"');
    for (const t of text.values()) {
      expect(t).not.toMatch(/__[A-Z_]+__/);
      expect(t.startsWith('# Written by a test.\n')).toBe(true);
    }
    const bad = [
      { addrSecret: 'X }} ${{ github.token' },
      { tokenSecret: 'GITHUB_TOKEN' },
      { environmentsDir: '../elsewhere' },
      { environmentsDir: '/abs' },
      { branch: 'main]\n  evil: [x' },
    ];
    for (const b of bad)
      expect(() => renderWorkflows({ ...repoWorkflowParams, ...b }), JSON.stringify(b)).toThrow(/must be/);
  });

  it.skipIf(skip)(
    `pass actionlint${shellcheck ? ' with shellcheck on every run: script' : ' (shellcheck not installed)'}`,
    () => {
      const r = spawnSync(actionlint!, ['-no-color', ...files.map((f) => join('.github', 'workflows', f))], {
        cwd: repoRoot,
        encoding: 'utf8',
      });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  );

  it('grant only read access to contents at the top, and write scopes per job', () => {
    for (const f of files) expect(load(f).permissions, f).toEqual({ contents: 'read' });
    expect(load('plan.yml').jobs.plan!.permissions).toEqual({
      contents: 'read',
      'pull-requests': 'write',
      checks: 'write',
    });
    expect(load('drift.yml').jobs.drift!.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(load('apply.yml').jobs.apply!.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('serialise applies per environment without cancelling one in progress, and heal in the same group', () => {
    const apply = load('apply.yml').jobs.apply!.concurrency;
    expect(apply).toEqual({ group: `meshcc-apply-\${{ matrix.env }}`, 'cancel-in-progress': false });
    expect(load('drift.yml').jobs.drift!.concurrency).toEqual(apply);
  });

  it('pass the per-cluster secrets of a peered environment (one named secret, never toJSON(secrets)) only to the steps that run meshcc against Consul', () => {
    type Step = { name?: string; run?: string; env?: Record<string, string> };
    const steps = (f: string, job: string) =>
      (yaml.load(readFileSync(join(dir, f), 'utf8')) as { jobs: Record<string, { steps: Step[] }> }).jobs[job]!.steps;
    const withSecrets = (f: string, job: string) =>
      steps(f, job)
        .filter((s) => s.env?.MESHCC_CLUSTER_SECRETS !== undefined)
        .map((s) => [s.name, s.env!.MESHCC_CLUSTER_SECRETS]);
    const all = `\${{ secrets.MESHCC_CLUSTER_SECRETS }}`;
    expect(withSecrets('plan.yml', 'plan')).toEqual([['Plan', all]]);
    expect(withSecrets('apply.yml', 'apply')).toEqual([['Apply', all]]);
    expect(withSecrets('drift.yml', 'drift')).toEqual([
      ['Detect drift', all],
      ['Heal', all],
    ]);
    // Never to npm ci (package install scripts) or to the steps that talk to GitHub.
    for (const [f, job] of [
      ['plan.yml', 'plan'],
      ['apply.yml', 'apply'],
      ['drift.yml', 'drift'],
    ] as const)
      for (const s of steps(f, job))
        if (s.run === 'npm ci' || s.run?.includes('meshcc github'))
          expect(s.env?.MESHCC_CLUSTER_SECRETS, f).toBeUndefined();
  });

  it('run drift on a schedule and on demand with an optional heal input', () => {
    const on = load('drift.yml').on as {
      schedule: unknown[];
      workflow_dispatch: { inputs: { heal: { type: string; default: boolean } } };
    };
    expect(on.schedule.length).toBeGreaterThan(0);
    expect(on.workflow_dispatch.inputs.heal).toMatchObject({ type: 'boolean', default: false });
  });
});

describe('the workflows meshcc init writes', () => {
  it.skipIf(skip)('pass actionlint with other secret names, environments directory and branch', () => {
    const d = mkdtempSync(join(tmpdir(), 'meshcc-wf-'));
    try {
      mkdirSync(join(d, '.github', 'workflows'), { recursive: true });
      const rendered = renderWorkflows({
        environmentsDir: 'infra/mesh-envs',
        addrSecret: 'PROD_CONSUL_ADDR',
        tokenSecret: 'PROD_CONSUL_TOKEN',
        branch: 'release/2',
        extraPaths: [],
        header: 'Written by a test.',
      });
      for (const [f, text] of rendered) writeFileSync(join(d, '.github', 'workflows', f), text);
      const r = spawnSync(actionlint!, ['-no-color', ...[...rendered.keys()].map((f) => `.github/workflows/${f}`)], {
        cwd: d,
        encoding: 'utf8',
      });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('scripts/setup-actionlint.sh', () => {
  it.skipIf(skip)('is idempotent and prints the cached binary path', () => {
    const out = execFileSync('bash', [join(repoRoot, 'scripts/setup-actionlint.sh')], {
      encoding: 'utf8',
      env: { ...process.env, MESHCC_NO_SHELLCHECK_INSTALL: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(out.split('\n')[0]).toBe(`actionlint=${join(cacheDir, 'actionlint-v1.7.12', 'actionlint')}`);
  });
});
