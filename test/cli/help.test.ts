import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

const commands = readdirSync(join(import.meta.dirname, '../../src/cli/commands'))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));

describe('meshcc command line', () => {
  it('lists every command in the top-level help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of commands) expect(r.stdout).toContain(`  ${c} `);
  });

  it.each(commands)('prints usage for `meshcc %s --help` and exits 0', async (name) => {
    const r = await runCli([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: meshcc /);
  });

  it("prints package.json's version for --version", async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`meshcc ${pkg.version}\n`);
  });

  it('rejects an unknown command with exit code 1 and the command list', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it('rejects an unknown option with the usage and exit code 1, without a stack trace', async () => {
    const r = await runCli(['synth', 'environments/multi-dc', '--no-such-flag']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Usage: meshcc synth');
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  });

  it.each([
    ['plan', '--max-deletions', 'many'],
    ['apply', '--max-deletions', '2x'],
    ['apply', '--concurrency', '0'],
    ['apply', '--wait', '1.5'],
  ])('rejects %s %s %s before contacting Consul, naming the flag', async (cmd, flag, value) => {
    const r = await runCli([cmd, 'environments/multi-dc', flag, value, '--consul', 'http://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`meshcc ${cmd}: ${flag} must be a whole number of at least`);
    expect(r.stderr).toContain(`got '${value}'`);
  });
});
