/**
 * What to do when an environment module does not load (the hint of MC1001): a missing default export, a module
 * format mix-up (CommonJS vs ES module), 'meshcc' or another package not installed where the file is. Pure: from
 * the error's code and message to a sentence naming the file.
 */
import { relative } from 'node:path';

const FORMAT =
  /require\(\) of ES Module|ERR_REQUIRE_ESM|ERR_REQUIRE_CYCLE_MODULE|ERR_REQUIRE_ASYNC_MODULE|Cannot require\(\) ES Module|require is not defined in ES module scope|exports is not defined in ES module scope|module is not defined in ES module scope|Cannot use import statement outside a module|Unexpected token 'export'/;

/** The package a "cannot find package" error names (`'meshcc'`, `'@scope/x'`), if any. */
function missingPackage(message: string): string | undefined {
  const m = /Cannot find (?:package|module) '((?:@[^/'\s]+\/)?[^./'\s][^/'\s]*)/.exec(message);
  return m?.[1];
}

export interface LoadFailure {
  readonly code?: string;
  readonly message: string;
}

/** A hint for MC1001, or undefined for errors in the user's own code (the default hint applies). */
export function loadAdvice(file: string, e: LoadFailure, cwd = process.cwd()): string | undefined {
  const shown = relative(cwd, file) || file;
  if (FORMAT.test(e.message) || e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_CYCLE_MODULE') {
    return (
      `${shown} must be an ES module: use import/export (not require or module.exports). Run it with ` +
      '`npx meshcc`, which loads .ts environments as ES modules whatever "type" package.json says; a loader of your ' +
      'own needs "type": "module" in package.json (see docs/install.md)'
    );
  }
  if (e.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (?:package|module)/.test(e.message)) {
    const pkg = missingPackage(e.message);
    if (pkg === 'meshcc') {
      return (
        `${shown} imports 'meshcc', which is not installed for it: run \`npm install --save-dev meshcc\` in the ` +
        'repository holding it (or `npx meshcc init` there), then `npm install`'
      );
    }
    if (pkg) return `${shown} imports '${pkg}', which is not installed: \`npm install ${pkg}\` or fix the import`;
    return `${shown} imports a file that does not exist: check the relative import paths (with their extension)`;
  }
  return undefined;
}

/** The hint when the module loaded but its default export is not a Mesh. */
export function defaultExportAdvice(file: string, cwd = process.cwd()): string {
  const shown = relative(cwd, file) || file;
  return `end ${shown} with \`export default mesh;\` (the Mesh it builds, or a function returning one)`;
}

/** The hint when the environment's Mesh comes from another installed copy of meshcc than the running CLI. */
export function otherCopyAdvice(file: string, cwd = process.cwd()): string {
  const shown = relative(cwd, file) || file;
  return (
    `run the meshcc installed in the repository holding ${shown} (\`npm install\`, then \`npx meshcc\` there), ` +
    'so the environment and the command share one meshcc'
  );
}
