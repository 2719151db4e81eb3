/**
 * MC1001 hints: what to do when an environment does not load, naming the file. The module-format and
 * missing-'meshcc' cases come from the messages Node itself writes (the installed bin's real message is checked by
 * test/package/install.test.ts); the missing default export goes through the CLI on a real file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAdvice } from '../../src/input/load-advice.ts';
import { runCli } from '../cli/run-cli.ts';

const file = '/repo/environments/prod/mesh.ts';

describe('environment load advice', () => {
  it.each([
    'Cannot require() ES Module /repo/node_modules/meshcc/dist/index.js in a cycle.',
    'require() of ES Module /repo/node_modules/meshcc/dist/index.js from /repo/environments/prod/mesh.ts not supported.',
    'require is not defined in ES module scope, you can use import instead',
    'module is not defined in ES module scope',
    'Cannot use import statement outside a module',
  ])('module format: %s', (message) => {
    const hint = loadAdvice(file, { message }, '/repo');
    expect(hint).toContain('environments/prod/mesh.ts must be an ES module');
    expect(hint).toContain('"type": "module"');
  });

  it("missing 'meshcc' names the file and the command to run", () => {
    const hint = loadAdvice(
      file,
      {
        code: 'ERR_MODULE_NOT_FOUND',
        message: "Cannot find package 'meshcc' imported from /repo/environments/prod/mesh.ts",
      },
      '/repo',
    );
    expect(hint).toBe(
      "environments/prod/mesh.ts imports 'meshcc', which is not installed for it: run `npm install --save-dev meshcc` " +
        'in the repository holding it (or `npx meshcc init` there), then `npm install`',
    );
  });

  it('another missing package or file', () => {
    expect(
      loadAdvice(file, { code: 'ERR_MODULE_NOT_FOUND', message: "Cannot find package '@acme/x' imported from y" }, '/'),
    ).toContain("imports '@acme/x', which is not installed: `npm install @acme/x`");
    expect(
      loadAdvice(file, { code: 'ERR_MODULE_NOT_FOUND', message: "Cannot find module '/repo/x.ts' imported from y" }),
    ).toContain('imports a file that does not exist');
  });

  it('leaves errors in the user code to the default hint', () => {
    expect(loadAdvice(file, { message: 'boom is not defined' })).toBeUndefined();
  });

  it('a module without a default export: MC1001 at the file, with the line to add', async () => {
    const d = mkdtempSync(join(tmpdir(), 'meshcc-advice-'));
    try {
      writeFileSync(join(d, 'mesh.ts'), 'export const mesh = 1;\n');
      const r = await runCli(['synth', join(d, 'mesh.ts')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error MC1001: environment ${join(d, 'mesh.ts')} failed to load: its default export`);
      expect(r.stderr).toMatch(/hint: end .*mesh\.ts with `export default mesh;`/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
