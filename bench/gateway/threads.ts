/**
 * Where a gateway's CPU goes per new connection, per thread: meshcc-gateway (the bundle, native accept) and nginx
 * (stream `ssl_preread`, one worker), the same load as `run.ts`'s connection-rate column (captured ClientHello, the
 * backend answers one byte, close), measured from `/proc/<pid>/task/<tid>/schedstat` (ns of CPU per thread, user +
 * system) of the whole process tree before and after each run, so every thread a proxy runs counts (Node's libuv,
 * V8 and GC threads; nginx's master). Rounds alternate the gateways; prints per-thread medians (µs/conn) and the
 * spread of the totals.
 *
 * Run: node --import tsx bench/gateway/threads.ts (after `npm run build:gateway` and `npm run build:relay`).
 * BENCH_ACCESS_LOG=off turns the access log off for both; BENCH_ROUNDS (default 5), BENCH_MS (default 3000);
 * BENCH_EXTRA_BUNDLE=file adds another meshcc bundle (before/after in one run).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureHello, startBackend, waitPort } from './peers.ts';

const SNI = 'currency.default.dc1.internal.11111111-2222-3333-4444-555555555555.consul';
const DURATION_MS = Number(process.env.BENCH_MS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const LOG = process.env.BENCH_ACCESS_LOG === 'off' ? 'off' : 'on';
const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'meshcc-gw-threads-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU ns per thread of a process tree, keyed "pid-role/thread name" (names with their index when repeated). */
function threadNs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const visit = (p: number, depth: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      try {
        const comm = readFileSync(`/proc/${p}/task/${t}/comm`, 'utf8').trim();
        const ns = Number(readFileSync(`/proc/${p}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
        let key = `${depth === 0 ? 'main' : 'child'}:${comm}`;
        for (let i = 2; out.has(key); i++) key = `${depth === 0 ? 'main' : 'child'}:${comm}#${i}`;
        out.set(key, ns);
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        for (const k of kids ? kids.split(' ') : []) visit(Number(k), depth + 1);
      } catch {
        /* gone */
      }
    }
  };
  visit(pid, 0);
  return out;
}

interface Target {
  readonly name: string;
  readonly port: number;
  readonly proc: ChildProcess;
}

async function launch(name: string, cmd: string, args: string[], port: number): Promise<Target | undefined> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (d) => (err += d));
  if (!(await waitPort(port))) {
    proc.kill('SIGKILL');
    console.error(`${name}: did not start: ${err.slice(0, 300)}`);
    return undefined;
  }
  return { name, port, proc };
}

async function connRate(port: number, hello: Buffer): Promise<number> {
  let count = 0;
  const end = Date.now() + DURATION_MS;
  const one = () =>
    new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => s.write(hello));
      s.once('data', () => {
        count++;
        s.destroy();
        resolve();
      });
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  return count;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[s.length >> 1] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function main(): Promise<void> {
  const hello = await captureHello(SNI);
  const backend = await startBackend();
  const bport = (backend.address() as AddressInfo).port;
  let port = 30_000 + Math.floor(Math.random() * 2000);
  const targets: Target[] = [];
  const meshcc = (label: string, bundle: string) => {
    const p = port++;
    const cfg = join(work, `meshcc-${p}.json`);
    writeFileSync(
      cfg,
      JSON.stringify({
        version: 1,
        datacenter: 'dc1',
        trustDomain: '11111111-2222-3333-4444-555555555555.consul',
        listeners: [{ name: 'lan', address: '127.0.0.1', port: p }],
        admin: { address: '127.0.0.1', port: port++ },
        routes: {
          local: [{ sni: SNI, service: 'currency', endpoints: [{ address: '127.0.0.1', port: bport }] }],
          remote: [],
        },
        limits: { maxConnections: 50_000, maxPendingHandshakes: 50_000 },
        accessLog: { enabled: LOG === 'on', path: join(work, `meshcc-${p}-access.log`) },
      }),
    );
    return launch(label, process.execPath, [bundle, '--config', cfg], p);
  };
  const m = await meshcc('meshcc', join(root, 'dist/gateway/meshcc-gateway.cjs'));
  if (m) targets.push(m);
  if (process.env.BENCH_EXTRA_BUNDLE) {
    const x = await meshcc('meshcc-extra', process.env.BENCH_EXTRA_BUNDLE);
    if (x) targets.push(x);
  }
  const pn = port++;
  writeFileSync(
    join(work, 'nginx.conf'),
    `load_module /usr/lib/nginx/modules/ngx_stream_module.so;\nworker_processes 1;\ndaemon off;\npid ${work}/nginx.pid;\n` +
      `error_log ${work}/nginx-error.log;\nworker_rlimit_nofile 20000;\nevents { worker_connections 20000; }\n` +
      `stream {\n  map_hash_bucket_size 128;\n  map $ssl_preread_server_name $up { ${SNI} 127.0.0.1:${bport}; default 127.0.0.1:1; }\n` +
      (LOG === 'on'
        ? `  log_format basic '$time_iso8601 $remote_addr:$remote_port $ssl_preread_server_name $upstream_addr $bytes_received $bytes_sent $session_time $status';\n` +
          `  access_log ${work}/nginx-access.log basic buffer=64k flush=100ms;\n`
        : '  access_log off;\n') +
      `  server { listen 127.0.0.1:${pn} backlog=8192; ssl_preread on; proxy_pass $up; }\n}\n`,
  );
  const n = await launch('nginx', 'nginx', ['-c', join(work, 'nginx.conf'), '-e', `${work}/nginx-error.log`], pn);
  if (n) targets.push(n);

  const per = new Map<string, Map<string, number[]>>();
  const totals = new Map<string, number[]>();
  for (const t of targets) {
    per.set(t.name, new Map());
    totals.set(t.name, []);
    await connRate(t.port, hello); // warm-up
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) {
      await sleep(300);
      const a = threadNs(t.proc.pid as number);
      const count = await connRate(t.port, hello);
      await sleep(150); // batched log writes and close reports land
      const b = threadNs(t.proc.pid as number);
      let total = 0;
      const rows = per.get(t.name) as Map<string, number[]>;
      for (const [k, v] of b) {
        const us = (v - (a.get(k) ?? 0)) / 1000 / count;
        total += us;
        if (!rows.has(k)) rows.set(k, []);
        rows.get(k)?.push(us);
      }
      totals.get(t.name)?.push(total);
    }
  }
  console.log(
    `access log ${LOG}, ${ROUNDS} rounds of ${DURATION_MS} ms, ${CONCURRENCY} clients; CPU µs per connection`,
  );
  for (const t of targets) {
    const tot = totals.get(t.name) as number[];
    console.log(`${t.name}: total median ${median(tot).toFixed(1)} (runs ${tot.map((x) => x.toFixed(1)).join(' ')})`);
    const rows = [...(per.get(t.name) as Map<string, number[]>)].sort((x, y) => median(y[1]) - median(x[1]));
    for (const [k, v] of rows) if (median(v) >= 0.05) console.log(`  ${k.padEnd(28)} ${median(v).toFixed(2)}`);
  }
  for (const t of targets) t.proc.kill('SIGTERM');
  await sleep(800);
  for (const t of targets) if (t.proc.exitCode === null) t.proc.kill('SIGKILL');
  backend.close();
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}

await main();
