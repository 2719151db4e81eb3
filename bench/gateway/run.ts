/**
 * SNI gateway benchmark: meshcc-gateway (bundled .cjs, one process) side by side with HAProxy (`req.ssl_sni`), nginx
 * (stream `ssl_preread`) and sniproxy, each with one worker/thread, all on loopback, routing one SNI to one backend.
 *
 * Measures: new connections/s with a captured real ClientHello (connect, send hello, wait for the backend's first
 * byte, close) and the per-connection latency of that cycle (p50/p99, minus the direct-to-backend baseline), bulk
 * MiB/s through one connection, CPU time of the gateway (utime+stime of its process tree from /proc/<pid>/stat) per
 * connection and per GiB, RSS with N idle routed connections, and the added round-trip latency on established
 * connections (64-byte ping-pong through the gateway to an echo backend, minus the same measured directly just
 * before). Prints a markdown table.
 *
 * Access logging is the same for every gateway: BENCH_ACCESS_LOG=on (default; meshcc and nginx to a file, both
 * batched per 64 KiB / 100 ms — meshcc's fixed behaviour, nginx's `buffer=64k flush=100ms` —, HAProxy raw tcplog
 * lines on stdout redirected to a file (one write per line: it has no buffering option for that target),
 * sniproxy's access_log) or =off (none); the output says which.
 * BENCH_ONLY=name,name limits the gateways; BENCH_MESHCC_JS=1 adds the same meshcc build with the JS path forced,
 * BENCH_MESHCC_HANDOVER=1 with JS accept + native relay (the data path before native accept);
 * BENCH_EXTRA_BUNDLE=file adds another meshcc bundle (e.g. an older build) for a before/after in one run.
 *
 * Run: npm run bench:gateway (needs `node scripts/build-gateway.mjs` first; reference proxies from Debian packages).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { captureHello, startBackend, startTlsBackend, waitPort } from './peers.ts';

const SNI = 'currency.default.dc1.internal.11111111-2222-3333-4444-555555555555.consul';
const DURATION_MS = Number(process.env.BENCH_MS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const BULK_BYTES = Number(process.env.BENCH_BULK_MIB ?? 512) * 1024 * 1024;
const IDLE = Number(process.env.BENCH_IDLE ?? 8000);
/** Access logging, the same for every gateway: `on` (one line per connection to a file) or `off` (none). */
const LOG = process.env.BENCH_ACCESS_LOG === 'off' ? 'off' : 'on';
/** SNI of the echo backend (ping-pong latency on an established connection). */
const ECHO_SNI = `echo.default.dc1.internal.11111111-2222-3333-4444-555555555555.consul`;
const PING_CLIENTS = Number(process.env.BENCH_PING_CLIENTS ?? 8);
/** SNI of the TLS backend (new connections with a full TLS 1.3 handshake through the gateway). */
const TLS_SNI = `tls.default.dc1.internal.11111111-2222-3333-4444-555555555555.consul`;
const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'meshcc-gw-bench-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // USER_HZ

/** Echo backend: writes back every byte (the hello too). */
function startEcho(): Promise<Server> {
  const server = createServer({ allowHalfOpen: false }, (s) => {
    s.setNoDelay(true);
    s.on('error', () => {});
    s.pipe(s);
  });
  return new Promise((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r(server)));
}

function cpuTicks(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += Number(f[11]) + Number(f[12]);
      for (const t of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        for (const k of kids ? kids.split(' ') : []) visit(Number(k));
      }
    } catch {
      /* process gone */
    }
  };
  visit(pid);
  return total;
}

function rssKiB(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      total += Number(m?.[1] ?? 0);
      for (const t of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        for (const k of kids ? kids.split(' ') : []) visit(Number(k));
      }
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return total;
}

interface Target {
  readonly name: string;
  readonly port: number;
  readonly proc?: ChildProcess;
}

async function launch(
  name: string,
  cmd: string,
  args: string[],
  port: number,
  stdout: 'ignore' | number = 'ignore',
  env: NodeJS.ProcessEnv = process.env,
): Promise<Target | undefined> {
  const proc = spawn(cmd, args, { stdio: ['ignore', stdout, 'pipe'], env });
  let err = '';
  proc.stderr?.on('data', (d) => (err += d));
  if (!(await waitPort(port))) {
    proc.kill('SIGKILL');
    console.error(`${name}: did not start: ${err.slice(0, 300)}`);
    return undefined;
  }
  return { name, port, proc };
}

let nextPort = 28_000 + Math.floor(Math.random() * 2000);

async function startTargets(backendPort: number, echoPort: number, tlsPort: number): Promise<Target[]> {
  const targets: Target[] = [];
  const p1 = nextPort++;
  const cfg = join(work, 'meshcc.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      version: 1,
      datacenter: 'dc1',
      trustDomain: '11111111-2222-3333-4444-555555555555.consul',
      listeners: [{ name: 'lan', address: '127.0.0.1', port: p1 }],
      admin: { address: '127.0.0.1', port: nextPort++ },
      routes: {
        local: [
          { sni: SNI, service: 'currency', endpoints: [{ address: '127.0.0.1', port: backendPort }] },
          { sni: ECHO_SNI, service: 'echo', endpoints: [{ address: '127.0.0.1', port: echoPort }] },
          { sni: TLS_SNI, service: 'tls', endpoints: [{ address: '127.0.0.1', port: tlsPort }] },
        ],
        remote: [],
      },
      limits: { maxConnections: 50_000, maxPendingHandshakes: 50_000 },
      accessLog: { enabled: LOG === 'on', path: join(work, 'meshcc-access.log') },
    }),
  );
  const bundle = join(root, 'dist/gateway/meshcc-gateway.cjs');
  if (existsSync(bundle)) {
    // The native relay is used when built (`npm run build:relay`); the name says which relay ran.
    const native = existsSync(join(root, 'native/relay/build/Release/meshcc_relay.node'));
    const t = await launch(
      `meshcc-gateway (${native ? 'native accept + relay' : 'JS relay'})`,
      process.execPath,
      [bundle, '--config', cfg],
      p1,
    );
    if (t) targets.push(t);
    const variants: [string, string, string][] = [
      ['BENCH_MESHCC_HANDOVER', 'handover', 'JS accept + native relay'],
      ['BENCH_MESHCC_JS', 'js', 'JS relay'],
    ];
    for (const [flag, mode, label] of variants) {
      if (!native || process.env[flag] !== '1') continue;
      // The same build with another data path forced.
      const pj = nextPort++;
      const cfgj = join(work, `meshcc-${mode}.json`);
      const c = JSON.parse(readFileSync(cfg, 'utf8'));
      c.listeners[0].port = pj;
      c.admin.port = nextPort++;
      c.accessLog.path = join(work, `meshcc-${mode}-access.log`);
      writeFileSync(cfgj, JSON.stringify(c));
      const env = { ...process.env, MESHCC_GATEWAY_RELAY: mode };
      const tj = await launch(
        `meshcc-gateway (${label})`,
        process.execPath,
        [bundle, '--config', cfgj],
        pj,
        'ignore',
        env,
      );
      if (tj) targets.push(tj);
    }
  } else console.error('meshcc-gateway: run `npm run build:gateway` first');
  // BENCH_EXTRA_BUNDLE=path: a second meshcc bundle (e.g. an older build) measured in the same run for before/after.
  const extra = process.env.BENCH_EXTRA_BUNDLE;
  if (extra) {
    const px = nextPort++;
    const cfgx = join(work, 'meshcc-extra.json');
    const c = JSON.parse(readFileSync(cfg, 'utf8'));
    c.listeners[0].port = px;
    c.admin.port = nextPort++;
    c.accessLog.path = join(work, 'meshcc-extra-access.log');
    writeFileSync(cfgx, JSON.stringify(c));
    const t = await launch(
      `meshcc-gateway (${extra.split('/').pop()})`,
      process.execPath,
      [extra, '--config', cfgx],
      px,
    );
    if (t) targets.push(t);
  }

  const p2 = nextPort++;
  // HAProxy logs through syslog or stdout only: with logging on, stdout is the log file (raw tcplog lines).
  const haLog = LOG === 'on' ? `  log stdout format raw local0\n` : '';
  const haDefLog = LOG === 'on' ? `  log global\n  option tcplog\n` : '';
  writeFileSync(
    join(work, 'haproxy.cfg'),
    `global\n  maxconn 9000\n  nbthread 1\n${haLog}defaults\n  mode tcp\n${haDefLog}  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n` +
      `frontend fe\n  bind 127.0.0.1:${p2}\n  tcp-request inspect-delay 5s\n  tcp-request content accept if { req.ssl_hello_type 1 }\n` +
      `  use_backend be if { req.ssl_sni -i ${SNI} }\n  use_backend echo if { req.ssl_sni -i ${ECHO_SNI} }\n` +
      `  use_backend tls if { req.ssl_sni -i ${TLS_SNI} }\n` +
      `backend be\n  server s1 127.0.0.1:${backendPort}\nbackend echo\n  server s1 127.0.0.1:${echoPort}\n` +
      `backend tls\n  server s1 127.0.0.1:${tlsPort}\n`,
  );
  const haOut = LOG === 'on' ? openSync(join(work, 'haproxy-access.log'), 'a') : 'ignore';
  const h = await launch('haproxy 2.6', 'haproxy', ['-db', '-f', join(work, 'haproxy.cfg')], p2, haOut);
  if (h) targets.push(h);

  const p3 = nextPort++;
  writeFileSync(
    join(work, 'nginx.conf'),
    `load_module /usr/lib/nginx/modules/ngx_stream_module.so;\nworker_processes 1;\ndaemon off;\npid ${work}/nginx.pid;\n` +
      `error_log ${work}/nginx-error.log;\nworker_rlimit_nofile 20000;\nevents { worker_connections 20000; }\n` +
      `stream {\n  map_hash_bucket_size 128;\n` +
      `  map $ssl_preread_server_name $up { ${SNI} 127.0.0.1:${backendPort}; ${ECHO_SNI} 127.0.0.1:${echoPort}; ${TLS_SNI} 127.0.0.1:${tlsPort}; default 127.0.0.1:1; }\n` +
      (LOG === 'on'
        ? `  log_format basic '$time_iso8601 $remote_addr:$remote_port $ssl_preread_server_name $upstream_addr $bytes_received $bytes_sent $session_time $status';\n` +
          `  access_log ${work}/nginx-access.log basic buffer=64k flush=100ms;\n`
        : '  access_log off;\n') +
      `  server { listen 127.0.0.1:${p3} backlog=8192; ssl_preread on; proxy_pass $up; }\n}\n`,
  );
  const n = await launch(
    'nginx 1.22 stream',
    'nginx',
    ['-c', join(work, 'nginx.conf'), '-e', `${work}/nginx-error.log`],
    p3,
  );
  if (n) targets.push(n);

  const p4 = nextPort++;
  writeFileSync(
    join(work, 'sniproxy.conf'),
    `user daemon\npidfile ${work}/sniproxy.pid\nerror_log {\n  filename ${work}/sniproxy-error.log\n}\n` +
      `listener 127.0.0.1:${p4} {\n  protocol tls\n  table t\n` +
      (LOG === 'on' ? `  access_log {\n    filename ${work}/sniproxy-access.log\n  }\n` : '') +
      `}\ntable t {\n  ^${SNI.replace(/\./g, '\\.')}$ 127.0.0.1:${backendPort}\n` +
      `  ^${ECHO_SNI.replace(/\./g, '\\.')}$ 127.0.0.1:${echoPort}\n` +
      `  ^${TLS_SNI.replace(/\./g, '\\.')}$ 127.0.0.1:${tlsPort}\n}\n`,
  );
  const s = await launch('sniproxy', 'sniproxy', ['-f', '-c', join(work, 'sniproxy.conf')], p4);
  if (s) targets.push(s);
  return targets;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

/**
 * Opens connections with `open` (which sends something once connected) from CONCURRENCY clients for DURATION_MS, each
 * closed when the backend's first byte arrives; returns the rate and each connection's latency to that byte in ms.
 */
async function rate(what: string, open: () => Socket): Promise<{ perSec: number; count: number; lat: number[] }> {
  const lat: number[] = [];
  let count = 0;
  let errors = 0;
  const end = Date.now() + DURATION_MS;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint();
      const s = open();
      s.once('data', () => {
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        count++;
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        errors++;
        resolve();
      });
      s.on('close', () => resolve());
    });
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  if (errors > 0) console.error(`  ${errors} ${what} errors`);
  return { perSec: (count * 1000) / (Date.now() - t0), count, lat: lat.sort((x, y) => x - y) };
}

/** Connect, send the captured hello, wait for the backend's byte, close: as many as possible in DURATION_MS. */
function connRate(port: number, hello: Buffer): Promise<{ perSec: number; count: number; lat: number[] }> {
  return rate(`connection on port ${port}`, () => {
    const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => s.write(hello));
    return s;
  });
}

/**
 * New connections with a full TLS handshake (TLS 1.3, P-256 certificate, no session resumption): connect through
 * `port`, finish the handshake with the TLS backend, exchange one byte each way, close. The handshakes' crypto runs in
 * this process and the backend, so the rate is bounded by them as much as by the gateway; compare rows.
 */
function tlsRate(port: number): Promise<{ perSec: number; count: number }> {
  return rate(`TLS connection on port ${port}`, () => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername: TLS_SNI, rejectUnauthorized: false }, () =>
      s.write('x'),
    );
    return s;
  });
}

async function bulk(port: number, hello: Buffer, backend: Server): Promise<number> {
  const chunk = Buffer.alloc(256 * 1024, 1);
  return new Promise((resolve) => {
    let received = 0;
    let t0 = 0n;
    const onConn = (s: Socket) => {
      s.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= BULK_BYTES + hello.length) {
          backend.off('connection', onConn);
          const secs = Number(process.hrtime.bigint() - t0) / 1e9;
          c.destroy();
          resolve(BULK_BYTES / 1024 / 1024 / secs);
        }
      });
    };
    backend.on('connection', onConn);
    const c = connect({ host: '127.0.0.1', port }, () => {
      c.write(hello);
      t0 = process.hrtime.bigint();
      let sent = 0;
      const pump = () => {
        while (sent < BULK_BYTES) {
          sent += chunk.length;
          if (!c.write(chunk)) return c.once('drain', pump);
        }
      };
      pump();
    });
    c.on('error', () => {});
  });
}

/**
 * Latency on established connections: PING_CLIENTS connections to the echo backend, each sending 64 bytes and waiting
 * for them to come back, for DURATION_MS. Returns sorted round-trip times in ms.
 */
async function pingPong(port: number, echoHello: Buffer): Promise<number[]> {
  const lat: number[] = [];
  const msg = Buffer.alloc(64, 7);
  const end = Date.now() + DURATION_MS;
  await Promise.all(
    Array.from(
      { length: PING_CLIENTS },
      () =>
        new Promise<void>((resolve) => {
          let want = echoHello.length;
          let t0 = 0n;
          const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => s.write(echoHello));
          s.on('error', () => resolve());
          s.on('close', () => resolve());
          s.on('data', (d: Buffer) => {
            want -= d.length;
            if (want > 0) return;
            if (t0 !== 0n) lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
            if (Date.now() >= end) {
              s.destroy();
              return;
            }
            want = msg.length;
            t0 = process.hrtime.bigint();
            s.write(msg);
          });
        }),
    ),
  );
  return lat.sort((a, b) => a - b);
}

async function idleRss(target: Target, hello: Buffer): Promise<number> {
  const socks: Socket[] = [];
  for (let i = 0; i < IDLE; i += 500) {
    await Promise.all(
      Array.from(
        { length: Math.min(500, IDLE - i) },
        () =>
          new Promise<void>((resolve) => {
            const s = connect({ host: '127.0.0.1', port: target.port }, () => s.write(hello));
            socks.push(s);
            s.once('data', () => resolve());
            s.on('error', () => resolve());
          }),
      ),
    );
  }
  await sleep(500);
  const rss = rssKiB(target.proc?.pid as number);
  for (const s of socks) s.destroy();
  await sleep(1000);
  return rss;
}

async function main(): Promise<void> {
  const hello = await captureHello(SNI);
  const echoHello = await captureHello(ECHO_SNI);
  const backend = await startBackend();
  const echo = await startEcho();
  const bport = (backend.address() as AddressInfo).port;
  const eport = (echo.address() as AddressInfo).port;
  const tlsBackend = await startTlsBackend(work);
  const tport = (tlsBackend.address() as AddressInfo).port;
  const targets = await startTargets(bport, eport, tport);
  await tlsRate(tport); // warm-up
  const baseTls = await tlsRate(tport);
  await connRate(bport, hello); // warm-up
  const base = await connRate(bport, hello);
  const baseP50 = pct(base.lat, 50);
  const baseP99 = pct(base.lat, 99);
  const pingNote: string[] = [];
  const rows: string[] = [];
  const only = process.env.BENCH_ONLY?.split(',');
  for (const t of targets) {
    if (only && !only.some((o) => t.name.startsWith(o))) continue;
    const pid = t.proc?.pid as number;
    await connRate(t.port, hello); // warm-up
    const c0 = cpuTicks(pid);
    const r = await connRate(t.port, hello);
    const c1 = cpuTicks(pid);
    const cpuPerConnUs = (((c1 - c0) / TICK) * 1e6) / r.count;
    const tc0 = cpuTicks(pid);
    const tls = await tlsRate(t.port);
    const tc1 = cpuTicks(pid);
    const cpuPerTlsUs = (((tc1 - tc0) / TICK) * 1e6) / Math.max(1, tls.count);
    const b0 = cpuTicks(pid);
    const mib = await bulk(t.port, hello, backend);
    const b1 = cpuTicks(pid);
    const cpuPerGiB = ((b1 - b0) / TICK) * (1024 / (BULK_BYTES / 1024 / 1024));
    await sleep(300);
    // Direct ping-pong right before the gateway's, so both see the same machine state.
    const basePing = await pingPong(eport, echoHello);
    const basePingP50 = pct(basePing, 50);
    const basePingP99 = pct(basePing, 99);
    pingNote.push(`${t.name} ${basePingP50.toFixed(3)}/${basePingP99.toFixed(3)}`);
    const ping = await pingPong(t.port, echoHello);
    await sleep(300);
    const rss = await idleRss(t, hello);
    rows.push(
      `| ${t.name} | ${r.perSec.toFixed(0)} | ${tls.perSec.toFixed(0)} (${cpuPerTlsUs.toFixed(0)} µs) | ${(pct(r.lat, 50) - baseP50).toFixed(3)} | ${(pct(r.lat, 99) - baseP99).toFixed(3)} | ` +
        `${(pct(ping, 50) - basePingP50).toFixed(3)} | ${(pct(ping, 99) - basePingP99).toFixed(3)} | ` +
        `${cpuPerConnUs.toFixed(0)} | ${mib.toFixed(0)} | ${cpuPerGiB.toFixed(2)} | ${(rss / 1024).toFixed(1)} |`,
    );
    console.error(`done: ${t.name}`);
  }
  console.log(
    `SNI gateways on loopback, 1 worker each, ${CONCURRENCY} concurrent clients, ${DURATION_MS} ms per run, ` +
      `bulk ${BULK_BYTES / 1024 / 1024} MiB, ${IDLE} idle connections, ${PING_CLIENTS} ping-pong connections; ` +
      `access log ${LOG === 'on' ? 'ON for every gateway (one line per connection to a file)' : 'OFF for every gateway'}. ` +
      `Direct-to-backend baseline: ${base.perSec.toFixed(0)} conn/s (full TLS ${baseTls.perSec.toFixed(0)}/s), p50 ${baseP50.toFixed(3)} ms, p99 ${baseP99.toFixed(3)} ms; ` +
      `direct ping-pong p50/p99 ms before each gateway: ${pingNote.join(', ')}.\n`,
  );
  console.log(
    '| gateway | conn/s (captured hello) | conn/s full TLS (gateway CPU µs/conn) | added p50 ms | added p99 ms | established added p50 ms | established added p99 ms | CPU µs/conn | bulk MiB/s | CPU s/GiB | RSS MiB idle |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  // SIGTERM first: nginx's master stops its worker (a SIGKILLed master would orphan it).
  for (const t of targets) t.proc?.kill('SIGTERM');
  await sleep(1000);
  for (const t of targets) if (t.proc?.exitCode === null) t.proc.kill('SIGKILL');
  backend.close();
  echo.close();
  tlsBackend.close();
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}

await main();
