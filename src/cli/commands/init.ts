/** `meshcc init [dir]`: scaffolds a GitOps repository for meshcc (as `cdk8s init` / `cdktf init`). */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';
import { planInit } from '../scaffold/init-files.ts';
import { checkWorkflowParams } from '../scaffold/workflows.ts';
import { meshccVersion } from '../version.ts';

const usage = `Usage: meshcc init [dir] [options]

Scaffolds a repository (default: the current directory) for describing a Consul service mesh with meshcc:
  package.json                 created, or meshcc and typescript (devDependencies) and the scripts typecheck and
                               synth added where absent; nothing in it is changed or removed
  tsconfig.json                type-checks the environments (editor types come from the meshcc package)
  <environments-dir>/<env>/mesh.ts   one example environment (two datacenters, mesh gateways, two services)
  .github/workflows/plan.yml   validate + plan on pull requests (comment, check run)
  .github/workflows/apply.yml  apply on push to the branch, one environment at a time
  .github/workflows/drift.yml  scheduled drift check, one issue per drifting environment, optional heal
  README.md                    a section for the team (appended), .gitignore (node_modules/, out/ added)
Existing files are never overwritten without --force; then nothing at all is written. Afterwards run \`npm install\`.

Options:
  --env NAME                   the example environment (default: prod)
  --environments-dir DIR       where environments live (default: environments)
  --consul-addr-secret NAME    GitHub secret with the Consul HTTP address (default: CONSUL_HTTP_ADDR)
  --consul-token-secret NAME   GitHub secret with the Consul ACL token (default: CONSUL_HTTP_TOKEN)
  --branch NAME                pushes to this branch apply (default: main)
  --only-workflows             write only .github/workflows (e.g. with --force after upgrading meshcc)
  --force                      overwrite existing files (tsconfig.json, the example, the workflows, the README section)
`;

/** Writes through a temporary file and a rename, so a file is either old or new, never half written. */
function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.meshcc-init-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const init: Command = {
  name: 'init',
  summary: 'scaffold a repository: package.json, tsconfig, an example environment, GitHub workflows',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      env: { type: 'string' },
      'environments-dir': { type: 'string' },
      'consul-addr-secret': { type: 'string' },
      'consul-token-secret': { type: 'string' },
      branch: { type: 'string' },
      'only-workflows': { type: 'boolean' },
      force: { type: 'boolean' },
    });
    if (positionals.length > 1) throw new UsageError('expected at most one directory');
    const env = values.env ?? 'prod';
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(env)) {
      throw new UsageError(`--env must be lower-case letters, digits and '-' (a Consul-safe name), got '${env}'`);
    }
    const options = {
      env,
      environmentsDir: (values['environments-dir'] ?? 'environments').replace(/\/+$/, ''),
      addrSecret: values['consul-addr-secret'] ?? 'CONSUL_HTTP_ADDR',
      tokenSecret: values['consul-token-secret'] ?? 'CONSUL_HTTP_TOKEN',
      branch: values.branch ?? 'main',
      meshccVersion: meshccVersion(),
    };
    checkWorkflowParams({ ...options, extraPaths: [], header: '' });
    const root = resolve(io.cwd, positionals[0] ?? '.');
    const files = planInit(root, options, values['only-workflows'] ?? false);
    const conflicts = files.filter((f) => f.action === 'replace');
    if (conflicts.length > 0 && !values.force) {
      io.stderr(
        `meshcc init: ${conflicts.length === 1 ? 'this file exists' : 'these files exist'} and would be overwritten; nothing was written:\n` +
          conflicts.map((f) => `  ${f.path}\n`).join('') +
          `Move ${conflicts.length === 1 ? 'it' : 'them'} away, or run again with --force to overwrite ${conflicts.length === 1 ? 'it' : 'them'}.\n`,
      );
      return Exit.error;
    }
    const verbs = { create: 'created', replace: 'overwrote', merge: 'updated', unchanged: 'unchanged' } as const;
    for (const f of files) {
      if (f.action !== 'unchanged') writeAtomic(join(root, f.path), f.text);
      io.stdout(`${verbs[f.action].padEnd(10)} ${f.path}${f.note ? ` (${f.note})` : ''}\n`);
    }
    const envDir = `${options.environmentsDir}/${env}`;
    io.stdout(
      `\nNext:\n  npm install\n  npx meshcc validate ${envDir}\n  npx meshcc synth ${envDir}\n` +
        `Then create the GitHub secrets ${options.addrSecret} and ${options.tokenSecret} (README.md, "Consul service mesh").\n`,
    );
    return Exit.ok;
  },
};

export default init;
