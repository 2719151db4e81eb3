// Module hooks (node:module register) for the CLI: a user's TypeScript file (.ts/.mts outside node_modules; .cts
// stays CommonJS) always loads as an ES module, so an environment works in a package whose package.json says
// "type": "commonjs" (or nothing) as well as "module". In this checkout, 'meshcc' resolves to src/index.ts so the
// examples and the CLI share one copy of the constructs without a build.
// (meshcc's own sources in the checkout are ES modules anyway; installed, meshcc ships no .ts.)
let index = null;

export function initialize(data) {
  index = data?.index ?? null;
}

function isUserTypeScript(url) {
  if (!url.startsWith('file:')) return false;
  const path = url.split(/[?#]/)[0];
  return /\.m?ts$/.test(path) && !path.includes('/node_modules/');
}

export async function resolve(specifier, context, next) {
  if (index && specifier === 'meshcc') return { url: index, format: 'module', shortCircuit: true };
  const resolved = await next(specifier, context);
  return isUserTypeScript(resolved.url) ? { ...resolved, format: 'module' } : resolved;
}

export async function load(url, context, next) {
  if (!isUserTypeScript(url)) return next(url, context);
  const loaded = await next(url, { ...context, format: 'module' });
  return { ...loaded, format: 'module' };
}
