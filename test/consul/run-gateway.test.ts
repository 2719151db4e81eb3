/**
 * `meshcc reconcile <env> --dc dc2 --run-gateway` against the real two-datacenter Consul of the test run
 * (test/setup/consul-global.ts) and the real bundled gateway (`node bin/meshcc-gateway.js`, spawned detached by the
 * command, as on a gateway host):
 *
 * 1. environments/multi-dc as it is (listeners and admin moved onto this run's loopback block with --listen/--admin):
 *    the entries are applied to the primary, the gateway is started, /ready answers 200, drift is clean;
 * 2. a copy whose dc2 `currency` instance runs on our loopback echo server: SIGHUP reload, same pid; a connection
 *    through the gateway (a ClientHello with currency's SNI, echoed back) is opened and kept open;
 * 3. a copy that also deploys `ledger` in dc2: reload, same pid, /routes lists ledger's SNI and a new mTLS session
 *    (leaf certificates from Consul's CA, SPIFFE identity checked) routes to it, while the connection opened before
 *    the reload still carries bytes both ways;
 * 4. the same again: `unchanged`, no reload;
 * 5. an owned entry changed out of band: `--verify` exits 2 and leaves the gateway alone; without it, healed.
 *
 * The environment uses the real example names (proxy-defaults/global, web, payments, currency), so the whole test
 * holds the cluster-wide mutex the conformance suite holds, hands proxy-defaults/global over as that suite does, and
 * deletes what it applied afterwards. The gateway is killed in afterAll (also on failure).
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { compile } from '../../src/compiler/compile.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import type { ConfigEntry } from '../../src/model/entries.ts';
import { ConsulClient, KINDS, type LiveEntry } from '../../src/reconcile/consul-client.ts';
import { ownerOf } from '../../src/reconcile/plan.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { clientHello } from '../gateway/hello-fixture.ts';
import { alive, DC1_IP, MISSING_MESSAGE } from './harness.ts';
import { withClusterMutex } from './shared.ts';

const consul = inject('consul');
if (!consul) console.warn(`\n${MISSING_MESSAGE}\n`);

const ENV = 'multi-dc';
/** This run's loopback block (the harness derives it per run): 127.<b>.64.1 the gateway, .2 the backends. */
const BLOCK = DC1_IP.split('.')[1];
const GW_IP = `127.${BLOCK}.64.1`;
const APP_IP = `127.${BLOCK}.64.2`;
const LAN_PORT = 18443;
const WAN_PORT = 18444;
const ADMIN_PORT = 19101;
const ADMIN = `http://${GW_IP}:${ADMIN_PORT}`;

const dir = join(repoRoot, 'out', `run-gateway-${process.pid}`);
const run = join(dir, 'run');
const gwConfig = join(run, 'gateway.json');
const pidFile = join(run, 'gateway.pid');
const servers: Server[] = [];
const sockets: Socket[] = [];

function gatewayPid(): number | undefined {
  try {
    return Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

afterAll(async () => {
  for (const s of sockets) s.destroy();
  const pid = gatewayPid();
  if (pid && alive(pid)) {
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  rmSync(dir, { recursive: true, force: true });
});

function reconcile(env: string, ...extra: string[]) {
  return runCli(
    [
      'reconcile',
      env,
      '--dc',
      'dc2',
      '--run-gateway',
      '--consul',
      consul?.dc1 ?? '',
      '--gateway-config',
      gwConfig,
      '--pid-file',
      pidFile,
      '--listen',
      `lan=${GW_IP}:${LAN_PORT}`,
      '--listen',
      `wan=${GW_IP}:${WAN_PORT}`,
      '--admin',
      `${GW_IP}:${ADMIN_PORT}`,
      '--ready-timeout',
      '30s',
      '--wait',
      '30',
      ...extra,
    ],
    { PATH: process.env.PATH, HOME: process.env.HOME },
  );
}

async function admin<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${ADMIN}${path}`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return {
    status: res.status,
    body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T,
  };
}

interface Routes {
  routes: { key: string; endpoints: { address: string; port: number }[] }[];
}

/** An echo server on APP_IP:port standing in for a sidecar. */
async function echo(port: number): Promise<void> {
  const s = createServer({ allowHalfOpen: true }, (c) => c.pipe(c));
  servers.push(s);
  await new Promise<void>((res, rej) => {
    s.once('error', rej);
    s.listen(port, APP_IP, () => res());
  });
}

/** Reads from `s` until `n` bytes arrived. */
function readN(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= n) {
        s.off('data', onData);
        s.off('error', reject);
        resolve(Buffer.concat(parts));
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.once('close', () => reject(new Error(`closed after ${got} of ${n} bytes`)));
  });
}

/** Opens a connection through the gateway's LAN listener with `sni`; resolves once the hello came back echoed. */
async function through(sni: string): Promise<Socket> {
  const s = new Socket();
  sockets.push(s);
  await new Promise<void>((res, rej) => {
    s.once('error', rej);
    s.connect(LAN_PORT, GW_IP, () => res());
  });
  const hello = clientHello({ sni: [sni] });
  const back = readN(s, hello.length);
  s.write(hello);
  expect((await back).equals(hello)).toBe(true);
  return s;
}

interface Leaf {
  CertPEM: string;
  PrivateKeyPEM: string;
}

async function leafOf(agent: string, service: string): Promise<Leaf> {
  const res = await fetch(`${agent}/v1/agent/connect/ca/leaf/${service}`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  return (await res.json()) as Leaf;
}

async function caRoots(agent: string): Promise<string[]> {
  const res = await fetch(`${agent}/v1/agent/connect/ca/roots`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { Roots: { RootCert?: string; RootCertPEM?: string }[] };
  return body.Roots.map((r) => (r.RootCert ?? r.RootCertPEM) as string);
}

/** A TLS echo server on APP_IP:port with a Consul leaf certificate, requiring a client certificate from the mesh CA. */
async function tlsEcho(port: number, leaf: Leaf, roots: string[]): Promise<void> {
  const s = createTlsServer(
    { cert: leaf.CertPEM, key: leaf.PrivateKeyPEM, ca: roots, requestCert: true, rejectUnauthorized: true },
    (c) => c.pipe(c),
  );
  servers.push(s);
  await new Promise<void>((res, rej) => {
    s.once('error', rej);
    s.listen(port, APP_IP, () => res());
  });
}

/** A TLS session through the gateway's LAN listener with `sni`, checking the server's SPIFFE identity. */
async function throughTls(sni: string, leaf: Leaf, roots: string[], service: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect(
      {
        host: GW_IP,
        port: LAN_PORT,
        servername: sni,
        cert: leaf.CertPEM,
        key: leaf.PrivateKeyPEM,
        ca: roots,
        // Consul leaf certificates carry a SPIFFE URI, not a DNS name: check the identity instead of the host name.
        checkServerIdentity: (_host, cert) =>
          cert.subjectaltname?.includes(`/svc/${service}`) ? undefined : new Error(`unexpected ${cert.subjectaltname}`),
      },
      () => resolve(s),
    );
    sockets.push(s);
    s.once('error', reject);
  });
}

async function ping(s: Socket, text: string): Promise<string> {
  const back = readN(s, text.length);
  s.write(text);
  return (await back).toString('utf8');
}

/** A copy of environments/multi-dc (inside the repo, so `import 'meshcc'` resolves) with mesh.ts edited. */
function copyEnv(name: string, edit: (meshTs: string) => string): string {
  const to = join(dir, name);
  cpSync(join(repoRoot, 'environments', ENV), to, { recursive: true });
  const file = join(to, 'mesh.ts');
  const before = readFileSync(file, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(file, after);
  return to;
}

function serverFields(e: LiveEntry): ConfigEntry {
  const { ModifyIndex: _m, CreateIndex: _c, Hash: _h, ...rest } = e as LiveEntry & { Hash?: unknown };
  return rest as ConfigEntry;
}

describe.skipIf(!consul)('meshcc reconcile --run-gateway with the real Consul and the real gateway', () => {
  it('applies, starts the gateway, reloads it on a changed config without dropping a connection, verifies', async () => {
    const cl = new ConsulClient({ addr: consul?.dc1 ?? '', retryBudgetMs: 30_000 });
    mkdirSync(run, { recursive: true });
    const { model } = await loadEnvironment(`environments/${ENV}`, repoRoot);
    const entries = compile(model).entries;
    await withClusterMutex(cl, 'shared-cluster', async () => {
      const pdBefore = await cl.read('proxy-defaults', 'global');
      try {
        // proxy-defaults/global is one per cluster: hand it to this environment as the conformance suite does
        const pd = entries.find((e) => e.Kind === 'proxy-defaults');
        if (pd && pdBefore && ownerOf(pdBefore, ENV) !== 'ours') {
          expect(await cl.write(pd, pdBefore.ModifyIndex)).toBe(true);
        }

        // 1. the example as it is
        const first = await reconcile(`environments/${ENV}`);
        expect(first.code, first.stdout + first.stderr).toBe(0);
        expect(first.stdout).toMatch(/Gateway mesh-gateway \(dc2\): started \(pid \d+\), ready in/);
        const pid = gatewayPid() as number;
        expect(first.stdout).toContain(`(pid ${pid})`);
        expect(alive(pid)).toBe(true);
        expect((await admin('/ready')).status).toBe(200);
        const cfg = JSON.parse(readFileSync(gwConfig, 'utf8')) as {
          trustDomain: string;
          routes: { local: { sni: string; endpoints: { port: number }[] }[] };
        };
        const currencySni = `currency.default.dc2.internal.${cfg.trustDomain}`;
        const currencyPort = cfg.routes.local.find((r) => r.sni === currencySni)?.endpoints[0]?.port as number;
        expect(currencyPort).toBeGreaterThan(0);
        const r1 = await admin<Routes>('/routes');
        expect(r1.body.routes.find((r) => r.key === 'local:currency')?.endpoints).toEqual([
          { address: '10.2.0.30', port: currencyPort },
        ]);
        for (const e of entries) expect(await cl.read(e.Kind, e.Name), `${e.Kind}/${e.Name}`).toBeDefined();
        const drift = await runCli(['drift', `environments/${ENV}`, '--consul', consul?.dc1 ?? '']);
        expect(drift.code, drift.stdout).toBe(0);

        // 2. currency's dc2 instance moves onto our echo server: reload, same pid; open a connection and keep it
        const moved = copyEnv('moved', (s) => s.replace("address: '10.2.0.30'", `address: '${APP_IP}'`));
        await echo(currencyPort);
        const second = await reconcile(moved);
        expect(second.code, second.stdout + second.stderr).toBe(0);
        expect(second.stdout).toContain(`reloaded (pid ${pid})`);
        expect(second.stdout).toContain('No drift');
        const longLived = await through(currencySni);
        expect(await ping(longLived, 'before the reload')).toBe('before the reload');

        // 3. ledger joins dc2: a new local route; reload, same pid, the open connection survives
        const grown = copyEnv('grown', (s) =>
          s
            .replace("address: '10.2.0.30'", `address: '${APP_IP}'`)
            .replace(
              'export default mesh;',
              `const ledger = new Service(mesh, 'ledger');\nledger.deploy(dc2, { port: 9095, address: '${APP_IP}' });\n\nexport default mesh;`,
            ),
        );
        const third = await reconcile(grown);
        expect(third.code, third.stdout + third.stderr).toBe(0);
        expect(third.stdout).toContain(`reloaded (pid ${pid})`);
        expect(gatewayPid()).toBe(pid);
        const ledgerSni = `ledger.default.dc2.internal.${cfg.trustDomain}`;
        const r3 = await admin<Routes>('/routes');
        const ledger = r3.body.routes.find((r) => r.key === 'local:ledger');
        expect(ledger?.endpoints[0]?.address).toBe(APP_IP);
        const conf = await admin<{ reloads: number; sha256: string }>('/config');
        expect(conf.body.reloads).toBeGreaterThanOrEqual(2);
        expect(await ping(longLived, 'after the reload')).toBe('after the reload');
        // a real mTLS session with leaf certificates from Consul's CA (dc2 issues ledger's, dc1 web's)
        const roots = await caRoots(consul?.dc1 ?? '');
        await tlsEcho(ledger?.endpoints[0]?.port as number, await leafOf(consul?.dc2 ?? '', 'ledger'), roots);
        const fresh = await throughTls(ledgerSni, await leafOf(consul?.dc1 ?? '', 'web'), roots, 'ledger');
        expect(await ping(fresh, 'new route over mTLS')).toBe('new route over mTLS');
        expect(fresh.getPeerCertificate().subjectaltname).toContain('/dc/dc2/svc/ledger');

        // 4. nothing changed: no reload
        const fourth = await reconcile(grown);
        expect(fourth.code, fourth.stdout + fourth.stderr).toBe(0);
        expect(fourth.stdout).toContain(`unchanged (pid ${pid})`);
        expect((await admin<{ reloads: number }>('/config')).body.reloads).toBe(conf.body.reloads);

        // 5. drift: --verify reports it and leaves the gateway alone; a plain run heals it
        const resolver = await cl.read('service-resolver', 'currency');
        expect(resolver).toBeDefined();
        expect(
          await cl.write(
            { ...serverFields(resolver as LiveEntry), ConnectTimeout: '9s' } as ConfigEntry,
            resolver?.ModifyIndex,
          ),
        ).toBe(true);
        const verify = await reconcile(grown, '--verify');
        expect(verify.code, verify.stdout + verify.stderr).toBe(2);
        expect(verify.stderr).toContain(
          'drift found (--verify does not apply); gateway mesh-gateway (dc2) not touched',
        );
        const healed = await reconcile(grown);
        expect(healed.code, healed.stdout + healed.stderr).toBe(0);
        expect(healed.stdout).toContain('Healing: applying the environment.');
        expect(healed.stdout).toContain(`unchanged (pid ${pid})`);
        expect((await cl.read('service-resolver', 'currency')) as { ConnectTimeout?: string }).toMatchObject({
          ConnectTimeout: '3s',
        });
        expect(await ping(longLived, 'still here')).toBe('still here');
      } finally {
        const pid = gatewayPid();
        if (pid && alive(pid)) process.kill(pid, 'SIGTERM');
        // everything this environment owns now (the edited copies may have added entries), in reverse order
        const owned = (await cl.listAll()).filter((e) => ownerOf(e, ENV) === 'ours' && e.Kind !== 'proxy-defaults');
        for (const kind of [...KINDS].reverse()) {
          for (const e of owned.filter((x) => x.Kind === kind)) await cl.delete(e.Kind, e.Name, e.ModifyIndex);
        }
        const pdNow = await cl.read('proxy-defaults', 'global');
        if (pdBefore) await cl.write(serverFields(pdBefore));
        else if (pdNow && ownerOf(pdNow, ENV) === 'ours')
          await cl.delete('proxy-defaults', 'global', pdNow.ModifyIndex);
      }
    });
  }, 180_000);
});
