/**
 * `npm run bench:synth`: the whole `meshcc synth` as a user runs it (`bin/meshcc.js`, a fresh process per run) on
 * bench/synth-env/mesh.ts, a 9,999-service environment written with loops: loading mesh.ts (tsx, source maps, one
 * construct span per construct), lowering, compiling, validating, emitting every artifact (entries in three forms, Helm
 * values, agent registrations, compiled chains, the mesh picture, Terraform JSON) and writing them atomically.
 *
 * Options: `--services N` (a multiple of three), `--runs N` (default 3, medians), `--out-dir DIR` (where the output
 * goes, default the OS temp directory: a disk; `/dev/shm` leaves the disk out). Peak RSS and CPU come from GNU time
 * (`/usr/bin/time`) when the machine has it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const services = Number(opt('--services', '9999'));
const runs = Number(opt('--runs', '3'));
const outDir = opt('--out-dir', tmpdir());
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Run {
  wallMs: number;
  cpuMs?: number;
  peakRssMb?: number;
}

function once(): { run: Run; files: number; mb: number } {
  const work = mkdtempSync(join(outDir, 'meshcc-bench-synth-'));
  const out = join(work, 'out');
  const synth = [join(root, 'bin/meshcc.js'), 'synth', join(root, 'bench/synth-env'), '--out', out];
  const env = { ...process.env, MESHCC_BENCH_SERVICES: String(services) };
  try {
    const t0 = performance.now();
    const r = gnuTime
      ? spawnSync(gnuTime, ['-f', 'MESHCC_TIME %U %S %M', process.execPath, ...synth], { env, encoding: 'utf8' })
      : spawnSync(process.execPath, synth, { env, encoding: 'utf8' });
    const wallMs = performance.now() - t0;
    if (r.status !== 0) throw new Error(`meshcc synth failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    const run: Run = { wallMs };
    const m = /MESHCC_TIME (\S+) (\S+) (\d+)/.exec(r.stderr);
    if (m) {
      run.cpuMs = (Number(m[1]) + Number(m[2])) * 1000;
      run.peakRssMb = Number(m[3]) / 1024;
    }
    let files = 0;
    let bytes = 0;
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else {
          files++;
          bytes += statSync(p).size;
        }
      }
    };
    walk(out);
    return { run, files, mb: bytes / 2 ** 20 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = Array.from({ length: runs }, once);
const pick = (f: (r: Run) => number | undefined): string => {
  const xs = samples.map((s) => f(s.run)).filter((x): x is number => x !== undefined);
  return xs.length ? Math.round(median(xs)).toLocaleString('en-US') : '–';
};
const walls = samples.map((s) => s.run.wallMs);
console.log(`node ${process.version}, output under ${outDir}, medians of ${runs} runs`);
console.log('| services | files | output MB | wall ms | wall min–max ms | CPU ms | peak RSS MB |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
console.log(
  `| ${services.toLocaleString('en-US')} | ${samples[0]!.files.toLocaleString('en-US')} | ${samples[0]!.mb.toFixed(1)} | ${pick((r) => r.wallMs)} | ${Math.round(Math.min(...walls)).toLocaleString('en-US')}–${Math.round(Math.max(...walls)).toLocaleString('en-US')} | ${pick((r) => r.cpuMs)} | ${pick((r) => r.peakRssMb)} |`,
);
