/** `meshcc plan <env>`: diff the environment against live Consul (create / update / delete / no-op). */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Compilation } from '../../compiler/types.ts';
import { renderText } from '../../diagnostics/render-text.ts';
import { stableJson } from '../../emit/artifact.ts';
import { changedEdges } from '../../graph/changed-edges.ts';
import { renderMermaid } from '../../graph/mermaid.ts';
import { meshGraph } from '../../graph/mesh-graph.ts';
import {
  clientFrom,
  connectionOptions,
  connectionUsage,
  consulErrorLine,
  desiredEntries,
  primaryOf,
} from '../../reconcile/cli-context.ts';
import { ConsulHttpError, ConsulTransportError } from '../../reconcile/consul-client.ts';
import { checkSafety, computePlan, hasChanges, type Plan, toSavedPlan } from '../../reconcile/plan.ts';
import { type PlanContext, renderPlanJson, renderPlanText } from '../../reconcile/render-plan.ts';
import { type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';
import { peeredUsage, runPeered } from '../peered.ts';
import { safetyOptions } from './apply.ts';

const usage = `Usage: meshcc plan <env> [--json] [--out FILE] [--adopt] [connection options]

Compares the environment's config entries with the live entries in the primary datacenter and prints what apply
would do: + create, ~ update (field by field), - delete. Only entries meshcc owns (Meta managed-by=meshcc and
meshcc-environment=<env>) are updated or deleted; other live entries are listed as unmanaged and never touched.

Options:
  --json        machine-readable plan on stdout, with the datacenter planned against, the datacenters that receive
                its entries by replication, and a Mermaid picture of the mesh with the changed edges marked
  --out FILE    save the plan (with each entry's ModifyIndex) for 'meshcc apply --plan FILE'
  --adopt       take over unmanaged live entries that equal the desired entry
  --allow-empty, --max-deletions N   prune guards, as for apply (checked here too)

${connectionUsage}

${peeredUsage}

Exit codes: 0 no changes, 1 error, 2 changes.
`;

/** The datacenters and the picture printed with `--json` (what `meshcc github comment` shows). */
function planContext(c: Compilation, p: Plan, primary: string | undefined, all: readonly string[]): PlanContext {
  const graph = meshGraph(c.model, c.upstreams);
  const changedKeys = p.actions.filter((a) => a.type !== 'noop').map((a) => a.key);
  return {
    ...(primary ? { datacenter: primary, replicas: all.filter((d) => d !== primary) } : {}),
    mermaid: renderMermaid(graph, { changed: changedEdges(graph, changedKeys) }),
  };
}

const plan: Command = {
  name: 'plan',
  summary: 'show what apply would change in Consul',
  usage,
  async run(args, io) {
    const peered = await runPeered('plan', args, io);
    if (peered !== undefined) return peered;
    const { values, positionals } = parseCommandArgs(args, {
      ...connectionOptions,
      json: { type: 'boolean' },
      out: { type: 'string' },
      adopt: { type: 'boolean' },
      'allow-empty': { type: 'boolean' },
      'max-deletions': { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one environment');
    const safetyOpts = safetyOptions(values);
    const desired = await desiredEntries(positionals[0] as string, io);
    if ('errors' in desired) return Exit.findings;
    const client = clientFrom(values, io);
    try {
      const { primary, all } = await primaryOf(client, values.dc);
      const live = await client.listAll(primary);
      const p = computePlan(desired.name, desired.entries, live, { adopt: values.adopt ?? false });
      const safety = checkSafety(p, safetyOpts);
      const diags = [...p.diagnostics, ...safety].filter((d) => d.severity !== 'info');
      if (diags.length > 0) io.stderr(renderText(diags, { cwd: io.cwd }));
      io.stdout(values.json ? renderPlanJson(p, planContext(desired.compilation, p, primary, all)) : renderPlanText(p));
      if (values.out) writeFileSync(resolve(io.cwd, values.out), stableJson(toSavedPlan(p, client.addr)));
      if (diags.some((d) => d.severity === 'error')) return Exit.error;
      return hasChanges(p) ? Exit.changes : Exit.ok;
    } catch (e) {
      if (e instanceof ConsulHttpError || e instanceof ConsulTransportError) {
        io.stderr(consulErrorLine('plan', e));
        return Exit.error;
      }
      throw e;
    }
  },
};

export default plan;
