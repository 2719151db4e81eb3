import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The examples import 'meshcc': in this checkout that is the sources (the package's exports point at the build).
  resolve: { alias: [{ find: /^meshcc$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }] },
  test: {
    include: ['test/**/*.test.ts'],
    // Real-Consul suites start processes; keep parallelism modest on 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 180_000,
    globalSetup: ['test/setup/global-setup.ts', 'test/setup/consul-global.ts'],
  },
});
