#!/usr/bin/env node
// Builds the bundled SNI gateway as one file and, when possible, as a Node single-executable application (SEA):
//   1. esbuild bundles src/gateway/cli-entry.ts (and ajv + the config schema) into dist/gateway/meshcc-gateway.cjs;
//   2. `node --experimental-sea-config` turns it into a preparation blob;
//   3. postject injects the blob into a copy of the node binary → dist/gateway/meshcc-gateway.
// Step 3 needs the `postject` package; without it the script stops after step 2 and says so (exit 0: the .cjs
// bundle runs anywhere with `node dist/gateway/meshcc-gateway.cjs --config FILE`).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'gateway');
mkdirSync(out, { recursive: true });
const require = createRequire(import.meta.url);
const esbuild = require('esbuild');

const bundle = join(out, 'meshcc-gateway.cjs');
await esbuild.build({
  entryPoints: [join(root, 'src/gateway/cli-entry.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: bundle,
  minify: false,
  legalComments: 'none',
  logLevel: 'warning',
});
console.log(`bundle: ${bundle}`);

const blob = join(out, 'sea-prep.blob');
const seaConfig = join(out, 'sea-config.json');
writeFileSync(
  seaConfig,
  `${JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true }, null, 2)}\n`,
);
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });
console.log(`sea blob: ${blob}`);

let postject;
try {
  postject = require('postject');
} catch {
  console.log('postject is not installed: skipping the single-executable step (run the .cjs bundle with node).');
  process.exit(0);
}
const exe = join(out, 'meshcc-gateway');
if (existsSync(exe)) execFileSync('rm', ['-f', exe]);
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
const { readFileSync } = await import('node:fs');
await postject.inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), {
  sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
});
console.log(`executable: ${exe}`);
