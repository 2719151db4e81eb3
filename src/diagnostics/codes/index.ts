/**
 * The diagnostic catalog: every code meshcc can report, one file per stage. Codes are never reused; a retired code
 * stays listed as a comment (`// MC3002 RETIRED`).
 *
 * Ranges: MC0xxx internal, MC1xxx input and authoring, MC2xxx resolution and precedence, MC3xxx reachability,
 * MC4xxx emit and consistency, MC5xxx plan and apply, MC6xxx gateway runtime.
 */
import type { DiagnosticDef } from '../diagnostic.ts';
import * as input from './input.ts';
import * as internal from './internal.ts';

// biome-ignore lint/suspicious/noExplicitAny: the catalog holds definitions of every argument shape
export const catalog: readonly DiagnosticDef<any>[] = [...Object.values(internal), ...Object.values(input)];

export * from './input.ts';
export * from './internal.ts';
