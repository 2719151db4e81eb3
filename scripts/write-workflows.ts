/**
 * Writes this repository's plan/apply/drift workflows (.github/workflows) from templates/workflows, the same
 * templates `meshcc init` writes into a user's repository. Run `npm run workflows` after editing a template;
 * test/github/workflows.test.ts fails when the files and the templates disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWorkflows, type WorkflowParams } from '../src/cli/scaffold/workflows.ts';

export const repoWorkflowParams: WorkflowParams = {
  environmentsDir: 'environments',
  addrSecret: 'CONSUL_HTTP_ADDR',
  tokenSecret: 'CONSUL_HTTP_TOKEN',
  branch: 'main',
  // meshcc's own sources change what every environment compiles to.
  extraPaths: ['src/**'],
  header: 'Generated from templates/workflows by scripts/write-workflows.ts (npm run workflows): edit the template.',
};

export const workflowsDir = join(import.meta.dirname, '..', '.github', 'workflows');

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  for (const [file, text] of renderWorkflows(repoWorkflowParams)) {
    const path = join(workflowsDir, file);
    let old = '';
    try {
      old = readFileSync(path, 'utf8');
    } catch {}
    if (old !== text) writeFileSync(path, text);
    process.stdout.write(`${old === text ? 'unchanged' : 'wrote'} .github/workflows/${file}\n`);
  }
}
