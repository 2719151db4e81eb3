/**
 * The apply lock, one per environment: a Consul session (TTL, `delete` behaviour) holding the KV key
 * `meshcc/locks/<env>`, as Terraform's Consul backend does. A second apply fails fast naming the holder; if the
 * holder dies the session expires with its TTL and the key goes with it. Fails closed when Consul cannot be asked.
 */
import { hostname } from 'node:os';
import type { ConsulClient } from './consul-client.ts';

export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(
    readonly environment: string,
    readonly holder: string,
  ) {
    super(`environment ${environment} is locked by ${holder}`);
  }
}

export interface Lock {
  readonly key: string;
  readonly session: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** Who holds the lock, shown to a second applier (default `meshcc apply pid@host`). */
  readonly holder?: string;
  /** Session TTL (default `30s`); renewed every TTL/2 while held. */
  readonly ttlSeconds?: number;
}

/** The KV key of an environment's lock. */
export function lockKey(environment: string): string {
  return `meshcc/locks/${encodeURIComponent(environment)}`;
}

/** Acquires the environment's lock or throws `LockHeldError` naming the current holder. */
export async function acquireLock(client: ConsulClient, environment: string, opts: LockOptions = {}): Promise<Lock> {
  const ttl = opts.ttlSeconds ?? 30;
  const holder = opts.holder ?? `meshcc apply pid ${process.pid}@${hostname()}`;
  const session = (
    await client.request<{ ID: string }>('PUT', '/v1/session/create', {
      body: { Name: `meshcc-lock-${environment}`, TTL: `${ttl}s`, Behavior: 'delete', LockDelay: '1s' },
    })
  ).body.ID;
  const key = lockKey(environment);
  const value = { holder, since: new Date().toISOString() };
  const ok = await client.request<boolean>('PUT', `/v1/kv/${key}`, { body: value, query: { acquire: session } });
  if (ok.body !== true) {
    await client.request('PUT', `/v1/session/destroy/${session}`).catch(() => undefined);
    throw new LockHeldError(environment, await currentHolder(client, environment));
  }
  const timer = setInterval(
    () => {
      client.request('PUT', `/v1/session/renew/${session}`).catch(() => undefined);
    },
    (ttl * 1000) / 2,
  );
  timer.unref();
  return {
    key,
    session,
    async release() {
      clearInterval(timer);
      await client.request('PUT', `/v1/kv/${key}`, { body: value, query: { release: session } }).catch(() => undefined);
      await client.request('PUT', `/v1/session/destroy/${session}`).catch(() => undefined);
    },
  };
}

/** Who holds the environment's lock now (`unknown` if the value is unreadable, `nobody` if free). */
export async function currentHolder(client: ConsulClient, environment: string): Promise<string> {
  try {
    const r = await client.request<{ Value?: string; Session?: string }[]>('GET', `/v1/kv/${lockKey(environment)}`);
    const row = r.body?.[0];
    if (!row?.Session) return 'nobody';
    const v = JSON.parse(Buffer.from(row.Value ?? '', 'base64').toString('utf8')) as {
      holder?: string;
      since?: string;
    };
    return `${v.holder ?? 'unknown'} since ${v.since ?? '?'} (session ${row.Session})`;
  } catch (e) {
    // no key: the previous holder's session just ended and Consul's lock-delay (1 s) still refuses acquires
    if ((e as { status?: number }).status === 404) return 'nobody (lock-delay after the previous holder, retry)';
    return 'unknown';
  }
}
