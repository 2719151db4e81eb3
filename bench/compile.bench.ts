/**
 * `npm run bench:compile`: compile + emit of config entries for generated meshes of 1k, 10k and 50k services over
 * three datacenters with five upstreams each. Prints a Markdown table of medians (copied into the README).
 *
 * Fairness:
 * - each run is its own Node process (`--import tsx`, as `bin/meshcc.js` runs), so a size's peak RSS is its own and no
 *   heap is reused across sizes or runs; the default is 5 runs per size, medians reported;
 * - before the measured part each process compiles, validates and emits a 1,000-service mesh three times (JIT warm-up,
 *   not timed), then generates the mesh and runs a full GC, so neither the warm-up nor the generator's garbage is
 *   collected inside the timed part (the generated model stays in memory throughout: it is the compiler's input);
 * - timed: `compile()` (every pass, validation included) then `emitConsulEntries()` (API JSON, HCL, CRDs) for the whole
 *   mesh with every file's text rendered (`renderAll`: read once and measured, as `meshcc synth`'s writer reads each
 *   text to hash and write it; the texts are not kept, as the writer does not keep them); peak RSS is read right after,
 *   and includes Node, tsx, the loaded modules and the model (`RSS before` shows that part alone);
 * - the validation passes are then run once more on their own, to time their share of `compile()`;
 * - besides wall time, the CPU time of the process over compile and over emit (`process.cpuUsage()`: every thread,
 *   the GC's helper threads too). On a shared machine wall time includes waiting for a core; CPU time mostly does
 *   not, so it is the steadier figure to compare two versions by. The `load` column is the 1-minute load average at
 *   the start and the end of a size's runs (2 cores here: above 2, processes waited for a core).
 *
 * Meshes: the plain mesh at each size, then the L7 mesh (`generateMesh(n, 5, { l7: true })`: half the services speak
 * HTTP with a resolver with subsets, a splitter and a router, so their callers' chains start at a router) at 1k and 10k.
 *
 * Options: sizes (`npm run bench:compile -- 1000 5000`), `--l7` (only the L7 mesh, at the given sizes), `--runs N`,
 * `--cold` (no warm-up and no GC before the timed part: what a single `meshcc synth` process sees).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { compile } from '../src/compiler/compile.ts';
import { validationPasses } from '../src/compiler/validation-passes.ts';
import { emitConsulEntries } from '../src/emit/index.ts';
import type { MeshModel } from '../src/model/types.ts';
import { generateMesh } from './generate-mesh.ts';
import { renderAll } from './render-all.ts';

interface Sample {
  services: number;
  l7: boolean;
  instances: number;
  upstreams: number;
  entries: number;
  files: number;
  /** UTF-8 bytes of every emitted file. */
  bytes: number;
  compileMs: number;
  validateMs: number;
  emitMs: number;
  /** CPU time of the process (all threads: the GC's helpers too) over compile, and over emit. */
  compileCpuMs: number;
  emitCpuMs: number;
  errors: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

const WARM_UP_SERVICES = 1_000;
const WARM_UP_ROUNDS = 3;

/** Compile, validate and emit once, untimed. */
function warmUp(model: MeshModel): void {
  const c = compile(model);
  for (const pass of validationPasses) pass(model, c.upstreams);
  renderAll(emitConsulEntries(c));
}

function measure(services: number, cold: boolean, l7: boolean): Sample {
  if (!cold) for (let i = 0; i < WARM_UP_ROUNDS; i++) warmUp(generateMesh(WARM_UP_SERVICES, 5, { l7 }));
  const model = generateMesh(services, 5, { l7 });
  if (!cold) (globalThis as { gc?: () => void }).gc?.();
  const rssBeforeMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const c = compile(model);
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  const files = emitConsulEntries(c);
  const bytes = renderAll(files);
  const t2 = performance.now();
  const cpu2 = process.cpuUsage();
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  // compile() already ran the validation passes; run them once more alone to see their share of compile time.
  for (const pass of validationPasses) pass(model, c.upstreams);
  const t3 = performance.now();
  return {
    services,
    l7,
    instances: model.instances.length,
    upstreams: c.upstreams.length,
    entries: c.entries.length,
    files: files.length,
    bytes,
    compileMs: t1 - t0,
    validateMs: t3 - t2,
    emitMs: t2 - t1,
    compileCpuMs: cpuMs(cpu0, cpu1),
    emitCpuMs: cpuMs(cpu1, cpu2),
    errors: c.diagnostics.filter((d) => d.severity === 'error').length,
    rssBeforeMb,
    peakRssMb,
  };
}

function cpuMs(from: NodeJS.CpuUsage, to: NodeJS.CpuUsage): number {
  return (to.user - from.user + to.system - from.system) / 1000;
}

/** The 1-minute load average over this size's runs (at their start and end): how much else the cores were doing. */
let loadAtStart = 0;
function load(): string {
  return `${loadAtStart.toFixed(1)}–${loadavg()[0]!.toFixed(1)}`;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  process.stdout.write(JSON.stringify(measure(Number(args[1]), args.includes('--cold'), args.includes('--l7'))));
} else {
  const cold = args.includes('--cold');
  const onlyL7 = args.includes('--l7');
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
  const rest = args.filter(
    (a, i) => a !== '--cold' && a !== '--l7' && (runsAt < 0 || (i !== runsAt && i !== runsAt + 1)),
  );
  const plain = rest.length > 0 ? rest.map(Number) : [1_000, 10_000, 50_000];
  // Each size of the plain mesh, then the L7 mesh (half the services with a router and a splitter) at 1k and 10k.
  const runsOf: { n: number; l7: boolean }[] = [
    ...(onlyL7 ? [] : plain.map((n) => ({ n, l7: false }))),
    ...(rest.length > 0 ? (onlyL7 ? plain : []) : [1_000, 10_000]).map((n) => ({ n, l7: true })),
  ];
  const self = fileURLToPath(import.meta.url);
  console.log(
    `node ${process.version}, ${process.platform}/${process.arch}, medians of ${runs} runs per size${cold ? ', cold processes' : ''}`,
  );
  console.log(
    '| mesh | services | instances | upstreams | entries | files | text MB | compile ms | of which validation ms | validation adds | emit ms | total ms | total min–max ms | emit CPU ms | total CPU ms | RSS before MB | peak RSS MB | errors | load |',
  );
  console.log('|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { n, l7 } of runsOf) {
    const samples: Sample[] = [];
    loadAtStart = loadavg()[0]!;
    for (let i = 0; i < runs; i++) {
      const child = [
        '--expose-gc',
        '--import',
        'tsx',
        self,
        '--child',
        String(n),
        ...(cold ? ['--cold'] : []),
        ...(l7 ? ['--l7'] : []),
      ];
      const r = spawnSync(process.execPath, child, {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (r.status !== 0) {
        console.error(r.stderr);
        process.exit(1);
      }
      samples.push(JSON.parse(r.stdout) as Sample);
    }
    const s = samples[0]!;
    const m = (f: (x: Sample) => number) => median(samples.map(f));
    const compileMs = m((x) => x.compileMs);
    const validateMs = m((x) => x.validateMs);
    // The share validation adds to the rest of compile, per run, then the median.
    const adds = m((x) => x.validateMs / (x.compileMs - x.validateMs));
    const round = (x: number) => String(Math.round(x));
    const totals = samples.map((x) => x.compileMs + x.emitMs);
    const spread = `${round(Math.min(...totals))}–${round(Math.max(...totals))}`;
    console.log(
      `| ${s.l7 ? 'L7: half with router + splitter' : 'plain'} | ${s.services} | ${s.instances} | ${s.upstreams} | ${s.entries} | ${s.files} | ${(s.bytes / 1e6).toFixed(1)} | ${round(compileMs)} | ${round(validateMs)} | ${Math.round(adds * 100)}% | ${round(m((x) => x.emitMs))} | ${round(m((x) => x.compileMs + x.emitMs))} | ${spread} | ${round(m((x) => x.emitCpuMs))} | ${round(m((x) => x.compileCpuMs + x.emitCpuMs))} | ${round(m((x) => x.rssBeforeMb))} | ${round(m((x) => x.peakRssMb))} | ${s.errors} | ${load()} |`,
    );
  }
}
