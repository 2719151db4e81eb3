/**
 * The contract of a CLI command: each `commands/<verb>.ts` default-exports a `Command`. `main.ts` finds them by name,
 * so adding a command is adding a file.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface Command {
  readonly name: string;
  /** One line for `meshcc --help`. */
  readonly summary: string;
  /** Full help text for `meshcc <verb> --help`. */
  readonly usage: string;
  /** Runs the command; returns the process exit code. Throw `UsageError` for bad arguments. */
  run(args: readonly string[], io: CliIO): Promise<number>;
}

/** Exit codes shared by all commands (documented in the README). */
export const Exit = {
  ok: 0,
  /** Usage error, unreadable input, internal error, failed apply. */
  error: 1,
  /** Plan has changes / drift found (as `terraform plan -detailed-exitcode`). */
  changes: 2,
  /** Validation findings at or above the failure threshold. */
  findings: 3,
} as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
type WithHelp<O extends Options> = O & { help: { type: 'boolean'; short: 'h' } };
/** What `parseCommandArgs` returns, named so the built declaration files can spell it. */
export type ParsedCommandArgs<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: WithHelp<O>; allowPositionals: boolean; strict: true }>
>;

/** `util.parseArgs` in strict mode, with errors turned into `UsageError`. Every command accepts `--help`. */
export function parseCommandArgs<O extends Options>(
  args: readonly string[],
  options: O,
  allowPositionals = true,
): ParsedCommandArgs<O> {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } } as WithHelp<O>,
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A whole-number option (`--max-deletions 3`): undefined when absent, a usage error naming the flag when malformed. */
export function intOption(flag: string, raw: string | undefined, min = 0): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} must be a whole number of at least ${min}, got '${raw}'`);
  }
  return n;
}
