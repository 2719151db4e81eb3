import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Gateway } from '../../src/gateway/server.ts';
import { captureNodeHello } from './hello-fixture.ts';
import { gatewayConfig, MemoryLog } from './tls-fixture.ts';

const TD = 'abc.consul';
const SNI = `web.default.dc1.internal.${TD}`;
const N = 2000;

describe('SNI gateway under many connections', () => {
  it(`holds ${N} concurrent routed connections and releases them all`, async () => {
    const hello = await captureNodeHello(SNI);
    const held = new Set<Socket>();
    const backend = createServer((s) => {
      held.add(s);
      s.on('close', () => held.delete(s));
      s.once('data', () => s.write('x'));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => backend.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => r()));
    const gw = new Gateway(
      gatewayConfig({
        datacenter: 'dc1',
        trustDomain: TD,
        listeners: [{ name: 'lan', address: '127.0.0.1', port: 0 }],
        timeouts: { drainMs: 1000 },
        routes: {
          local: [
            {
              sni: SNI,
              service: 'web',
              endpoints: [{ address: '127.0.0.1', port: (backend.address() as AddressInfo).port }],
            },
          ],
          remote: [],
        },
      }),
      new MemoryLog(),
    );
    await gw.start();
    const port = gw.bound.get('lan')?.port as number;
    const clients: Socket[] = [];
    for (let i = 0; i < N; i += 250) {
      await Promise.all(
        Array.from(
          { length: 250 },
          () =>
            new Promise<void>((resolve, reject) => {
              const s = connect({ host: '127.0.0.1', port }, () => s.write(hello));
              clients.push(s);
              s.once('data', () => resolve());
              s.on('error', reject);
            }),
        ),
      );
    }
    expect(gw.activeConnections).toBe(N);
    expect(held.size).toBe(N);
    for (const c of clients) c.destroy();
    await gw.drain();
    expect(gw.activeConnections).toBe(0);
    await new Promise<void>((r) => backend.close(() => r()));
    expect(held.size).toBe(0);
  });
});

describe('meshcc-gateway command', () => {
  it('reports schema violations with MC6002 and exits 1 for --check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshcc-gw-cli-'));
    try {
      const file = join(dir, 'gw.json');
      writeFileSync(file, JSON.stringify({ version: 1, datacenter: 'DC1' }));
      const run = promisify(execFile);
      const err = await run(process.execPath, ['bin/meshcc-gateway.js', '--config', file, '--check']).catch((e) => e);
      expect(err.code).toBe(1);
      expect(err.stderr).toContain('MC6002');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
