#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx (no build step), with source maps for diagnostics' lines.
import { register } from 'tsx/esm/api';

process.setSourceMapsEnabled(true);
register();
globalThis.__meshccTsx = true;
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
