/**
 * The validation passes `compile()` runs after chains are compiled: reachability and consistency checks (MC3xxx).
 *
 * Each pass is pure: it reads the model and the compiled upstreams (mode decision with provenance, chain or Consul's
 * error) and returns diagnostics. The passes that check declarations share one read of them per `compile()`
 * (`decl-facts.ts`, keyed by the upstream list `compile()` hands every pass). Suppressions are applied afterwards, once, over every diagnostic of the run
 * (`diagnostics/suppress.ts`).
 */
import type { PassResult } from '../diagnostics/diagnostic.ts';
import type { MeshModel } from '../model/types.ts';
import { releaseUpstreamChains } from './chain-legs.ts';
import { declFacts, releaseDeclFacts } from './decl-facts.ts';
import { checkConsistency } from './passes/check-consistency.ts';
import { checkEntryGraph } from './passes/check-entry-graph.ts';
import { checkFailover } from './passes/check-failover.ts';
import { checkChainIntentions, checkIntentions } from './passes/check-intentions.ts';
import { checkReachability } from './passes/check-reachability.ts';
import { checkTopology } from './passes/check-topology.ts';
import { checkUpstreams } from './passes/check-upstreams.ts';
import type { CompiledUpstream } from './types.ts';

/** A validation pass over the compiled upstreams. */
export type ValidationPass = (model: MeshModel, upstreams: readonly CompiledUpstream[]) => PassResult<void>;

/** Every validation pass, run in this order by `compile()`. */
export const validationPasses: Array<ValidationPass> = [
  (model) => checkTopology(model),
  (model, upstreams) => checkUpstreams(model, declFacts(model, upstreams)),
  checkReachability,
  checkFailover,
  (model, upstreams) => checkIntentions(model, declFacts(model, upstreams)),
  checkChainIntentions,
  (model, upstreams) => {
    const result = checkConsistency(model, declFacts(model, upstreams));
    // The last pass that reads the shared facts and chain numbering: the compilation need not keep them.
    releaseDeclFacts(upstreams);
    releaseUpstreamChains(upstreams);
    return result;
  },
  (model) => checkEntryGraph(model),
];
