/**
 * Construct spans (file:line:column of the user's `new X(...)` in mesh.ts) are the same whether they are read from
 * the stack Node prints (source-mapped by Node) or from V8 call sites mapped one frame at a time
 * (`captureUserSpan`'s fast path, taken while Node's own formatter is installed). Checked on every bundled
 * environment, in child processes started as `meshcc synth` runs (`--import tsx`), one per path.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const envs = readdirSync(join(root, 'environments')).map((e) => join(root, 'environments', e, 'mesh.ts'));

function spans(mode: 'slow' | 'fast'): string[] {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'source-span.script.mts'), mode, ...envs],
    { encoding: 'utf8', cwd: root, timeout: 60_000 },
  );
  return out.trim().split('\n');
}

describe('construct spans', () => {
  it('call-site spans equal the spans read from the source-mapped stack, for every bundled environment', () => {
    const slow = spans('slow');
    const fast = spans('fast');
    expect(fast).toEqual(slow);
    // Every construct has a span in a mesh.ts (not vacuous: one per construct of every environment).
    expect(slow.length).toBeGreaterThan(50);
    for (const line of slow) expect(line).toMatch(/ \{"file":"[^"]+\/mesh\.ts","line":\d+,"column":\d+\}$/);
  });
});
