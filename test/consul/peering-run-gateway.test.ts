/**
 * `meshcc reconcile <peered env> --run-gateway --dc DC` against the two independent real Consul clusters of
 * `peering-harness.ts` (octet 70) and the real bundled gateway (`node bin/meshcc-gateway.js`, spawned detached by the
 * command, as on a gateway host), with `test/fixtures/peered-gateways-live` (PeerThroughMeshGateways in both
 * clusters, one meshcc gateway per primary):
 *
 * 1. cluster a's address given as cluster b's Consul: refused by the guard (MC5014), exit 1, no config file, no
 *    pid file, no process, and not one config entry written to either Consul;
 * 2. `--dc pa1`: cluster a's entries (and only a's) applied to a's Consul, the gateway started with exactly the
 *    config `meshcc synth` writes for `clusters/a/pa1/gateway/mesh-gateway.json` (only the Consul agent address moved
 *    with --gateway-consul), /ready 200, /routes carries the peering route to b's gateway, and the gateway registers
 *    itself in a's catalog (not b's); the peering is reported (missing), not established;
 * 3. `--dc pb1` likewise for b; then `meshcc apply` (both clusters) establishes the peering THROUGH the two gateways
 *    run-gateway started, and a `--verify` run of a's gateway reports it ACTIVE, nothing changed (same pid);
 * 4. an entry of a deleted out of band: `--verify` exits 2 (gateway, its config and its reload count untouched);
 *    a plain run heals it into a's Consul, same pid;
 * 5. both gateways stopped with SIGTERM: deregistered from their catalogs, then exited by themselves once drained.
 *    afterAll kills whatever is left (only processes running this file's configs).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileClusters } from '../../src/compiler/compile-clusters.ts';
import { emitPeered } from '../../src/emit/peered.ts';
import { loadEnvironment } from '../../src/input/load-environment.ts';
import { repoRoot, runCli } from '../cli/run-cli.ts';
import { alive, consulAvailable, MISSING_MESSAGE } from './harness.ts';
import {
  PEER_GW_WAN_PORT,
  peerGatewayAdminPorts,
  peerGatewayIps,
  type Side,
  setPeerGatewayFixtureEnv,
} from './peering-gateway-harness.ts';
import { type PeeredPair, startPeeredPair, stopPeeredPair } from './peering-harness.ts';
import { api, eventually, states } from './peering-live.ts';

const FIXTURE = 'test/fixtures/peered-gateways-live';
const DC: Record<Side, string> = { a: 'pa1', b: 'pb1' };
const skip = !consulAvailable();
if (skip) console.warn(`\n${MISSING_MESSAGE}\n`);

const dir = join(repoRoot, 'out', `peering-run-gateway-${process.pid}`);
const files = (side: Side) => ({ config: join(dir, `gw-${side}.json`), pid: join(dir, `gw-${side}.pid`) });

function pidOf(side: Side): number | undefined {
  try {
    return Number(readFileSync(files(side).pid, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Stops the gateway this file started for `side` (only if the pid still runs our config), waits until it is gone. */
async function stopGateway(side: Side, signal: NodeJS.Signals): Promise<number | undefined> {
  const pid = pidOf(side);
  if (!pid || !alive(pid)) return pid;
  if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(files(side).config)) return pid;
  process.kill(pid, signal);
  const deadline = Date.now() + 15_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
  return pid;
}

interface LiveEntry {
  Kind: string;
  Name?: string;
}

/** `kind/name` (the `mesh` entry has no name in Consul's API; `mesh` as meshcc names it). */
const keyOf = (e: LiveEntry) => `${e.Kind}/${e.Name ?? 'mesh'}`;

/** Every config entry of the kinds the fixture writes, as `kind/name`. */
async function entriesIn(addr: string): Promise<string[]> {
  const out: string[] = [];
  for (const kind of ['proxy-defaults', 'service-resolver', 'exported-services', 'mesh', 'service-intentions']) {
    const list = (await api<LiveEntry[] | null>(addr, 'GET', `/v1/config/${kind}`)) ?? [];
    out.push(...list.map(keyOf));
  }
  return out.sort();
}

async function gatewayIdsIn(addr: string): Promise<string[]> {
  return (await api<{ ServiceID: string }[]>(addr, 'GET', '/v1/catalog/service/mesh-gateway')).map((n) => n.ServiceID);
}

describe.skipIf(skip)('reconcile --run-gateway in a peered environment (real Consul, real gateway)', () => {
  let pair: PeeredPair;
  let emitted: Record<Side, Record<string, unknown>>;
  let admin: Record<Side, string>;
  /** Each cluster's entries as the compiler wants them, `kind/name`. */
  let wanted: Record<Side, string[]>;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    pair = await startPeeredPair(70);
    setPeerGatewayFixtureEnv(pair);
    const ports = peerGatewayAdminPorts();
    admin = { a: `http://127.0.0.1:${ports.a}`, b: `http://127.0.0.1:${ports.b}` };
    const loaded = await loadEnvironment(FIXTURE, repoRoot);
    const pc = compileClusters(loaded.model);
    const artifacts = emitPeered(pc);
    const entriesOf = (side: Side) =>
      (pc.clusters.find((c) => c.cluster.name === side)?.compilation.entries ?? []).map((e) => keyOf(e)).sort();
    wanted = { a: entriesOf('a'), b: entriesOf('b') };
    emitted = {} as Record<Side, Record<string, unknown>>;
    for (const side of ['a', 'b'] as const) {
      const file = artifacts.find((x) => x.path === `clusters/${side}/${DC[side]}/gateway/mesh-gateway.json`);
      if (!file) throw new Error(`no emitted gateway config for cluster ${side}`);
      emitted[side] = JSON.parse(file.content) as Record<string, unknown>;
    }
  }, 120_000);

  afterAll(async () => {
    for (const side of ['a', 'b'] as const) await stopGateway(side, 'SIGKILL');
    if (pair) await stopPeeredPair(pair);
    rmSync(dir, { recursive: true, force: true });
  });

  const reconcile = (side: Side, consul: string, ...extra: string[]) =>
    runCli(
      [
        'reconcile',
        FIXTURE,
        '--run-gateway',
        '--dc',
        DC[side],
        '--consul-cluster',
        `${side}=${consul}`,
        '--gateway-consul',
        pair[side].addr,
        '--gateway-config',
        files(side).config,
        '--pid-file',
        files(side).pid,
        '--ready-timeout',
        '30s',
        '--wait',
        '30',
        ...extra,
      ],
      { PATH: process.env.PATH, HOME: process.env.HOME },
    );

  it('refuses an address that answers for the other cluster: nothing written, nothing started', async () => {
    const r = await reconcile('b', pair.a.addr);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MC5014');
    expect(r.stderr).toContain(`the Consul at ${pair.a.addr} given for cluster 'b' is datacenter pa1`);
    expect(r.stderr).toContain('gateway not touched');
    expect(existsSync(files('b').config)).toBe(false);
    expect(existsSync(files('b').pid)).toBe(false);
    expect(await entriesIn(pair.a.addr)).toEqual([]);
    expect(await entriesIn(pair.b.addr)).toEqual([]);
    expect(await gatewayIdsIn(pair.b.addr)).toEqual([]);
    // and nothing listens on b's admin port
    await expect(fetch(`${admin.b}/ready`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });

  it("heals cluster a's entries only and starts a's gateway with the config synth emits for clusters/a/pa1", async () => {
    const r = await reconcile('a', pair.a.addr);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Healing: applying cluster a's entries.");
    expect(r.stdout).toMatch(/peering b\/a <- a\/b: cluster a \(dialer\) missing \(not established here/);
    // a's own entries went to a's Consul; b's Consul was never written
    expect(wanted.a).toContain('mesh/mesh');
    expect(wanted.b).toContain('exported-services/default');
    expect(await entriesIn(pair.a.addr)).toEqual(wanted.a);
    expect(await entriesIn(pair.b.addr)).toEqual([]);
    // the written config is synth's, with only the gateway's Consul agent moved (--gateway-consul)
    const written = JSON.parse(readFileSync(files('a').config, 'utf8')) as Record<string, unknown>;
    const consul = emitted.a.consul as Record<string, unknown>;
    expect(written).toEqual({ ...emitted.a, consul: { ...consul, address: pair.a.addr } });
    expect(consul.address).not.toBe(pair.a.addr);
    // running it: ready, its routes include the peering route to b's gateway, registered in a's catalog only
    const pid = pidOf('a');
    expect(pid && alive(pid)).toBe(true);
    expect((await fetch(`${admin.a}/ready`)).status).toBe(200);
    // routes: a's services, the peer route to b's gateway (WAN), and a's servers for the peering stream, which the
    // gateway discovered from a's Consul (the agent given with --gateway-consul)
    const routes = (
      await api<{ routes: { key: string; endpoints: { address: string; port: number }[] }[] }>(
        admin.a,
        'GET',
        '/routes',
      )
    ).routes;
    const byKey = new Map(routes.map((x) => [x.key, x.endpoints.map((e) => `${e.address}:${e.port}`)]));
    expect(byKey.get('peer:b')).toEqual([`${peerGatewayIps(pair).b}:${PEER_GW_WAN_PORT}`]);
    expect(byKey.get('peering-server:pa1')).toEqual([`${pair.a.ip}:8503`]);
    expect([...byKey.keys()].filter((k) => k.startsWith('local:')).sort()).toEqual([
      'local:currency',
      'local:payments',
      'local:web',
    ]);
    await eventually('a gateway registered in a', async () =>
      (await gatewayIdsIn(pair.a.addr)).includes('mesh-gateway'),
    );
    expect(await gatewayIdsIn(pair.b.addr)).toEqual([]);
    // peerings are not established by run-gateway
    expect(await states(pair.a.addr)).toEqual([]);
    expect(await states(pair.b.addr)).toEqual([]);
  }, 120_000);

  it('with both gateways run by reconcile, apply peers the clusters through them; --verify then reports ACTIVE', async () => {
    const rb = await reconcile('b', pair.b.addr);
    expect(rb.stderr).toBe('');
    expect(rb.code).toBe(0);
    expect(rb.stdout).toMatch(/peering b\/a <- a\/b: cluster b \(acceptor\) missing/);
    expect(await entriesIn(pair.b.addr)).toEqual(wanted.b);
    await eventually('b gateway registered in b', async () =>
      (await gatewayIdsIn(pair.b.addr)).includes('mesh-gateway'),
    );
    const apply = await runCli(
      [
        'apply',
        FIXTURE,
        '--consul-cluster',
        `a=${pair.a.addr}`,
        '--consul-cluster',
        `b=${pair.b.addr}`,
        '--wait',
        '60',
      ],
      { PATH: process.env.PATH, HOME: process.env.HOME },
    );
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('peering b/a <- a/b: established');
    expect(await states(pair.a.addr)).toEqual(['b:ACTIVE']);
    expect(await states(pair.b.addr)).toEqual(['a:ACTIVE']);
    const before = pidOf('a');
    const v = await reconcile('a', pair.a.addr, '--verify');
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('peering b/a <- a/b: cluster a (dialer) ACTIVE\n');
    expect(v.stdout).not.toContain('Healing');
    expect(pidOf('a')).toBe(before);
  }, 180_000);

  it("--verify: drift of a's entries exits 2 and leaves the gateway alone; a plain run heals only a", async () => {
    await api(pair.a.addr, 'DELETE', '/v1/config/service-resolver/billing');
    const pid = pidOf('a');
    const config = readFileSync(files('a').config, 'utf8');
    const reloads = (await api<{ reloads: number }>(admin.a, 'GET', '/config')).reloads;
    const v = await reconcile('a', pair.a.addr, '--verify');
    expect(v.code).toBe(2);
    expect(v.stdout).toMatch(/deleted\s+a\/pa1 service-resolver\/billing/);
    expect(v.stdout).not.toContain('Healing');
    expect(await entriesIn(pair.a.addr)).not.toContain('service-resolver/billing');
    expect(pidOf('a')).toBe(pid);
    expect(readFileSync(files('a').config, 'utf8')).toBe(config);
    expect((await api<{ reloads: number }>(admin.a, 'GET', '/config')).reloads).toBe(reloads);
    const h = await reconcile('a', pair.a.addr);
    expect(h.stderr).toBe('');
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("Healing: applying cluster a's entries.");
    expect(await entriesIn(pair.a.addr)).toEqual(wanted.a);
    expect(await entriesIn(pair.b.addr)).toEqual(wanted.b);
    expect(pidOf('a')).toBe(pid);
  }, 120_000);

  it('stops cleanly on SIGTERM: both gateways deregister, drain (default 30 s) and exit by themselves', async () => {
    const pids = { a: pidOf('a'), b: pidOf('b') };
    for (const side of ['a', 'b'] as const) {
      const pid = pids[side];
      expect(pid && alive(pid)).toBe(true);
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain(files(side).config);
      process.kill(pid as number, 'SIGTERM');
    }
    for (const side of ['a', 'b'] as const)
      await eventually(`${side} gateway deregistered`, async () => (await gatewayIdsIn(pair[side].addr)).length === 0);
    // the open peering streams hold the drain until its timeout; no SIGKILL is sent here
    await eventually('both gateways exited', async () => !alive(pids.a as number) && !alive(pids.b as number), 45_000);
  }, 90_000);
});
