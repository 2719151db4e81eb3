/** Test helpers: a throwaway CA and server certificate made with `openssl`, and gateway configs on loopback. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessLog, AccessRecord } from '../../src/gateway/access-log.ts';
import { type GatewayConfig, validateGatewayConfig } from '../../src/gateway/config.ts';

export interface Pki {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** A CA and a leaf for `names` (SANs), valid for a day. */
export function makePki(names: readonly string[]): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'meshcc-gw-pki-'));
  try {
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=meshcc test CA',
    ]);
    run([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
      '-subj',
      '/CN=leaf',
    ]);
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`);
    run([
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.pem',
      '-days',
      '1',
      '-extfile',
      'ext.cnf',
    ]);
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { ca: read('ca.pem'), cert: read('leaf.pem'), key: read('leaf.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An access log kept in memory. */
export class MemoryLog implements AccessLog {
  readonly records: AccessRecord[] = [];
  write(r: AccessRecord): void {
    this.records.push(r);
  }
  close(): void {}
}

/** A validated config (defaults filled in); throws on diagnostics. */
export function gatewayConfig(raw: Record<string, unknown>): GatewayConfig {
  const r = validateGatewayConfig({ version: 1, admin: { address: '127.0.0.1', port: 0 }, ...raw }, 'test.json');
  if (!r.config) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.config;
}
