/** A backend for gateway tests: answers the first bytes with "ok", ends when the client ends, and is closed whole. */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

export interface OkBackend {
  readonly server: Server;
  readonly port: number;
  /** Destroys the connections it holds and stops listening. */
  close(): void;
}

export async function startOkBackend(): Promise<OkBackend> {
  const held = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    held.add(s);
    s.on('close', () => held.delete(s));
    s.on('error', () => {});
    s.once('data', () => s.write('ok'));
    s.on('end', () => s.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close() {
      for (const s of held) s.destroy();
      server.close();
    },
  };
}
