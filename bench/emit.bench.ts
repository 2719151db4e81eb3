/**
 * `npm run bench:emit -- [services] [--l7] [--rounds N] [--out FILE]`: the config-entry emit (`emitConsulEntries`, every
 * file's text rendered by `renderAll` as the writer reads it) of a generated mesh on its own, for comparing two versions
 * of the writers.
 *
 * Compiles the mesh once (untimed), then runs the emit `rounds` times (default 7), each after a full GC, so no round
 * pays for compile's garbage or the previous round's. Per round: wall and CPU ms (all threads), the scavenges and
 * mark-compacts that fell inside it and their ms (`PerformanceObserver` of `gc`), and the heap left in use by the
 * result (read without a GC, so with the young garbage left at the end: "heap kept"; and after a full GC). Prints the medians, and a sha256 of every path and text in emit order: two versions that print the same hash
 * emitted the same bytes. `--out FILE` writes a V8 CPU profile of every round but the first (read it with `bench/profile-top.mjs`).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { compile } from '../src/compiler/compile.ts';
import type { Artifact } from '../src/emit/artifact.ts';
import { emitConsulEntries } from '../src/emit/index.ts';
import { generateMesh } from './generate-mesh.ts';
import { renderAll } from './render-all.ts';

const args = process.argv.slice(2);
const l7 = args.includes('--l7');
const flagValue = (flag: string): string | undefined => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};
const out = flagValue('--out');
const rounds = Number(flagValue('--rounds') ?? 7);
const services = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--rounds') ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

for (let i = 0; i < 3; i++) renderAll(emitConsulEntries(compile(generateMesh(1_000, 5, { l7 }))));
const compilation = compile(generateMesh(services, 5, { l7 }));

let gcs = { scavenges: 0, scavengeMs: 0, majors: 0, majorMs: 0 };
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    // 1: scavenge (minor), 2/4: mark-compact / incremental marking, 8: weak callbacks.
    if (kind === 1) {
      gcs.scavenges++;
      gcs.scavengeMs += e.duration;
    } else {
      gcs.majors++;
      gcs.majorMs += e.duration;
    }
  }
});
observer.observe({ entryTypes: ['gc'] });

const session = new Session();
const rows: {
  wall: number;
  cpu: number;
  scavenges: number;
  scavengeMs: number;
  majors: number;
  majorMs: number;
  heapMb: number;
  retainedMb: number;
}[] = [];
let hash = '';
let files = 0;
/**
 * The last round's result, alive until the next round starts. Held only here (set inside `emitOnce`), so no stale
 * reference (a register of this loop) keeps a previous round's result alive into the next measurement.
 */
let kept: readonly Artifact[] | undefined;
const emitOnce = (): void => {
  kept = emitConsulEntries(compilation);
  renderAll(kept);
};
for (let r = 0; r < rounds; r++) {
  kept = undefined;
  gc();
  await new Promise((res) => setTimeout(res, 20));
  const profile = out !== undefined && r === rounds - 1;
  if (out !== undefined && r === 1) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const heap0 = process.memoryUsage().heapUsed;
  gcs = { scavenges: 0, scavengeMs: 0, majors: 0, majorMs: 0 };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  emitOnce();
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  // GC entries are delivered asynchronously.
  await new Promise((res) => setTimeout(res, 20));
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  const row = { wall: t1 - t0, cpu: (c1.user - c0.user + c1.system - c0.system) / 1000, ...gcs, heapMb };
  // `heapMb` includes whatever garbage the last scavenge left (up to a young generation's worth, varying from run to
  // run); what the result itself keeps is read after a full GC.
  gc();
  rows.push({ ...row, retainedMb: (process.memoryUsage().heapUsed - heap0) / 2 ** 20 });
  if (profile) {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(out, JSON.stringify(p));
  }
  if (r === 0) {
    const h = createHash('sha256');
    for (const a of kept!) h.update(a.path).update('\0').update(a.content).update('\0');
    hash = h.digest('hex');
    files = kept!.length;
  }
}
observer.disconnect();

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const col = (k: keyof (typeof rows)[number]): string =>
  median(rows.map((x) => x[k])).toFixed(k === 'scavenges' || k === 'majors' ? 1 : 0);
console.log(
  `${services} services${l7 ? ' (L7)' : ''}: ${compilation.entries.length} entries, ${files} files, sha256 ${hash}`,
);
console.log(
  `median of ${rounds}: wall ${col('wall')} ms, cpu ${col('cpu')} ms, scavenges ${col('scavenges')} (${col('scavengeMs')} ms), ` +
    `major GCs ${col('majors')} (${col('majorMs')} ms), heap kept ${col('heapMb')} MB ` +
    `(${median(rows.map((x) => x.retainedMb)).toFixed(1)} MB after a full GC)`,
);
console.log(
  `cpu per round: ${rows.map((x) => x.cpu.toFixed(0)).join(' ')} (least ${Math.min(...rows.map((x) => x.cpu)).toFixed(0)})`,
);
