#!/usr/bin/env node
// `meshcc <command>`: the checkout runs src/ through tsx, an installed package runs dist/ (see entry.js).
import { moduleUrl, registerLoaders } from './entry.js';

await registerLoaders({ typescript: true });
const { main } = await import(moduleUrl('cli/main'));
const code = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
