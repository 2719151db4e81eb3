/**
 * `npm run bench:compile`: compile + emit of config entries for generated meshes of 1k, 10k and 50k services over
 * three datacenters with five upstreams each. Each size runs in its own Node process so peak RSS is that size's own.
 * Prints a Markdown table (copied into the README). Sizes can be overridden: `npm run bench:compile -- 1000 5000`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compile } from '../src/compiler/compile.ts';
import { validationPasses } from '../src/compiler/validation-passes.ts';
import { emitConsulEntries } from '../src/emit/index.ts';
import { generateMesh } from './generate-mesh.ts';

interface Sample {
  services: number;
  instances: number;
  upstreams: number;
  entries: number;
  files: number;
  compileMs: number;
  validateMs: number;
  emitMs: number;
  errors: number;
  peakRssMb: number;
}

function measure(services: number): Sample {
  const model = generateMesh(services);
  const t0 = performance.now();
  const c = compile(model);
  const t1 = performance.now();
  const files = emitConsulEntries(c);
  const t2 = performance.now();
  // compile() already ran the validation passes; run them once more alone to see their share of compile time.
  for (const pass of validationPasses) pass(model, c.upstreams);
  const t3 = performance.now();
  return {
    services,
    instances: model.instances.length,
    upstreams: c.upstreams.length,
    entries: c.entries.length,
    files: files.length,
    compileMs: Math.round(t1 - t0),
    validateMs: Math.round(t3 - t2),
    errors: c.diagnostics.filter((d) => d.severity === 'error').length,
    emitMs: Math.round(t2 - t1),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

const [arg, ...rest] = process.argv.slice(2);
if (arg === '--child') {
  process.stdout.write(JSON.stringify(measure(Number(rest[0]))));
} else {
  const sizes = arg ? [arg, ...rest].map(Number) : [1_000, 10_000, 50_000];
  const self = fileURLToPath(import.meta.url);
  console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(
    '| services | instances | upstreams | entries | files | compile ms | of which validation ms | emit ms | total ms | peak RSS MB | errors |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const n of sizes) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', String(n)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) {
      console.error(r.stderr);
      process.exit(1);
    }
    const s = JSON.parse(r.stdout) as Sample;
    console.log(
      `| ${s.services} | ${s.instances} | ${s.upstreams} | ${s.entries} | ${s.files} | ${s.compileMs} | ${s.validateMs} | ${s.emitMs} | ${s.compileMs + s.emitMs} | ${s.peakRssMb} | ${s.errors} |`,
    );
  }
}
