/**
 * Optional native data path (`native/relay`, Linux, built only by `npm run build:relay`), one epoll thread:
 * * native accept (default when loaded): the thread owns the listening sockets, accepts and reads the ClientHello;
 *   the common hello it parses and routes itself (route table pushed from JavaScript), anything else it passes to
 *   JavaScript in batches (one call per event-loop turn), which parses, routes and answers a batch of connect/close
 *   commands; the thread connects and relays (read/write, splice(2) through pooled pipes for bulk) and reports
 *   connects and closes in batches (see `server.ts`);
 * * hand-over (`MESHCC_GATEWAY_RELAY=handover`): JavaScript accepts, routes and connects, then hands both sockets'
 *   file descriptors to the thread, which relays.
 * Loaded if the addon file is found, otherwise the pure-JS path is used (`relay.ts`). `MESHCC_GATEWAY_RELAY=js`
 * forces it; `MESHCC_GATEWAY_RELAY_ADDON=<path>` names the addon file.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CloseReason } from './access-log.ts';

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
  // Native accept (absent in addons built before it).
  /** logMode: 0 no access log, 1 JavaScript logs (closes reported as events), 2 the thread logs (after gwLog). */
  gwCreate?(onEvents: (nums: Float64Array, peers: unknown[], bytes: Buffer) => void, logMode: number): object;
  /** The thread writes the access log to `path` (appended; null: stdout); listener names JSON-encoded by index. */
  gwLog?(gw: object, path: string | null, listenerNamesJson: string[]): void;
  /** Writes the batched lines and stops logging. */
  gwLogClose?(gw: object): void;
  /**
   * [accepted, live, pending, bytesIn, bytesOut, connectFailures, nRoutes, ...route counts by index, nReasons,
   * ...close counts by index].
   */
  gwStats?(gw: object): number[];
  /** Test hook: the line the thread writes for these fields (JSON-encoded where named so). */
  formatAccess?(
    start: number,
    listenerJson: string,
    client: string,
    sni: string | null,
    sniJson: string | null,
    routeJson: string | null,
    upstreamJson: string | null,
    bytesIn: number,
    bytesOut: number,
    durationMs: number,
    reasonJson: string,
  ): string;
  gwListen(gw: object, ip: string, port: number, index: number, reusePort: boolean): number;
  gwConfigure(
    gw: object,
    helloMs: number,
    maxPending: number,
    maxConnections: number,
    maxHelloBytes: number,
    connectMs: number,
    idleMs: number,
  ): void;
  gwRoutes?(
    gw: object,
    trustDomain: string,
    datacenter: string,
    routes: (string | number)[],
    local: (string | number)[],
    remote: (string | number)[],
    wild: (string | number)[],
  ): void;
  /** Test hook: the native parser's answer on a hello prefix: [1, sni] / [-1] need more / [0] JavaScript decides. */
  parseHello(hello: Buffer, maxHelloBytes: number): [number, string?];
  gwCommit(gw: object, cmds: (number | string)[]): void;
  gwStop(gw: object): void;
  gwAbortAll(gw: object): void;
  gwCounts(gw: object): [accepted: number, live: number, pending: number];
  gwRef(gw: object, on: boolean): void;
}

/** The native-accept half of the addon (see `native/relay/relay.c` for the event and command layouts). */
export type NativeAccept = Required<
  Pick<Addon, 'gwCreate' | 'gwRoutes' | 'gwLog' | 'gwLogClose' | 'gwStats' | 'formatAccess'>
> &
  Pick<Addon, 'gwListen' | 'gwConfigure' | 'gwCommit' | 'gwStop' | 'gwAbortAll' | 'gwCounts' | 'gwRef' | 'parseHello'>;

/**
 * Close codes of the native thread (`native/relay/relay.c`), by code: 0-4 for both ways in (4: aborted), 5-9 native
 * accept only.
 */
export const NATIVE_CLOSE: readonly CloseReason[] = [
  'done',
  'client-error',
  'upstream-error',
  'idle',
  'drain',
  'hello-timeout',
  'client-closed',
  'connect-failed',
  'limit-connections',
  'limit-pending',
];

/** Which data path a gateway uses: native accept + relay, JS accept + native relay, or all JavaScript. */
export type DataPath = 'native' | 'handover' | 'js';

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

/** The native accept API, when the loaded addon has it. */
export function nativeAccept(): NativeAccept | undefined {
  return addon?.gwCreate && addon.gwRoutes && addon.gwStats ? (addon as NativeAccept) : undefined;
}

/** The data path new gateways use by default: native accept when available (`MESHCC_GATEWAY_RELAY=handover` asks for
 * JS accept + native relay). */
export function defaultDataPath(): DataPath {
  if (!addon) return 'js';
  return process.env.MESHCC_GATEWAY_RELAY === 'handover' || !nativeAccept() ? 'handover' : 'native';
}

/** One line for the startup log: which data path is active and why. */
export function relayDescription(path: DataPath = defaultDataPath()): string {
  if (path === 'native') return `relay: native accept + splice(2) epoll thread (${addonPath})`;
  if (path === 'handover') return `relay: JavaScript accept, native splice(2) epoll thread (${addonPath})`;
  return `relay: JavaScript stream.pipe (native relay not loaded: ${loadError ?? 'not selected'})`;
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
