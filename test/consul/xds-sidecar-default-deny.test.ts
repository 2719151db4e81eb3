/**
 * The intention differential of xds-sidecar.test.ts with the other default: a private single-server Consul of this
 * file (same binary, `default_intention_policy = "deny"`; the shared datacenters default to allow), so Consul builds
 * ALLOW-action RBAC (safe-list) for the stand-in sidecar (test/support/xds-sidecar; docs/testing.md) instead of
 * DENY-action. For random intention sets over {web, ops, *} (fast-check), each source's accept/refuse through the
 * stand-ins equals Consul's answer: the agent's authorize rule over the server's current intention match (see
 * consulSays; `/v1/connect/intentions/check` ignores `default_intention_policy` in v1.22.7 — found by this test, kept
 * as the last case). Each set carries an ALLOW from a fresh probe source (under
 * default deny Consul drops denies from the RBAC, keeps allows), and traffic is sent only once api's sidecar enforces
 * an RBAC naming that probe. The server runs from a `meshcc-consul-*` directory with an owner pid (reaped after a
 * killed run) on `127.<b>.63.1`, its services on `.11`–`.13`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitServiceRegistrations } from '../../src/emit/service-registrations.ts';
import { compilation, dc as dcDecl, instance, model, upstream } from '../emit/fixtures.ts';
import {
  consulApi as api,
  echoApp,
  publicListener,
  roundTrip,
  type StandIn,
  startStandIn,
  xdsSidecarBinary,
} from '../support/xds-sidecar.ts';
import {
  CONSUL_BIN,
  consulAvailable,
  DC1_IP,
  type DcProcess,
  killClusterNow,
  MISSING_MESSAGE,
  startDc,
  stopDc,
  waitLeader,
} from './harness.ts';

const available = consulAvailable();
if (!available) console.warn(`\n${MISSING_MESSAGE}\n`);
const bin = available ? xdsSidecarBinary() : undefined;

const ip = (n: number) => DC1_IP.replace(/\.55\.1$/, `.63.${n}`);
const IP = { server: ip(1), api: ip(11), web: ip(12), ops: ip(13) };
const UPSTREAM_PORT = 9191;

type Action = 'allow' | 'deny';
interface IxnSet {
  readonly web?: Action;
  readonly ops?: Action;
  readonly star?: Action;
}

describe.skipIf(!available || !bin)(
  'stand-in sidecar (Envoy cannot run here) driven by Consul xDS: intentions under default deny',
  () => {
    const root = mkdtempSync(join(tmpdir(), 'meshcc-consul-xdsdeny-'));
    const dc: DcProcess = {
      name: 'dc1',
      ip: IP.server,
      addr: `http://${IP.server}:8500`,
      dataDir: join(root, 'dc1', 'data'),
      configFile: join(root, 'dc1', 'config.json'),
      pidFile: join(root, 'dc1', 'pid'),
    };
    const addr = dc.addr;
    const standIns: Record<string, StandIn> = {};
    let app: { server: Server; port: number } | undefined;
    let probeN = 0;
    let apiListener = '';
    const apiSidecar = () => standIns.api as StandIn;

    async function applyIntentions(set: IxnSet): Promise<void> {
      const probe = `xdd-probe-${++probeN}`;
      const sources: { Name: string; Action: Action }[] = [{ Name: probe, Action: 'allow' }];
      if (set.web) sources.push({ Name: 'xdd-web', Action: set.web });
      if (set.ops) sources.push({ Name: 'xdd-ops', Action: set.ops });
      if (set.star) sources.push({ Name: '*', Action: set.star });
      await api(addr, 'PUT', '/v1/config', { Kind: 'service-intentions', Name: 'xdd-api', Sources: sources });
      await apiSidecar().until(`RBAC naming ${probe}`, (c) =>
        JSON.stringify(publicListener(c)?.rbac ?? null).includes(`/svc/${probe}$`),
      );
    }

    async function attempt(source: 'web' | 'ops'): Promise<'allowed' | 'refused'> {
      const denied = async () => (await apiSidecar().config()).stats[`listener:${apiListener}:rbac_denied`] ?? 0;
      const before = await denied();
      const got = await roundTrip(IP[source], UPSTREAM_PORT);
      if (got === 'xdd-api:ping\n') return 'allowed';
      expect(got).toBe('');
      await apiSidecar().until(
        'the RBAC refusal counted',
        (c) => (c.stats[`listener:${apiListener}:rbac_denied`] ?? 0) > before,
        5000,
      );
      return 'refused';
    }

    /**
     * Consul's answer for a connection from `source`, by the rule of the agent's `/v1/agent/connect/authorize` (the
     * highest-precedence intention whose source matches decides; none: the agent's `default_intention_policy`,
     * deny here) applied to the server's current `/v1/connect/intentions/match`. Not the authorize endpoint itself:
     * it answers from the agent's cache of the matches, which this test saw answer by an intention of an earlier
     * set (a `*` no longer written) after the proxies had the new one. Not `/v1/connect/intentions/check` either: it
     * ignores `default_intention_policy` in v1.22.7 (the last test).
     */
    async function consulSays(source: 'web' | 'ops'): Promise<'allowed' | 'refused'> {
      const m = (await api(addr, 'GET', '/v1/connect/intentions/match?by=destination&name=xdd-api')) as Record<
        string,
        { SourceName: string; SourcePeer?: string; Action: string }[]
      >;
      const first = (m['xdd-api'] ?? []).find(
        (i) => !i.SourcePeer && (i.SourceName === `xdd-${source}` || i.SourceName === '*'),
      );
      return first?.Action === 'allow' ? 'allowed' : 'refused';
    }

    /** The server's intention check (`Intention.Check`). */
    async function serverCheck(source: 'web' | 'ops'): Promise<'allowed' | 'refused'> {
      const r = (await api(addr, 'GET', `/v1/connect/intentions/check?source=xdd-${source}&destination=xdd-api`)) as {
        Allowed: boolean;
      };
      return r.Allowed ? 'allowed' : 'refused';
    }

    beforeAll(async () => {
      writeFileSync(join(root, 'owner'), String(process.pid));
      mkdirSync(dc.dataDir, { recursive: true });
      writeFileSync(
        dc.configFile,
        JSON.stringify({
          datacenter: 'dc1',
          node_name: 'xdsdeny-srv',
          server: true,
          bootstrap_expect: 1,
          data_dir: dc.dataDir,
          bind_addr: IP.server,
          client_addr: IP.server,
          advertise_addr: IP.server,
          ports: { grpc: 8502, dns: -1 },
          connect: { enabled: true },
          default_intention_policy: 'deny',
          performance: { raft_multiplier: 1 },
          disable_update_check: true,
          log_level: 'warn',
        }),
      );
      startDc(dc);
      await waitLeader(dc);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const roots = (await api(addr, 'GET', '/v1/connect/ca/roots').catch(() => ({}))) as {
          ActiveRootID?: string;
          TrustDomain?: string;
        };
        if (roots.ActiveRootID && roots.TrustDomain) break;
        if (Date.now() > deadline) throw new Error('no CA roots');
        await new Promise((r) => setTimeout(r, 200));
      }
      app = await echoApp('xdd-api');
      const m = model('xdd', {
        datacenters: [dcDecl('dc1', 'dc1', 'vm', { servers: 1 })],
        gateways: [],
        instances: [
          instance('xdd-api', 'dc1', app.port, { address: IP.api }),
          ...(['web', 'ops'] as const).map((s) =>
            instance(`xdd-${s}`, 'dc1', 1, {
              address: IP[s],
              upstreams: [upstream('xdd-api', UPSTREAM_PORT, { localBindAddress: IP[s] })],
            }),
          ),
        ],
        aclsEnabled: false,
      });
      for (const s of ['xdd-api', 'xdd-web', 'xdd-ops'])
        await api(addr, 'PUT', '/v1/config', { Kind: 'service-defaults', Name: s, Protocol: 'tcp' });
      const dir = join(root, 'services');
      mkdirSync(dir);
      for (const a of emitServiceRegistrations(compilation(m)).filter((x) => x.path.endsWith('.json'))) {
        const file = join(dir, a.path.replaceAll('/', '_'));
        writeFileSync(file, a.content);
        execFileSync(CONSUL_BIN, ['services', 'register', `-http-addr=${addr}`, file], { stdio: 'pipe' });
      }
      const xds = `${IP.server}:8502`;
      standIns.api = await startStandIn(bin as string, xds, 'xdd-api-sidecar-proxy');
      standIns.web = await startStandIn(bin as string, xds, 'xdd-web-sidecar-proxy');
      standIns.ops = await startStandIn(bin as string, xds, 'xdd-ops-sidecar-proxy');
      const c = await apiSidecar().until('api public listener bound', (x) => publicListener(x)?.bound === true);
      apiListener = Object.keys(c.listeners).find((n) => n.startsWith('public_listener:')) as string;
      for (const s of ['web', 'ops'])
        await (standIns[s] as StandIn).until(
          'a healthy xdd-api endpoint',
          (x) =>
            Object.entries(x.clusters).some(
              ([n, cl]) => n.startsWith('xdd-api.') && cl.endpoints.some((e) => e.health === 'HEALTHY'),
            ) && Object.values(x.listeners).every((l) => l.bound),
          60_000,
        );
    }, 240_000);

    afterAll(async () => {
      for (const s of Object.values(standIns)) await s.stop();
      app?.server.close();
      await stopDc(dc);
      killClusterNow(root);
    });

    it('is a safe-list: with no intention for them, Consul and the stand-ins refuse both callers', async () => {
      await applyIntentions({});
      // ALLOW is the enum's zero value: the JSON leaves it out; DENY would be named.
      const rbac = publicListener(await apiSidecar().config())?.rbac as { action?: string }[];
      expect(rbac).toHaveLength(1);
      expect(rbac[0]?.action ?? 'ALLOW').toBe('ALLOW');
      for (const s of ['web', 'ops'] as const) {
        expect(await consulSays(s)).toBe('refused');
        expect(await attempt(s)).toBe('refused');
      }
    }, 60_000);

    it("accepts or refuses as Consul's intentions and default policy say, for random intention sets (fast-check)", async () => {
      const action = fc.option(fc.constantFrom<Action>('allow', 'deny'), { nil: undefined });
      const sets = fc.record({ web: action, ops: action, star: action }, { requiredKeys: [] });
      await fc.assert(
        fc.asyncProperty(sets, async (set) => {
          const clean = JSON.parse(JSON.stringify(set)) as IxnSet;
          await applyIntentions(clean);
          for (const source of ['web', 'ops'] as const) expect(await attempt(source)).toBe(await consulSays(source));
        }),
        {
          numRuns: 8,
          seed: 15,
          examples: [[{ star: 'allow', web: 'deny' }], [{ ops: 'allow' }], [{ star: 'allow' }]],
        },
      );
    }, 150_000);

    // A found discrepancy, kept as a fixture: Consul v1.22.7's server never receives `default_intention_policy`
    // (newConsulConfig does not copy it into consul.Config), so `Intention.Check` falls back to the ACL default
    // (allow, without ACLs) while the agent (its authorize endpoint and the proxies it configures) denies. The stand-ins
    // follow the proxies' configuration. Should a Consul release fix this, this test fails and is to be updated.
    it("records Consul's own disagreement: /v1/connect/intentions/check says allowed where its proxies refuse", async () => {
      await applyIntentions({});
      expect(await serverCheck('web')).toBe('allowed');
      expect(await consulSays('web')).toBe('refused');
      expect(await attempt('web')).toBe('refused');
    }, 60_000);
  },
);
