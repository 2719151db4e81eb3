#!/usr/bin/env node
// The bundled SNI gateway: `meshcc-gateway --config FILE [--workers N] [--check]`. Runs the TypeScript sources through
// tsx; the single-executable build (npm run build:gateway) bundles the same entry point.
import { register } from 'tsx/esm/api';

register();
const { gatewayMain } = await import('../src/gateway/main.ts');
const code = await gatewayMain(process.argv.slice(2));
process.exit(code);
