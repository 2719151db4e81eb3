/**
 * The single-executable gateway (`scripts/build-gateway.mjs`, run from a private root: a Node SEA made with
 * postject), checked for real: `--check` accepts the config meshcc's emitter writes for a `implementation: 'meshcc'`
 * gateway, rejects a broken one with exit 1 and the diagnostic, and the executable routes a TLS connection by SNI to
 * a TLS echo backend, end to end, with the access log on stdout.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, connect as netConnect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as tlsServer } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceSni } from '../../src/compiler/sni.ts';
import { emitGatewayConfig, type GatewayRuntimeConfig } from '../../src/emit/gateway-config.ts';
import { repoRoot } from '../cli/run-cli.ts';
import { vmPair } from '../emit/fixtures.ts';
import { captureNodeHello } from './hello-fixture.ts';
import { makePki, type Pki } from './tls-fixture.ts';

const IP = '127.0.62.1';
const run = promisify(execFile);

/** The emitted runtime config of vm-pair's gateway in `primary` (implementation: 'meshcc'). */
function emittedPrimary(): { path: string; config: GatewayRuntimeConfig } {
  const c = vmPair();
  const a = emitGatewayConfig(c).find((x) => x.path === 'primary/gateway/gateway-primary.json');
  if (!a) throw new Error('the emitter wrote no config for gateway-primary');
  return { path: a.path, config: JSON.parse(a.content) as GatewayRuntimeConfig };
}

describe('meshcc-gateway as a single executable', () => {
  let dir = '';
  let exe = '';
  let pki: Pki;
  let backend: Server | undefined;
  let gw: ChildProcess | undefined;

  beforeAll(async () => {
    // scripts/build-gateway.mjs writes to <its root>/dist/gateway. Run it from a private root (its own copy, the
    // sources and node_modules linked) so that it neither races nor overwrites a concurrent `npm run bench:gateway`.
    dir = mkdtempSync(join(tmpdir(), 'meshcc-gw-sea-'));
    const root = join(dir, 'root');
    mkdirSync(join(root, 'scripts'), { recursive: true });
    for (const d of ['src', 'schemas', 'node_modules', 'package.json']) symlinkSync(join(repoRoot, d), join(root, d));
    copyFileSync(join(repoRoot, 'scripts/build-gateway.mjs'), join(root, 'scripts/build-gateway.mjs'));
    execFileSync(process.execPath, ['scripts/build-gateway.mjs'], { cwd: root, stdio: 'pipe' });
    exe = join(root, 'dist/gateway/meshcc-gateway');
    expect(existsSync(exe)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    if (gw && gw.exitCode === null && gw.signalCode === null) gw.kill('SIGKILL');
    await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is a Node binary with the SEA blob injected (postject flipped the fuse)', () => {
    const bin = readFileSync(exe);
    expect(bin.includes('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1')).toBe(true);
    expect(bin.includes('NODE_SEA_BLOB')).toBe(true);
  });

  it('--check accepts the config the emitter writes for a meshcc gateway (exit 0)', async () => {
    const { config } = emittedPrimary();
    expect(config.routes.local.length).toBeGreaterThan(0);
    const file = join(dir, 'gateway-primary.json');
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    const r = await run(exe, ['--config', file, '--check']);
    expect(r.stderr).toBe('');
  });

  it('--check rejects a broken config with exit 1 and names the problem', async () => {
    const { config } = emittedPrimary();
    // A remote route back to the gateway's own datacenter (MC6004).
    const broken = {
      ...config,
      routes: { ...config.routes, remote: [...config.routes.remote, { datacenter: config.datacenter, gateways: [] }] },
    };
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(broken));
    const selfRoute = await run(exe, ['--config', file, '--check']).catch((e) => e);
    expect(selfRoute.code).toBe(1);
    // `gateways: []` violates the schema's minItems first; fix that and the semantic check answers.
    expect(selfRoute.stderr).toContain('MC6002');
    expect(selfRoute.stderr).toContain('/routes/remote/1/gateways');
    const remote = [...config.routes.remote, { datacenter: config.datacenter, gateways: [{ address: IP, port: 1 }] }];
    writeFileSync(file, JSON.stringify({ ...config, routes: { ...config.routes, remote } }));
    const self = await run(exe, ['--config', file, '--check']).catch((e) => e);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('MC6004');
    expect(self.stderr).toContain(config.datacenter);
    writeFileSync(file, '{"version": 1,');
    const unreadable = await run(exe, ['--config', file, '--check']).catch((e) => e);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('MC6001');
  });

  /** Starts the TLS echo backend once, and writes the emitted config with its addresses moved to loopback. */
  async function runtimeConfig(): Promise<{ file: string; sni: string; service: string }> {
    const { config } = emittedPrimary();
    const route = config.routes.local[0];
    if (!route) throw new Error('no local route');
    const sni = serviceSni({ service: route.service, datacenter: config.datacenter }, config.trustDomain);
    expect(route.sni).toBe(sni);
    if (!backend) {
      pki = makePki([sni]);
      const server = tlsServer({ cert: pki.cert, key: pki.key, allowHalfOpen: true }, (s) => {
        s.on('error', () => {});
        s.pipe(s);
      });
      backend = server;
      await new Promise<void>((r) => server.listen(0, IP, () => r()));
    }
    const backendPort = (backend.address() as AddressInfo).port;
    const runtime = {
      ...config,
      listeners: [{ name: 'lan', address: IP, port: 0 }],
      admin: { address: IP, port: 0 },
      routes: {
        ...config.routes,
        local: config.routes.local.map((l) =>
          l.sni === sni ? { ...l, endpoints: [{ address: IP, port: backendPort }] } : l,
        ),
      },
      timeouts: { drainMs: 2000 },
    };
    const file = join(dir, 'runtime.json');
    writeFileSync(file, JSON.stringify(runtime));
    return { file, sni, service: route.service };
  }

  /** Runs the executable until `listeners` processes report their listener; resolves with the (shared) port. */
  async function startExe(args: string[], listeners: number) {
    const proc = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    gw = proc;
    const out = { stdout: '', stderr: '' };
    proc.stdout?.on('data', (d: Buffer) => {
      out.stdout += d.toString();
    });
    const port = await new Promise<number>((resolve, reject) => {
      proc.stderr?.on('data', (d: Buffer) => {
        out.stderr += d.toString();
        if (out.stderr.includes('restarting')) reject(new Error(`a worker died at start: ${out.stderr}`));
        const ports = [...out.stderr.matchAll(/listening lan=[\d.]+:(\d+)/g)].map((m) => Number(m[1]));
        if (ports.length >= listeners) {
          if (new Set(ports).size !== 1) reject(new Error(`listeners on different ports: ${out.stderr}`));
          resolve(ports[0] as number);
        }
      });
      proc.once('exit', (code) => reject(new Error(`gateway exited (${code}): ${out.stderr}`)));
    });
    const stop = async () => {
      const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      proc.kill('SIGTERM');
      return exited;
    };
    return { port, out, stop };
  }

  function tlsRoundTrip(port: number, sni: string, payload: Buffer): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      const s = tlsConnect({ host: IP, port, servername: sni, ca: pki.ca }, () => s.end(payload));
      s.on('data', (d: Buffer) => parts.push(d));
      s.on('end', () => resolve(Buffer.concat(parts)));
      s.on('error', reject);
    });
  }

  it('routes a TLS connection by SNI to the service endpoint, end to end', async () => {
    const { file, sni, service } = await runtimeConfig();
    const { config } = emittedPrimary();
    const { port, out, stop } = await startExe(['--config', file], 1);

    const payload = randomBytes(256 * 1024);
    expect((await tlsRoundTrip(port, sni, payload)).equals(payload)).toBe(true);

    // No default route: an SNI the config does not know is closed without a byte.
    const hello = await captureNodeHello(`nope.default.${config.datacenter}.internal.${config.trustDomain}`);
    const got = await new Promise<number>((resolve) => {
      let n = 0;
      const s = netConnect({ host: IP, port }, () => s.write(hello));
      s.on('data', (d: Buffer) => {
        n += d.length;
      });
      s.on('error', () => {});
      s.on('close', () => resolve(n));
    });
    expect(got).toBe(0);

    expect(await stop()).toBe(0);
    const records = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { sni?: string; route?: string; reason: string; bytesIn: number });
    expect(records.find((r) => r.route === `local:${service}`)).toMatchObject({ sni, reason: 'done' });
    expect(records.find((r) => r.reason === 'no-route')).toBeDefined();
  });

  it('runs with --workers 2: both workers share the listener, route by SNI and drain on SIGTERM', async () => {
    const { file, sni } = await runtimeConfig();
    const { port, out, stop } = await startExe(['--config', file, '--workers', '2'], 2);
    for (let i = 0; i < 4; i++) {
      const payload = randomBytes(64 * 1024);
      expect((await tlsRoundTrip(port, sni, payload)).equals(payload)).toBe(true);
    }
    expect(await stop()).toBe(0);
    expect(out.stderr).not.toContain('restarting');
    expect(out.stderr.match(/draining/g)).toHaveLength(2);
    expect(
      out.stdout
        .trim()
        .split('\n')
        .filter((l) => l.includes('"reason":"done"')),
    ).toHaveLength(4);
  });
});
