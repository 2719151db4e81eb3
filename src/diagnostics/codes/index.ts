/**
 * The diagnostic catalog: every code meshcc can report, one file per stage. Codes are never reused; a retired code
 * stays listed as a comment (`// MC3002 RETIRED`).
 *
 * Ranges: MC0xxx internal, MC10xx authoring and loading, MC11xx raw config-entry input, MC2xxx resolution and
 * precedence, MC3xxx reachability and validation, MC4xxx emit and consistency, MC5xxx plan and apply,
 * MC6xxx gateway runtime.
 */
import type { DiagnosticDef } from '../diagnostic.ts';
import * as emit from './emit.ts';
import * as entries from './entries.ts';
import * as gateway from './gateway.ts';
import * as input from './input.ts';
import * as internal from './internal.ts';
import * as peering from './peering.ts';
import * as reachability from './reachability.ts';
import * as reconcile from './reconcile.ts';
import * as resolution from './resolution.ts';

// biome-ignore lint/suspicious/noExplicitAny: the catalog holds definitions of every argument shape
const all: readonly DiagnosticDef<any>[] = [
  internal,
  input,
  entries,
  resolution,
  reachability,
  peering,
  emit,
  reconcile,
  gateway,
].flatMap((m) => Object.values(m) as DiagnosticDef<unknown>[]);

/** Every catalog entry, sorted by code. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export const catalog: readonly DiagnosticDef<any>[] = [...all].sort((a, b) => (a.code < b.code ? -1 : 1));
