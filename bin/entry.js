// How meshcc's two commands start, in this checkout and when installed from npm:
// - checkout (src/ next to bin/): runs the TypeScript sources through tsx, so edits apply without a build;
// - installed package (no src/, dist/ built by `npm run build` / prepack): runs the built JavaScript.
// Either way a user's environment (`mesh.ts`) is TypeScript: tsx compiles it, and load-hooks.js makes it load as an
// ES module whatever the "type" of the user's package.json (see docs/install.md).
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const fromSource = existsSync(new URL('../src/cli/main.ts', import.meta.url));

/** `cli/main` → src/cli/main.ts in the checkout, dist/cli/main.js when installed. */
export function moduleUrl(name) {
  return new URL(fromSource ? `../src/${name}.ts` : `../dist/${name}.js`, import.meta.url).href;
}

/** Makes TypeScript importable (tsx) and user `.ts` files load as ES modules; in the checkout maps 'meshcc' to src. */
export async function registerLoaders({ typescript }) {
  if (!typescript && !fromSource) return;
  const { register: registerTsx } = await import('tsx/esm/api');
  process.setSourceMapsEnabled(true);
  registerTsx();
  globalThis.__meshccTsx = true;
  // Registered after tsx, so these hooks run first and hand tsx the format they decided.
  register('./load-hooks.js', import.meta.url, {
    data: { index: fromSource ? moduleUrl('index') : null },
  });
}
