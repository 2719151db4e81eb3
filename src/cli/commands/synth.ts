/** `meshcc synth <env> [--out DIR]`: compile an environment and write every artifact. */
import { relative, resolve } from 'node:path';
import { compile } from '../../compiler/compile.ts';
import { compileClusters } from '../../compiler/compile-clusters.ts';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { renderText } from '../../diagnostics/render-text.ts';
import { applySuppressions } from '../../diagnostics/suppress.ts';
import { emitAll } from '../../emit/index.ts';
import { emitPeered } from '../../emit/peered.ts';
import { writeArtifacts } from '../../emit/write.ts';
import { loadEnvironment } from '../../input/load-environment.ts';
import { isPeeredMesh } from '../../model/clusters.ts';
import { type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';

const usage = `Usage: meshcc synth <env> [--out DIR]

Compiles the environment (a directory with mesh.ts and optional entries/) and writes every artifact: Consul config
entries (API JSON, HCL, CRDs), Helm values, agent and service configs, ACL policies, gateway runtime configs,
Terraform JSON, and manifest.json with sha256 of each file. Nothing is written when there are errors. A mesh of
peered clusters writes each cluster's artifacts under clusters/<name>/ and the peerings in peerings.json.

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
    // A peered mesh (clusters) compiles cluster by cluster; its artifacts go under clusters/<name>/.
    const peered = isPeeredMesh(loaded.model) ? compileClusters(loaded.model) : undefined;
    const c = peered ? undefined : compile(loaded.model);
    const found = peered?.diagnostics ?? c?.diagnostics ?? [];
    const diagnostics = applySuppressions(loaded.model, [...loaded.diagnostics, ...found]);
    io.stderr(renderText(diagnostics, { cwd: io.cwd }));
    if (hasErrors(diagnostics)) {
      io.stderr(`meshcc synth: ${loaded.model.name} has errors; nothing written\n`);
      return Exit.findings;
    }
    const out = values.out ?? `out/${loaded.model.name}`;
    const result = writeArtifacts(resolve(io.cwd, out), peered ? emitPeered(peered) : emitAll(c!));
    io.stdout(
      `${result.changed ? 'wrote' : 'unchanged:'} ${result.files} files in ${relative(io.cwd, result.dir) || '.'}\n`,
    );
    return Exit.ok;
  },
};

export default synth;
