/** `meshcc synth <env> [--out DIR]`: compile an environment and write every artifact. */
import { relative, resolve } from 'node:path';
import { compile } from '../../compiler/compile.ts';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { renderText } from '../../diagnostics/render-text.ts';
import { applySuppressions } from '../../diagnostics/suppress.ts';
import { emitAll } from '../../emit/index.ts';
import { writeArtifacts } from '../../emit/write.ts';
import { loadEnvironment } from '../../input/load-environment.ts';
import { type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';

const usage = `Usage: meshcc synth <env> [--out DIR]

Compiles the environment (a directory with mesh.ts and optional entries/) and writes every artifact: Consul config
entries (API JSON, HCL, CRDs), Helm values, agent and service configs, ACL policies, gateway runtime configs,
Terraform JSON, and manifest.json with sha256 of each file. Nothing is written when there are errors.

Options:
  --out DIR   output directory (default: out/<environment name>)
`;

function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error' && !d.suppressed);
}

const synth: Command = {
  name: 'synth',
  summary: 'compile an environment and write all artifacts',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { out: { type: 'string', short: 'o' } });
    if (positionals.length !== 1) throw new UsageError('expected exactly one environment');
    const loaded = await loadEnvironment(positionals[0]!, io.cwd);
    const c = compile(loaded.model);
    const diagnostics = applySuppressions(loaded.model, [...loaded.diagnostics, ...c.diagnostics]);
    io.stderr(renderText(diagnostics, { cwd: io.cwd }));
    if (hasErrors(diagnostics)) {
      io.stderr(`meshcc synth: ${loaded.model.name} has errors; nothing written\n`);
      return Exit.findings;
    }
    const out = values.out ?? `out/${loaded.model.name}`;
    const result = writeArtifacts(resolve(io.cwd, out), emitAll(c));
    io.stdout(
      `${result.changed ? 'wrote' : 'unchanged:'} ${result.files} files in ${relative(io.cwd, result.dir) || '.'}\n`,
    );
    return Exit.ok;
  },
};

export default synth;
