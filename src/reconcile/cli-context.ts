/** Shared plumbing of the reconcile commands: connection options, the client, and the desired entries of an env. */
import { readFileSync } from 'node:fs';
import type { CliIO } from '../cli/command.ts';
import { compile } from '../compiler/compile.ts';
import type { Compilation } from '../compiler/types.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { renderText } from '../diagnostics/render-text.ts';
import { loadEnvironment } from '../input/load-environment.ts';
import { isPeeredMesh } from '../model/clusters.ts';
import type { ConfigEntry } from '../model/entries.ts';
import { ConsulClient, ConsulHttpError, type ConsulTransportError, readToken } from './consul-client.ts';

/** `parseArgs` options every reconcile command accepts. */
export const connectionOptions = {
  consul: { type: 'string' },
  'token-file': { type: 'string' },
  'ca-file': { type: 'string' },
  'client-cert': { type: 'string' },
  'client-key': { type: 'string' },
  dc: { type: 'string' },
  timeout: { type: 'string' },
} as const;

export const connectionUsage = `Connection:
  --consul ADDR        Consul HTTP address (default: CONSUL_HTTP_ADDR or http://127.0.0.1:8500)
  --token-file FILE    ACL token file (default: CONSUL_HTTP_TOKEN_FILE / CONSUL_HTTP_TOKEN); never printed
  --ca-file FILE       CA bundle for https (default: CONSUL_CACERT)
  --client-cert FILE   client certificate for mTLS (default: CONSUL_CLIENT_CERT); --client-key FILE likewise
  --dc DC              datacenter to plan and write against (default: the primary); with reconcile
                       --run-gateway it names the gateway's datacenter instead (entries still go to the primary)
  --timeout SECONDS    total retry budget per request (default 60)`;

export interface ConnectionValues {
  readonly consul?: string;
  readonly 'token-file'?: string;
  readonly 'ca-file'?: string;
  readonly 'client-cert'?: string;
  readonly 'client-key'?: string;
  readonly dc?: string;
  readonly timeout?: string;
}

function addrOf(raw: string): string {
  return /^https?:\/\//.test(raw) ? raw : `http://${raw}`;
}

/** Builds the client from options and environment variables. */
export function clientFrom(values: ConnectionValues, io: CliIO): ConsulClient {
  const env = io.env;
  const ca = values['ca-file'] ?? env.CONSUL_CACERT;
  const cert = values['client-cert'] ?? env.CONSUL_CLIENT_CERT;
  const key = values['client-key'] ?? env.CONSUL_CLIENT_KEY;
  const token = readToken(env, values['token-file']);
  const budget = values.timeout ? Number(values.timeout) * 1000 : undefined;
  return new ConsulClient({
    addr: addrOf(values.consul ?? env.CONSUL_HTTP_ADDR ?? 'http://127.0.0.1:8500'),
    ...(token ? { token } : {}),
    ...(ca ? { ca: readFileSync(ca, 'utf8') } : {}),
    ...(cert ? { cert: readFileSync(cert, 'utf8') } : {}),
    ...(key ? { key: readFileSync(key, 'utf8') } : {}),
    ...(budget && Number.isFinite(budget) ? { retryBudgetMs: budget } : {}),
  });
}

/** An environment's compilation and the config entries it wants in Consul. */
export interface DesiredEntries {
  readonly name: string;
  readonly entries: readonly ConfigEntry[];
  readonly compilation: Compilation;
}

/** The desired entries of an environment, or (rendered to stderr) the errors that stop the command. */
export async function desiredEntries(
  arg: string,
  io: CliIO,
): Promise<DesiredEntries | { name: string; errors: readonly Diagnostic[] }> {
  const loaded = await loadEnvironment(arg, io.cwd);
  if (isPeeredMesh(loaded.model)) {
    // Never compile peered clusters as one mesh: their entries would land in one Consul.
    io.stderr(
      `meshcc: ${loaded.model.name} declares peered clusters; this command takes one Consul, but plan, apply, drift and reconcile (without --run-gateway) take one per cluster: --consul-cluster NAME=ADDR or CONSUL_HTTP_ADDR_<NAME> (docs/peering.md)\n`,
    );
    return { name: loaded.model.name, errors: [] };
  }
  const c = compile(loaded.model);
  const ds = [...loaded.diagnostics, ...c.diagnostics];
  const errors = ds.filter((d) => d.severity === 'error' && !d.suppressed);
  if (errors.length > 0) {
    io.stderr(renderText(ds, { cwd: io.cwd }));
    return { name: loaded.model.name, errors };
  }
  return { name: loaded.model.name, entries: c.entries, compilation: c };
}

/**
 * The datacenter to read and write: `--dc`, else the agent's primary datacenter (`/v1/agent/self`, needs
 * `agent:read`); without that permission the agent's own datacenter (undefined: Consul forwards writes to the primary).
 */
export async function primaryOf(
  client: ConsulClient,
  dc: string | undefined,
): Promise<{ primary: string | undefined; all: string[] }> {
  const all = (await client.datacenters()).sort();
  if (dc) return { primary: dc, all };
  try {
    return { primary: (await client.self()).primary, all };
  } catch (e) {
    if (e instanceof ConsulHttpError && e.status === 403) return { primary: undefined, all };
    throw e;
  }
}

/** The one-line message for a Consul failure: MC5001 when unreachable, MC5002 when Consul answered with an error. */
export function consulErrorLine(command: string, e: ConsulHttpError | ConsulTransportError): string {
  if (e instanceof ConsulHttpError && e.rateLimited && e.exhausted) {
    return `meshcc ${command}: error MC5012: rate limited by Consul: ${e.message}\n`;
  }
  return `meshcc ${command}: error ${e instanceof ConsulHttpError ? 'MC5002' : 'MC5001'}: ${e.message}\n`;
}
