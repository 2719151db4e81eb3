/**
 * Admin HTTP server on its own (loopback) port: `/ready` (200 or 503), `/routes`, `/stats`, `/config` (JSON) and
 * `/metrics` (Prometheus text). Read-only; never prints tokens or config secrets (`/config` gives a digest of the
 * running config, not the config).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { stableJson } from '../emit/artifact.ts';
import type { GatewayConfig } from './config.ts';
import type { Gateway } from './server.ts';
import { statsJson, statsPrometheus } from './stats.ts';

/**
 * sha256 of a validated config (defaults filled in, keys sorted): what `/config` reports for the running config, so
 * whoever wrote the file (`meshcc reconcile --run-gateway`) can tell that a reload took effect.
 */
export function configDigest(config: GatewayConfig): string {
  return createHash('sha256').update(stableJson(config)).digest('hex');
}

/** Starts the admin server; resolves with it once listening. */
export async function startAdmin(gw: Gateway, address: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const gauges = { active: gw.activeConnections, pending: gw.pendingHandshakes, ready: gw.ready };
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    switch (path) {
      case '/ready':
        return send(gw.ready ? 200 : 503, 'text/plain', gw.ready ? 'ready\n' : 'not ready\n');
      case '/routes':
        return send(
          200,
          'application/json',
          stableJson({
            datacenter: gw.table.datacenter,
            trustDomain: gw.table.trustDomain,
            routes: gw.table.list(),
          }),
        );
      case '/stats':
        return send(200, 'application/json', stableJson(statsJson(gw.stats, gauges)));
      case '/config':
        return send(
          200,
          'application/json',
          stableJson({
            name: gw.config.name,
            datacenter: gw.config.datacenter,
            sha256: configDigest(gw.config),
            reloads: gw.stats.reloads,
            listeners: [...gw.bound].map(([name, a]) => ({ name, address: a.address, port: a.port })),
          }),
        );
      case '/metrics':
        return send(200, 'text/plain; version=0.0.4', statsPrometheus(gw.stats, gauges));
      default:
        return send(404, 'text/plain', 'not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port }, () => resolve());
  });
  return server;
}
