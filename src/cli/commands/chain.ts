/**
 * `meshcc chain`: the discovery chain Consul would compile for a service, from an environment or from a folder of
 * raw config entries, as a tree or as Consul's own `GET /v1/discovery-chain/:service` JSON.
 */
import { resolve } from 'node:path';
import { withOwnershipMeta } from '../../compiler/compile.ts';
import { modelOfDatacenter } from '../../compiler/compile-clusters.ts';
import { parseGoDuration } from '../../compiler/duration.ts';
import { buildEntryIndex } from '../../compiler/entry-index.ts';
import { renderChainText } from '../../compiler/explain.ts';
import { type ChainResult, compileChain } from '../../compiler/passes/compile-chains.ts';
import type { ChainOverrides } from '../../compiler/types.ts';
import { type Diagnostic, MeshccInputError, type PassResult } from '../../diagnostics/diagnostic.ts';
import { renderText } from '../../diagnostics/render-text.ts';
import { stableJson } from '../../emit/artifact.ts';
import { loadEntriesDir } from '../../input/entries/load-entries-dir.ts';
import { loadEnvironment } from '../../input/load-environment.ts';
import type { EntryDecl, GatewayMode, MeshModel } from '../../model/types.ts';
import { type CliIO, type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';

const usage = `Usage: meshcc chain <env> --service S --dc D [--json] [overrides]
       meshcc chain --entries DIR --service S --dc D --trust-domain T [--json] [overrides]

Compiles the discovery chain of service S as seen from datacenter D (Consul's compile-dc), exactly as Consul does
for proxy-defaults, service-defaults and service-resolver entries. Prints a tree (start node, resolver, connect
timeout, targets primary then failover with datacenter, mesh-gateway mode and SNI), or with --json the body of
Consul's GET /v1/discovery-chain/S?compile-dc=D ({"Chain": {...}}). A chain Consul would refuse exits 1 with
Consul's message.

Options:
  --service S                      service whose chain to compile (required)
  --dc D                           datacenter to compile in (required)
  --namespace NS, --partition P    where the service lives (default: default)
  --entries DIR                    read raw config entries (HCL/JSON) from DIR instead of an environment
  --trust-domain T                 trust domain for SNI names (required with --entries; e.g. <cluster-id>.consul)
  --override-mesh-gateway MODE     as a sidecar sends it: local, remote or none
  --override-connect-timeout D     e.g. 3s
  --override-protocol P            e.g. http
  --json                           print Consul's JSON
`;

/** What `meshcc chain` compiles. */
export interface ChainOptions {
  readonly service: string;
  readonly datacenter: string;
  readonly namespace?: string;
  readonly partition?: string;
  readonly overrides?: ChainOverrides;
}

/** Compiles a chain over an environment's effective entries (with meshcc's ownership Meta, as applied to Consul). */
export function chainFromModel(mesh: MeshModel, o: ChainOptions): PassResult<ChainResult> {
  // In peered clusters, the chain compiles in the datacenter's own cluster (its entries, its trust domain).
  const model = modelOfDatacenter(mesh, o.datacenter);
  const decls = model.entries.map((d) => ({ ...d, entry: withOwnershipMeta(d.entry, model.name) }));
  return chainFromEntries(decls, model.trustDomain, o);
}

/** Compiles a chain over raw entry declarations. */
export function chainFromEntries(
  decls: readonly EntryDecl[],
  trustDomain: string,
  o: ChainOptions,
): PassResult<ChainResult> {
  const index = buildEntryIndex(decls);
  const value = compileChain({
    serviceName: o.service,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    ...(o.partition ? { partition: o.partition } : {}),
    evaluateInDatacenter: o.datacenter,
    trustDomain,
    entries: index.value,
    ...(o.overrides ? { overrides: o.overrides } : {}),
  });
  return { value, diagnostics: index.diagnostics };
}

/** Prints a chain result; returns the exit code. */
export function printChainResult(result: ChainResult, json: boolean, io: CliIO): number {
  if ('error' in result) {
    io.stderr(`meshcc chain: Consul would refuse this chain: ${result.error.message}\n`);
    return Exit.error;
  }
  io.stdout(json ? stableJson({ Chain: result.chain }) : renderChainText(result.chain));
  return Exit.ok;
}

const MODES: readonly GatewayMode[] = ['local', 'remote', 'none'];

function parseOverrides(v: {
  'override-mesh-gateway'?: string | undefined;
  'override-connect-timeout'?: string | undefined;
  'override-protocol'?: string | undefined;
}): ChainOverrides | undefined {
  const mode = v['override-mesh-gateway'];
  if (mode !== undefined && !MODES.includes(mode as GatewayMode)) {
    throw new UsageError(`--override-mesh-gateway must be one of ${MODES.join(', ')}, got '${mode}'`);
  }
  const timeout = v['override-connect-timeout'];
  if (timeout !== undefined && !((parseGoDuration(timeout) ?? -1) > 0)) {
    throw new UsageError(`--override-connect-timeout must be a positive duration such as 3s, got '${timeout}'`);
  }
  const protocol = v['override-protocol'];
  if (mode === undefined && timeout === undefined && protocol === undefined) return undefined;
  return {
    ...(mode !== undefined ? { meshGateway: mode as GatewayMode } : {}),
    ...(timeout !== undefined ? { connectTimeout: timeout } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
  };
}

function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error' && !d.suppressed);
}

const chain: Command = {
  name: 'chain',
  summary: "show the discovery chain Consul compiles for a service (tree or Consul's JSON)",
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      service: { type: 'string' },
      dc: { type: 'string' },
      namespace: { type: 'string' },
      partition: { type: 'string' },
      entries: { type: 'string' },
      'trust-domain': { type: 'string' },
      'override-mesh-gateway': { type: 'string' },
      'override-connect-timeout': { type: 'string' },
      'override-protocol': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.service) throw new UsageError('--service is required');
    if (!values.dc) throw new UsageError('--dc is required');
    const opts: ChainOptions = {
      service: values.service,
      datacenter: values.dc,
      ...(values.namespace ? { namespace: values.namespace } : {}),
      ...(values.partition ? { partition: values.partition } : {}),
      ...(() => {
        const o = parseOverrides(values);
        return o ? { overrides: o } : {};
      })(),
    };
    let result: PassResult<ChainResult>;
    if (values.entries !== undefined) {
      if (positionals.length !== 0) throw new UsageError('give either an environment or --entries, not both');
      if (!values['trust-domain']) throw new UsageError('--trust-domain is required with --entries');
      const loaded = await loadEntriesDir(resolve(io.cwd, values.entries));
      if (hasErrors(loaded.diagnostics)) throw new MeshccInputError(loaded.diagnostics);
      io.stderr(renderText(loaded.diagnostics, { cwd: io.cwd }));
      result = chainFromEntries(loaded.value, values['trust-domain'], opts);
    } else {
      if (positionals.length !== 1) throw new UsageError('expected exactly one environment (or --entries DIR)');
      const loaded = await loadEnvironment(positionals[0]!, io.cwd);
      if (hasErrors(loaded.diagnostics)) throw new MeshccInputError(loaded.diagnostics);
      result = chainFromModel(loaded.model, opts);
    }
    if (result.diagnostics.length > 0) io.stderr(renderText(result.diagnostics, { cwd: io.cwd }));
    return printChainResult(result.value, values.json === true, io);
  },
};

export default chain;
