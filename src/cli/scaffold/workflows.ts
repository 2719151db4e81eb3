/**
 * The GitHub workflows meshcc ships (templates/workflows/*.yml): plan on pull requests, apply on merge, scheduled
 * drift. `meshcc init` writes them into a user's repository; scripts/write-workflows.ts writes this repository's own
 * from the same templates. Templates hold `__NAME__` placeholders; rendering checks every value (so a value can never
 * inject YAML or an expression) and that no placeholder is left.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../command.ts';

export const WORKFLOWS = ['plan', 'apply', 'drift'] as const;
export type WorkflowName = (typeof WORKFLOWS)[number];

/** templates/ at the package root: three levels up from src/cli/scaffold (checkout) or dist/cli/scaffold (installed). */
export const templatesDir = fileURLToPath(new URL('../../../templates/', import.meta.url));

export interface WorkflowParams {
  /** Directory holding one sub-directory per environment (default `environments`). */
  readonly environmentsDir: string;
  /** Names of the GitHub secrets holding the Consul HTTP address and ACL token. */
  readonly addrSecret: string;
  readonly tokenSecret: string;
  /** The branch whose pushes apply (default `main`). */
  readonly branch: string;
  /** More path filters that trigger plan and apply (this repository adds `src/**`). */
  readonly extraPaths: readonly string[];
  /** First comment line(s): who wrote the file and from what. */
  readonly header: string;
}

const SECRET = /^(?!GITHUB_)[A-Za-z_][A-Za-z0-9_]*$/;
const PATH = /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9._\-/*]+$/;
const BRANCH = /^[A-Za-z0-9._\-/]+$/;

function check(flag: string, value: string, re: RegExp, what: string): string {
  if (!re.test(value)) throw new UsageError(`${flag} must be ${what}, got '${value}'`);
  return value;
}

/** Checks the parameters; throws UsageError naming the option (as `meshcc init` spells it). */
export function checkWorkflowParams(p: WorkflowParams): void {
  check('--environments-dir', p.environmentsDir, PATH, 'a relative path inside the repository');
  check('--consul-addr-secret', p.addrSecret, SECRET, 'a GitHub secret name (letters, digits, _; not GITHUB_*)');
  check('--consul-token-secret', p.tokenSecret, SECRET, 'a GitHub secret name (letters, digits, _; not GITHUB_*)');
  check('--branch', p.branch, BRANCH, 'a branch name');
  for (const x of p.extraPaths) check('extra path', x, PATH, 'a relative path filter');
}

/** One workflow's YAML text. */
export function renderWorkflow(name: WorkflowName, p: WorkflowParams): string {
  checkWorkflowParams(p);
  const template = readFileSync(join(templatesDir, 'workflows', `${name}.yml`), 'utf8');
  const out: string[] = [];
  for (const line of template.split('\n')) {
    if (line === '# __HEADER__') {
      out.push(...p.header.split('\n').map((l) => `# ${l}`.trimEnd()));
      continue;
    }
    const extra = /^(\s*)- __EXTRA_PATHS__$/.exec(line);
    if (extra) {
      out.push(...p.extraPaths.map((x) => `${extra[1]}- ${x}`));
      continue;
    }
    out.push(
      line
        .replaceAll('__ENVIRONMENTS__', p.environmentsDir.replace(/\/+$/, ''))
        .replaceAll('__ADDR_SECRET__', p.addrSecret)
        .replaceAll('__TOKEN_SECRET__', p.tokenSecret)
        .replaceAll('__BRANCH__', p.branch),
    );
  }
  const text = out.join('\n');
  const left = /__[A-Z_]+__/.exec(text);
  if (left) throw new Error(`templates/workflows/${name}.yml: unknown placeholder ${left[0]}`);
  return text;
}

/** Every workflow, by file name (`plan.yml`, ...). */
export function renderWorkflows(p: WorkflowParams): Map<string, string> {
  return new Map(WORKFLOWS.map((n) => [`${n}.yml`, renderWorkflow(n, p)]));
}
