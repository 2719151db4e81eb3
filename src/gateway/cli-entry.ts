/** Entry point of the bundled gateway (esbuild → one CJS file → Node single-executable application). */
import { gatewayMain } from './main.ts';

void gatewayMain(process.argv.slice(2)).then((code) => process.exit(code));
