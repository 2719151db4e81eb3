/**
 * MC5xxx: plan, apply, drift and import against a live Consul. Reported by `src/reconcile/*` and the
 * plan/apply/drift/reconcile/import commands.
 */
import { def } from '../diagnostic.ts';

export const ConsulUnreachable = def<{ addr: string; error: string }>(
  'MC5001',
  'error',
  'Consul unreachable',
  (a) => `cannot reach Consul at ${a.addr}: ${a.error}`,
  'check --consul / CONSUL_HTTP_ADDR and that the agent is running; retries were exhausted',
);

export const ConsulRequestFailed = def<{ method: string; path: string; status: number; body: string }>(
  'MC5002',
  'error',
  'Consul request failed',
  (a) => `${a.method} ${a.path} failed with HTTP ${a.status}: ${a.body}`,
);

export const UnmanagedEntry = def<{ key: string; owner: string }>(
  'MC5003',
  'info',
  'unmanaged live entry',
  (a) => `${a.key} exists in Consul but is ${a.owner}; it is left untouched`,
  'pass --adopt to take it over when its content equals the desired entry, or remove it by hand',
);

export const ForeignEntryConflict = def<{ key: string; owner: string }>(
  'MC5004',
  'error',
  'desired entry owned by someone else',
  (a) => `${a.key} is desired but the live entry is ${a.owner}; meshcc never overwrites it`,
  'remove the live entry, or make it equal to the desired one and pass --adopt',
);

export const RefuseEmptyKind = def<{ kind: string; count: number }>(
  'MC5005',
  'error',
  'refusing to delete every entry of a kind',
  (a) => `the plan deletes all ${a.count} managed ${a.kind} entries and keeps none`,
  'pass --allow-empty if emptying this kind is intended',
);

export const TooManyDeletions = def<{ count: number; max: number }>(
  'MC5006',
  'error',
  'deletion cap exceeded',
  (a) => `the plan deletes ${a.count} entries, more than the cap of ${a.max} per run`,
  'raise --max-deletions or apply in several runs',
);

export const CasConflict = def<{ key: string }>(
  'MC5007',
  'error',
  'entry changed since the plan',
  (a) => `${a.key} changed in Consul after it was planned (check-and-set failed)`,
  're-run plan; a saved plan is refused when live state moved',
);

export const LockHeld = def<{ env: string; holder: string }>(
  'MC5008',
  'error',
  'environment locked',
  (a) => `another apply holds the lock for environment ${a.env} (holder: ${a.holder})`,
  'wait for it to finish; the lock is session-bound and expires with its TTL if the holder dies',
);

export const ReplicationPending = def<{ dc: string; keys: string }>(
  'MC5009',
  'warning',
  'replication pending',
  (a) => `datacenter ${a.dc} does not serve the new content yet for ${a.keys}`,
  'config entries replicate from the primary about once per second; re-run drift later',
);

export const DatacenterUnreachable = def<{ dc: string; error: string }>(
  'MC5010',
  'warning',
  'datacenter unreachable',
  (a) => `datacenter ${a.dc} could not be read (${a.error}); its state is unknown, not drifted`,
);

export const MissingPermission = def<{ key: string; permission: string }>(
  'MC5011',
  'error',
  'token lacks permission',
  (a) => `the token cannot write ${a.key} (needs ${a.permission})`,
  'grant the permission to the token; nothing was written',
);

export const RateLimited = def<{ request: string; detail: string }>(
  'MC5012',
  'error',
  'rate limited by Consul, retry budget exhausted',
  (a) => `Consul kept refusing ${a.request} with its request rate limit (${a.detail})`,
  'nothing was applied by the refused requests; re-run later (it converges) or raise --timeout; see limits.request_limits',
);

export const DriftLeftByPolicy = def<{ key: string; drift: string }>(
  'MC5013',
  'warning',
  'drift not healed (policy warn)',
  (a) => `${a.key} is ${a.drift} but its kind's reconcile policy is warn; it was left as it is`,
  'heal it with --policy <kind>=heal, or by hand',
);

export const WrongConsulForCluster = def<{ cluster: string; addr: string; found: string; expected: string }>(
  'MC5014',
  'error',
  "a cluster's Consul address points at another cluster",
  (a) =>
    `the Consul at ${a.addr} given for cluster '${a.cluster}' is ${a.found}, but cluster '${a.cluster}' is ${a.expected}; ` +
    "nothing was written (each cluster's entries go to its own Consul only)",
  (a) => `pass --consul-cluster ${a.cluster}=<an address of cluster ${a.cluster}>`,
);

export const PeeringNotActive = def<{ peering: string; problem: string; fix: string }>(
  'MC5015',
  'error',
  'a cluster peering is missing or not active',
  (a) => `peering ${a.peering}: ${a.problem}`,
  (a) => a.fix,
);
