/**
 * A child process for test/gateway/many-10k.test.ts, so that the client's and the backend's sockets count against
 * their own file-descriptor limits (the machine's hard NOFILE is 20000 per process). Started with
 * `fork(this file, [role], { execArgv: ['--import', 'tsx'] })`; talks to the parent over IPC.
 *
 * - `backend`: listens on `host` (port 0), answers `x` to a connection's first bytes and `ok` to `bye`; reports
 *   `{ type: 'listening', port }`, and `{ type: 'count', held }` when asked `{ type: 'count' }`.
 * - `client`: on `{ type: 'open', host, port, count, batch, hello }` opens `count` connections (at most `batch`
 *   waiting for their first reply at a time), sends the hello on each and waits for the `x`; reports
 *   `{ type: 'opened', ok, failed, errors }`. On `{ type: 'release' }` sends `bye` on every connection, waits for `ok`,
 *   ends it and waits for the close; reports `{ type: 'released', ok, failed, errors }`.
 */
import { connect, createServer, type Socket } from 'node:net';

type Msg = Record<string, unknown> & { type: string };

function send(m: Msg): void {
  process.send?.(m);
}

function backend(host: string): void {
  const held = new Set<Socket>();
  const server = createServer({ allowHalfOpen: false }, (s) => {
    held.add(s);
    s.on('close', () => held.delete(s));
    s.on('error', () => {});
    let got = '';
    let greeted = false;
    s.on('data', (d: Buffer) => {
      if (!greeted) {
        greeted = true;
        s.write('x');
        return;
      }
      got += d.toString('latin1');
      if (got.endsWith('bye')) {
        got = '';
        s.write('ok');
      }
    });
  });
  server.listen({ host, port: 0, backlog: 4096 }, () => {
    const a = server.address();
    send({ type: 'listening', port: typeof a === 'object' && a ? a.port : 0 });
  });
  process.on('message', (m: Msg) => {
    if (m.type === 'count') send({ type: 'count', held: held.size });
  });
}

function client(): void {
  const sockets: Socket[] = [];
  const errors = new Set<string>();
  const progress = { opening: 0, opened: 0, openFailed: 0, releasing: 0, released: 0, releaseFailed: 0 };
  process.on('message', async (m: Msg) => {
    if (m.type === 'status') send({ type: 'status', ...progress, errors: [...errors].slice(0, 10) });
    if (m.type === 'open') {
      const hello = Buffer.from(m.hello as string, 'base64');
      const count = m.count as number;
      const batch = m.batch as number;
      let ok = 0;
      let failed = 0;
      const one = () =>
        new Promise<void>((resolve) => {
          let settled = false;
          const settle = (good: boolean, why?: string) => {
            if (settled) return;
            settled = true;
            if (good) ok++;
            else {
              failed++;
              if (why) errors.add(why);
            }
            progress.opened = ok;
            progress.openFailed = failed;
            resolve();
          };
          progress.opening++;
          const s = connect({ host: m.host as string, port: m.port as number }, () => s.write(hello));
          sockets.push(s);
          s.once('data', (d: Buffer) => settle(d.toString('latin1') === 'x', `first reply ${JSON.stringify(`${d}`)}`));
          s.on('error', (e) => settle(false, e.message));
          s.on('close', () => settle(false, 'closed before the reply'));
        });
      for (let i = 0; i < count; i += batch) {
        await Promise.all(Array.from({ length: Math.min(batch, count - i) }, one));
      }
      send({ type: 'opened', ok, failed, errors: [...errors].slice(0, 10) });
    }
    if (m.type === 'release') {
      let ok = 0;
      let failed = 0;
      await Promise.all(
        sockets.map(
          (s) =>
            new Promise<void>((resolve) => {
              let reply = '';
              let good = false;
              s.removeAllListeners('data');
              s.removeAllListeners('close');
              s.on('data', (d: Buffer) => {
                reply += d.toString('latin1');
                if (reply === 'ok') {
                  good = true;
                  s.end();
                }
              });
              s.on('error', (e) => errors.add(e.message));
              s.on('close', () => {
                if (good) ok++;
                else failed++;
                progress.released = ok;
                progress.releaseFailed = failed;
                resolve();
              });
              if (s.destroyed) {
                failed++;
                resolve();
                return;
              }
              progress.releasing++;
              s.write('bye');
            }),
        ),
      );
      send({ type: 'released', ok, failed, errors: [...errors].slice(0, 10) });
    }
  });
  send({ type: 'ready' });
}

const [role, host] = process.argv.slice(2);
if (role === 'backend') backend(host ?? '127.0.0.1');
else if (role === 'client') client();
else throw new Error(`unknown role ${role}`);
process.on('disconnect', () => process.exit(0));
