/**
 * Optional native relay (`native/relay`, Linux, built only by `npm run build:relay`): after routing, both sockets'
 * file descriptors go to an epoll thread that relays with splice(2) through pooled pipes (zero-copy, no per-byte or
 * per-chunk JavaScript work). Loaded if the addon file is found, otherwise the pure-JS relay (`relay.ts`) is used.
 * `MESHCC_GATEWAY_RELAY=js` forces the JS relay; `MESHCC_GATEWAY_RELAY_ADDON=<path>` names the addon file.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

interface Addon {
  init(onClose: (id: number, bytesFromClient: number, bytesToClient: number, code: number) => void): void;
  relay(
    clientFd: number,
    upstreamFd: number,
    toUpstream: Buffer | null,
    toClient: Buffer | null,
    idleMs: number,
    id: number,
  ): object;
  abort(handle: object): void;
}

/** Called once when the native relay finished a connection (JS thread). */
export type NativeDone = (bytesFromClient: number, bytesToClient: number, code: number) => void;

const ADDON = join('native', 'relay', 'build', 'Release', 'meshcc_relay.node');

function candidates(): string[] {
  const out: string[] = [];
  const env = process.env.MESHCC_GATEWAY_RELAY_ADDON;
  if (env) return [env];
  // Walk up from this module (CommonJS bundle), the entry script, the executable (SEA) and the working directory.
  const starts = [
    typeof __dirname === 'string' ? __dirname : undefined,
    process.argv[1],
    process.execPath,
    process.cwd(),
  ];
  for (const s of starts) {
    if (!s) continue;
    let d = s;
    for (let i = 0; i < 6; i++) {
      out.push(join(d, ADDON));
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  return out;
}

let addon: Addon | undefined;
let loadError: string | undefined;
let addonPath: string | undefined;
const waiting = new Map<number, NativeDone>();
let nextId = 1;

function load(): void {
  if (process.env.MESHCC_GATEWAY_RELAY === 'js') {
    loadError = 'MESHCC_GATEWAY_RELAY=js';
    return;
  }
  if (process.platform !== 'linux') {
    loadError = `not supported on ${process.platform}`;
    return;
  }
  const file = candidates().find((f) => existsSync(f));
  if (!file) {
    loadError = 'addon not built (npm run build:relay)';
    return;
  }
  try {
    const m = { exports: {} as Addon };
    process.dlopen(m, file);
    m.exports.init((id, bytesFromClient, bytesToClient, code) => {
      const done = waiting.get(id);
      waiting.delete(id);
      done?.(bytesFromClient, bytesToClient, code);
    });
    addon = m.exports;
    addonPath = resolve(file);
  } catch (e) {
    loadError = `${file}: ${(e as Error).message}`;
  }
}
load();

/** True when the native relay is loaded. */
export function nativeRelayAvailable(): boolean {
  return addon !== undefined;
}

/** One line for the startup log: which relay is active and why. */
export function relayDescription(): string {
  return addon
    ? `relay: native splice(2) epoll thread (${addonPath})`
    : `relay: JavaScript stream.pipe (native relay not loaded: ${loadError})`;
}

/** A running native relay. */
export interface NativeHandle {
  abort(): void;
}

/**
 * Hands two connected sockets' descriptors to the native relay (the descriptors are duplicated: the caller must then
 * destroy its sockets). Returns undefined (nothing handed over) if the addon is not loaded or refuses.
 */
export function nativeRelay(
  clientFd: number,
  upstreamFd: number,
  toUpstream: Buffer | null,
  toClient: Buffer | null,
  idleMs: number,
  done: NativeDone,
): NativeHandle | undefined {
  if (!addon) return undefined;
  const id = nextId++;
  let handle: object;
  try {
    handle = addon.relay(clientFd, upstreamFd, toUpstream, toClient, idleMs, id);
  } catch {
    return undefined;
  }
  waiting.set(id, done);
  const a = addon;
  return {
    abort: () => {
      if (waiting.has(id)) a.abort(handle);
    },
  };
}
