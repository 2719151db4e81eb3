/**
 * `npm run bench:profile -- [services] [--l7] [--out FILE]`: where compile + emit of a generated mesh spends its time.
 *
 * Warms up like `bench:compile` (three 1,000-service rounds, then a full GC), then times each compiler pass and the
 * emit on its own and prints one line of milliseconds per phase (GC included, where it falls). With `--out FILE` the
 * timed part also runs under V8's sampling profiler and the `.cpuprofile` is written there (open it in Chrome DevTools
 * or read it with `node bench/profile-top.mjs FILE`). For comparing versions use `bench:compile` (medians of separate
 * processes); this is for finding the hot spots.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { compile, compileUpstreamChains, effectiveEntries } from '../src/compiler/compile.ts';
import { buildEntryIndex } from '../src/compiler/entry-index.ts';
import { checkPlatform } from '../src/compiler/passes/check-platform.ts';
import { resolveGatewayModes } from '../src/compiler/passes/resolve-gateway-modes.ts';
import { validationPasses } from '../src/compiler/validation-passes.ts';
import { emitConsulEntries } from '../src/emit/index.ts';
import { generateMesh } from './generate-mesh.ts';
import { renderAll } from './render-all.ts';

const args = process.argv.slice(2);
const l7 = args.includes('--l7');
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : undefined;
const services = Number(args.find((a, i) => /^\d+$/.test(a) && i !== outAt + 1) ?? 10_000);

for (let i = 0; i < 3; i++) renderAll(emitConsulEntries(compile(generateMesh(1_000, 5, { l7 }))));
const model = generateMesh(services, 5, { l7 });
(globalThis as { gc?: () => void }).gc?.();

const session = new Session();
if (out) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}
const heap0 = process.memoryUsage().heapUsed;
const laps: string[] = [];
let t = performance.now();
const lap = (name: string): void => {
  const now = performance.now();
  laps.push(`${name} ${Math.round(now - t)}`);
  t = now;
};
let decls = effectiveEntries(model).value;
lap('effective-entries');
let index = buildEntryIndex(decls).value;
lap('index-entries');
let resolved = resolveGatewayModes(model, index).value;
lap('resolve-modes');
let upstreams = compileUpstreamChains(model, index, resolved).value;
lap('compile-chains');
checkPlatform(model, upstreams);
lap('check-platform');
validationPasses.forEach((pass, i) => {
  pass(model, upstreams);
  lap(`validation[${i}]`);
});
const heapMb = Math.round((process.memoryUsage().heapUsed - heap0) / 2 ** 20);
// Drop the passes' results and collect them, so the whole compile below starts from the same heap as the first.
decls = [];
index = buildEntryIndex([]).value;
resolved = [];
upstreams = [];
(globalThis as { gc?: () => void }).gc?.();
t = performance.now();
const compilation = compile(model);
lap('compile (whole)');
const files = emitConsulEntries(compilation);
renderAll(files);
lap('emit');
if (out) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(out, JSON.stringify(profile));
}
console.log(`${services} services${l7 ? ' (L7)' : ''}, ${files.length} files, heap +${heapMb} MB after the passes`);
console.log(laps.join(' | '));
