#!/usr/bin/env node
// The bundled SNI gateway: `meshcc-gateway --config FILE [--workers N] [--check]`. The checkout runs the TypeScript
// sources through tsx, an installed package the built JavaScript (entry.js); the single-executable build
// (npm run build:gateway) bundles the same entry point.
import { moduleUrl, registerLoaders } from './entry.js';

await registerLoaders({ typescript: false });
const { gatewayMain } = await import(moduleUrl('gateway/main'));
const code = await gatewayMain(process.argv.slice(2));
process.exit(code);
