#!/usr/bin/env node
// Builds the test-only xDS stand-in sidecar (test/support/xds-sidecar, Go; see docs/testing.md) into
// ~/.cache/meshcc/xds-sidecar-<hash>/xds-sidecar, <hash> being the SHA-256 of its sources, go.mod and go.sum, so a
// machine builds each version once (CI: `.ci/run` runs this before the tests). Dependencies come from the Go module
// proxy the machine is configured with (GOPROXY as set), pinned by go.sum. Prints the binary's path on the last
// line of stdout. `--path` prints the path without building.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'test', 'support', 'xds-sidecar');
const cache = process.env.MESHCC_CACHE ?? join(homedir(), '.cache', 'meshcc');

const files = readdirSync(src)
  .filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum')
  .sort();
const hash = createHash('sha256');
for (const f of files) {
  hash.update(`${f}\0`);
  hash.update(readFileSync(join(src, f)));
  hash.update('\0');
}
const dir = join(cache, `xds-sidecar-${hash.digest('hex').slice(0, 16)}`);
const out = join(dir, 'xds-sidecar');

if (process.argv.includes('--path') || existsSync(out)) {
  console.log(out);
  process.exit(0);
}
mkdirSync(dir, { recursive: true });
const tmp = `${out}.tmp-${process.pid}`;
const started = Date.now();
process.stderr.write(`build-xds-sidecar: building ${out} (a cold build fetches its modules and takes minutes)\n`);
try {
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', tmp, '.'], {
    cwd: src,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
      // go.sum pins every module; -mod=mod lets a fresh module cache fill itself from the proxy.
      GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim(),
    },
  });
} catch (e) {
  process.stderr.write(`build-xds-sidecar: go build failed: ${e.message}\n`);
  process.exit(1);
}
renameSync(tmp, out);
process.stderr.write(`build-xds-sidecar: built in ${Math.round((Date.now() - started) / 1000)} s\n`);
console.log(out);
