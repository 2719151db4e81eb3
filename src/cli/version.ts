/** meshcc's version, from its package.json (two levels up from src/cli in the checkout, dist/cli when installed). */
import { readFileSync } from 'node:fs';

export function meshccVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
