/**
 * `meshcc <command> [args]`: finds `commands/<command>.ts`, runs it and turns errors into messages and exit codes.
 * Never prints a stack trace for user errors; an unexpected exception is reported as a bug (MC0001).
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MeshccInputError } from '../diagnostics/diagnostic.ts';
import { renderText } from '../diagnostics/render-text.ts';
import { type CliIO, type Command, Exit, UsageError } from './command.ts';
import { meshccVersion } from './version.ts';

const here = fileURLToPath(import.meta.url);
const commandsDir = join(dirname(here), 'commands');
/** `.ts` in the checkout (run through tsx), `.js` in the built package (dist/). */
const ext = here.endsWith('.ts') ? '.ts' : '.js';

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith(ext) && !f.endsWith(`.d${ext}`) && !f.startsWith('_'))
    .map((f) => f.slice(0, -ext.length))
    .sort();
}

async function loadCommand(name: string): Promise<Command | undefined> {
  if (!/^[a-z][a-z-]*$/.test(name)) return undefined;
  const file = join(commandsDir, `${name}${ext}`);
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as { default: Command };
  return mod.default;
}

async function topLevelHelp(): Promise<string> {
  const lines = ['Usage: meshcc <command> [options]', '', 'Commands:'];
  for (const name of commandNames()) {
    const cmd = await loadCommand(name);
    if (cmd) lines.push(`  ${name.padEnd(11)} ${cmd.summary}`);
  }
  lines.push('', "Run 'meshcc <command> --help' for a command's options.");
  lines.push('Exit codes: 0 ok, 1 error, 2 changes or drift, 3 validation findings at the threshold.');
  return `${lines.join('\n')}\n`;
}

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(await topLevelHelp());
    return name === undefined ? Exit.error : Exit.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`meshcc ${meshccVersion()}\n`);
    return Exit.ok;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    io.stderr(`meshcc: unknown command '${name}'\n\n${await topLevelHelp()}`);
    return Exit.error;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${cmd.usage.trimEnd()}\n`);
    return Exit.ok;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`meshcc ${name}: ${e.message}\n\n${cmd.usage.trimEnd()}\n`);
      return Exit.error;
    }
    if (e instanceof MeshccInputError) {
      io.stderr(renderText(e.diagnostics, { cwd: io.cwd }));
      return Exit.error;
    }
    const err = e as Error;
    io.stderr(`meshcc ${name}: error MC0001: internal error (this is a bug): ${err?.message ?? String(e)}\n`);
    if (io.env.MESHCC_DEBUG) io.stderr(`${err?.stack ?? ''}\n`);
    return Exit.error;
  }
}
