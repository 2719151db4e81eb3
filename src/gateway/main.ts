/**
 * `meshcc-gateway --config FILE [--workers N] [--check]`: loads and validates the config, starts the listeners, the
 * admin server and (optionally) Consul discovery; reloads on SIGHUP or when the file changes; drains on SIGTERM/SIGINT.
 * With `--workers N` (N > 1) a primary process forks N workers that share the listening sockets (see `workers.ts`).
 */
import { unwatchFile, watchFile } from 'node:fs';
import { parseArgs } from 'node:util';
import { openAccessLog } from './access-log.ts';
import { startAdmin } from './admin.ts';
import { type GatewayConfig, loadGatewayConfig } from './config.ts';
import { ConsulDiscovery } from './consul-discovery.ts';
import { formatDiagnostic } from './format.ts';
import { relayDescription } from './native-relay.ts';
import { Gateway } from './server.ts';
import { isWorker, pinnedPorts, pinZeroPorts, runPrimary, workerChannel } from './workers.ts';

const USAGE = `usage: meshcc-gateway --config FILE [--workers N] [--check]

  --config FILE   gateway runtime config (schemas/gateway-config.schema.json), as written by meshcc synth
  --workers N     processes sharing the listeners (default 1)
  --check         validate the config and exit (0 valid, 1 invalid)

Signals: SIGHUP reloads the config (so does a change of the file); SIGTERM/SIGINT drain and exit.
`;

function load(file: string, err: (s: string) => void): GatewayConfig | undefined {
  const r = loadGatewayConfig(file);
  for (const d of r.diagnostics) err(formatDiagnostic(d));
  return r.config;
}

/** Entry point; resolves with the exit code once the gateway has stopped (or at once for --check / errors). */
export async function gatewayMain(argv: readonly string[]): Promise<number> {
  const err = (s: string) => process.stderr.write(`${s}\n`);
  let values: { config?: string; workers?: string; check?: boolean; help?: boolean };
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c' },
        workers: { type: 'string', short: 'w' },
        check: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.config) {
    err(`--config is required\n${USAGE}`);
    return 1;
  }
  const file = values.config;
  const workers = Number(values.workers ?? '1');
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    err(`--workers must be an integer from 1 to 256, got ${values.workers}`);
    return 1;
  }
  const config = load(file, err);
  if (!config) return 1;
  if (values.check) return 0;
  if (workers > 1 && !isWorker()) return runPrimary(workers, file, err, await pinZeroPorts(config));
  return runGateway(file, config, err);
}

async function runGateway(file: string, config: GatewayConfig, err: (s: string) => void): Promise<number> {
  const log = openAccessLog(config.accessLog);
  const gw = new Gateway(config, log);
  gw.portOverrides = pinnedPorts();
  await gw.start();
  err(`meshcc-gateway: ${relayDescription(gw.relayMode)}`);
  const admin = await startAdmin(gw, config.admin.address, config.admin.port);
  let discovery = config.consul ? new ConsulDiscovery(config, (m) => gw.setEndpoints(m), err) : undefined;
  await discovery?.start();
  const reload = async () => {
    const next = load(file, err);
    if (!next) return err(`meshcc-gateway: reload of ${file} rejected; keeping the running config`);
    // SIGHUP and the file watch both fire for one write: the second sees the running config and changes nothing.
    if (JSON.stringify(next) === JSON.stringify(gw.config)) return;
    gw.reload(next);
    await discovery?.stop();
    discovery = next.consul ? new ConsulDiscovery(next, (m) => gw.setEndpoints(m), err) : undefined;
    await discovery?.start().catch((e: Error) => err(e.message));
    err(`meshcc-gateway: reloaded ${file}`);
  };
  watchFile(file, { interval: 1000 }, (cur, prev) => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) void reload();
  });
  const onHup = () => void reload();
  process.on('SIGHUP', onHup);
  const channel = workerChannel();
  channel?.on('reload', onHup);
  const bound = [...gw.bound].map(([n, a]) => `${n}=${a.address}:${a.port}`).join(' ');
  err(`meshcc-gateway: ${config.name} (${config.datacenter}) listening ${bound}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    channel?.on('drain', stop);
  });
  err('meshcc-gateway: draining');
  process.off('SIGHUP', onHup);
  unwatchFile(file);
  await discovery?.stop();
  await gw.drain();
  await new Promise<void>((r) => admin.close(() => r()));
  log.close();
  return 0;
}
