/** Runs the CLI in-process with captured output (the same `main` the bin calls). */
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';

export const repoRoot = join(import.meta.dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    cwd: repoRoot,
    env,
  });
  return { code, stdout, stderr };
}
