/**
 * Cluster peerings against live Consul: what each side's `GET /v1/peerings` says (pure assessment, for plan and
 * drift), and establishing a peering idempotently (for apply): stale or broken halves are deleted first, then the
 * acceptor generates a token (`POST /v1/peering/token`, PeerName = its name for the dialer) and the dialer
 * establishes with it (`POST /v1/peering/establish`, PeerName = its name for the acceptor). The token lives in one
 * local variable between those two calls: it is never printed, logged, stored or written into an artifact or comment.
 */
import { peeringKey } from '../model/clusters.ts';
import type { MeshEntry } from '../model/entries.ts';
import type { PeeringDecl } from '../model/types.ts';
import type { ConsulClient, LivePeering } from './consul-client.ts';

/** One side of a peering as live Consul shows it. */
export interface LiveSide {
  readonly cluster: string;
  readonly peerName: string;
  /** The live state (`ACTIVE`, `PENDING`, `FAILING`, ...), absent when the side has no peering of that name. */
  readonly state?: string;
  /** Services this side imports over the peering (`StreamStatus.ImportedServices`). */
  readonly imported?: readonly string[];
}

export interface PeeringAssessment {
  /** `acceptor-cluster/its-peer-name <- dialer-cluster/its-peer-name`. */
  readonly key: string;
  readonly acceptor: LiveSide;
  readonly dialer: LiveSide;
  /** Both sides ACTIVE. */
  readonly active: boolean;
  /** What is wrong, in words; absent when active. */
  readonly problem?: string;
  /** How to fix it. */
  readonly fix?: string;
}

export { peeringKey };

function side(cluster: string, peerName: string, live: readonly LivePeering[]): LiveSide {
  const l = live.find((x) => x.Name === peerName);
  const imported = l?.StreamStatus?.ImportedServices ?? undefined;
  return {
    cluster,
    peerName,
    ...(l ? { state: l.State } : {}),
    ...(imported && imported.length > 0 ? { imported: [...imported].sort() } : {}),
  };
}

/**
 * Consul's refusal to generate a peering token when the accepting cluster peers through mesh gateways and has none
 * registered (`agent/consul/peering_backend.go`, `meshGatewayAdresses`): the token's server addresses are the
 * gateways' WAN addresses.
 */
export const NO_MESH_GATEWAY_REGISTERED =
  'servers are configured to PeerThroughMeshGateways, but no mesh gateway instances are registered';

function describe(s: LiveSide, role: string): string | undefined {
  if (s.state === 'ACTIVE') return undefined;
  return s.state === undefined
    ? `no peering '${s.peerName}' in cluster ${s.cluster} (${role}): deleted, or never established`
    : `peering '${s.peerName}' in cluster ${s.cluster} (${role}) is ${s.state}`;
}

/** Assesses one peering from both sides' live peerings. Pure. */
export function assessPeering(
  p: PeeringDecl,
  acceptorLive: readonly LivePeering[],
  dialerLive: readonly LivePeering[],
): PeeringAssessment {
  const acceptor = side(p.acceptor.cluster, p.acceptor.peerName, acceptorLive);
  const dialer = side(p.dialer.cluster, p.dialer.peerName, dialerLive);
  const problems = [describe(acceptor, 'acceptor'), describe(dialer, 'dialer')].filter((x): x is string => !!x);
  const key = peeringKey(p);
  if (problems.length === 0) return { key, acceptor, dialer, active: true };
  const reestablish =
    `run \`meshcc apply\`: it deletes the broken halves, generates a token in ${p.acceptor.cluster} and establishes ` +
    `it from ${p.dialer.cluster} (the dialer must reach the acceptor's servers, or its mesh gateway with PeerThroughMeshGateways)`;
  // Both halves there and one failing: the stream broke (a server or gateway on its path went away). Consul keeps
  // retrying it and the peering turns ACTIVE by itself once the path is back (seen live through bundled gateways);
  // deleting it would drop the imported services meanwhile.
  const failing = [acceptor, dialer].some((s) => s.state === 'FAILING');
  const bothThere = acceptor.state !== undefined && dialer.state !== undefined;
  return {
    key,
    acceptor,
    dialer,
    active: false,
    problem: problems.join('; '),
    fix:
      failing && bothThere
        ? `check the path from ${p.dialer.cluster}'s servers to ${p.acceptor.cluster}'s (with PeerThroughMeshGateways: ` +
          `${p.dialer.cluster}'s mesh gateway, then ${p.acceptor.cluster}'s gateway at the address in the token): Consul ` +
          `retries the stream and the peering turns ACTIVE by itself once the path is back; if it stays FAILING, ${reestablish}`
        : reestablish,
  };
}

/** Reads both sides and assesses a peering. */
export async function readPeering(
  p: PeeringDecl,
  acceptor: ConsulClient,
  dialer: ConsulClient,
): Promise<PeeringAssessment> {
  const [a, d] = await Promise.all([acceptor.peerings(), dialer.peerings()]);
  return assessPeering(p, a, d);
}

export interface EstablishResult {
  readonly key: string;
  readonly status: 'unchanged' | 'established' | 'failed';
  readonly before: PeeringAssessment;
  readonly after: PeeringAssessment;
  readonly detail?: string;
}

export interface EstablishOptions {
  /** How long to wait for both sides to be ACTIVE (and for deletions to finish). Default 60 s. */
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  /**
   * Service names of the mesh gateways of the acceptor's primary datacenter (the model's). When the acceptor's live
   * `mesh` entry sets `PeerThroughMeshGateways`, one of them must be registered and passing before anything is
   * deleted: Consul cannot generate a token without one, and the dialer gets through nothing else. Default
   * `['mesh-gateway']`.
   */
  readonly acceptorGateways?: readonly string[];
}

/**
 * Why the acceptor cannot peer now, read before anything is deleted: its `mesh` entry peers through mesh gateways and
 * none of its gateways is registered (Consul refuses the token) or none passes its checks (the dialer could not get
 * through). Undefined when nothing stands in the way. `peerThroughMeshGateways`: the `mesh` entry's setting when the
 * caller knows it (plan: the entry apply will write), else read live.
 */
export async function acceptorBlocker(
  acceptor: ConsulClient,
  gateways: readonly string[],
  peerThroughMeshGateways?: boolean,
): Promise<string | undefined> {
  // The live `mesh` entry, unless the caller knows what it will be (plan: the one apply writes first).
  const ptmg =
    peerThroughMeshGateways ??
    ((await acceptor.read('mesh', 'mesh')) as MeshEntry | undefined)?.Peering?.PeerThroughMeshGateways === true;
  if (!ptmg) return undefined;
  let registered = 0;
  for (const name of gateways) {
    if ((await acceptor.passingInstanceCount(name)) > 0) return undefined;
    registered += await acceptor.serviceInstanceCount(name);
  }
  // Registered but critical (a crashed gateway stays registered): Consul would put it into the token, and the
  // dialer could not reach the acceptor through it.
  return registered === 0
    ? NO_MESH_GATEWAY_REGISTERED
    : 'its mesh gateways are registered but none passes its health checks';
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitUntil(check: () => Promise<boolean>, deadline: number, pollMs: number): Promise<boolean> {
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}

/** States in which a side is still on its way to ACTIVE after an establish (not broken yet). */
const SETTLING = new Set(['PENDING', 'ESTABLISHING']);

/**
 * Makes one peering ACTIVE on both sides. Idempotent: an active peering is left alone; a half that is missing on
 * the other side, failing, terminated or deleting is deleted (and awaited) before a new token is generated — unless
 * the acceptor cannot generate one now (`PeerThroughMeshGateways` without a registered gateway): then nothing is
 * touched and the result says why.
 */
export async function establishPeering(
  p: PeeringDecl,
  acceptor: ConsulClient,
  dialer: ConsulClient,
  opts: EstablishOptions = {},
): Promise<EstablishResult> {
  const pollMs = opts.pollMs ?? 250;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const before = await readPeering(p, acceptor, dialer);
  if (before.active) return { key: before.key, status: 'unchanged', before, after: before };
  // A peering established moments ago settles by itself: give it a short while before redoing it.
  if (SETTLING.has(before.dialer.state ?? '') && before.acceptor.state !== undefined) {
    const settled = await waitUntil(
      async () => (await readPeering(p, acceptor, dialer)).active,
      Math.min(deadline, Date.now() + 5_000),
      pollMs,
    );
    if (settled) {
      const after = await readPeering(p, acceptor, dialer);
      return { key: before.key, status: 'unchanged', before, after };
    }
  }
  // A token cannot be generated now: leave the peering as it is (a FAILING one recovers by itself once its
  // gateways are back; deleting it would only drop the imported services).
  const gateways = opts.acceptorGateways ?? ['mesh-gateway'];
  const blocker = await acceptorBlocker(acceptor, gateways);
  if (blocker) {
    return {
      key: before.key,
      status: 'failed',
      before,
      after: before,
      detail:
        `cluster ${p.acceptor.cluster}: ${blocker} (looked for ${gateways.join(', ')}); nothing was deleted: start ` +
        `its mesh gateway, then run \`meshcc apply\` again`,
    };
  }
  // Remove the broken halves, then wait until Consul has actually dropped them (they pass through DELETING).
  const current = await readPeering(p, acceptor, dialer);
  const halves: [ConsulClient, LiveSide][] = [
    [acceptor, current.acceptor],
    [dialer, current.dialer],
  ];
  for (const [client, s] of halves)
    if (s.state !== undefined && s.state !== 'DELETING') await client.peeringDelete(s.peerName);
  const gone = await waitUntil(
    async () => {
      const now = await readPeering(p, acceptor, dialer);
      return now.acceptor.state === undefined && now.dialer.state === undefined;
    },
    deadline,
    pollMs,
  );
  if (!gone) {
    const after = await readPeering(p, acceptor, dialer);
    return {
      key: before.key,
      status: 'failed',
      before,
      after,
      detail: 'the old peering halves were not deleted in time',
    };
  }
  {
    const token = await acceptor.peeringToken(p.acceptor.peerName);
    await dialer.peeringEstablish(p.dialer.peerName, token);
  }
  const ok = await waitUntil(async () => (await readPeering(p, acceptor, dialer)).active, deadline, pollMs);
  const after = await readPeering(p, acceptor, dialer);
  return ok
    ? { key: before.key, status: 'established', before, after }
    : { key: before.key, status: 'failed', before, after, detail: after.problem ?? 'not active in time' };
}
