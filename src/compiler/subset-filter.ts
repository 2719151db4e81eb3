/**
 * Evaluates a resolver subset's `Filter` (a go-bexpr expression over the catalog's service instances) against the
 * instances meshcc declares, for the forms subsets use in practice: `Service.Meta.<key> == <value>` and `!=`,
 * `Service.Tags contains <tag>` and `not contains`, `<value> in Service.Tags`, joined by `and` / `or` (no
 * parentheses). Values may be bare or double-quoted. Anything else is `undefined` (not judged): the caller then
 * assumes the subset may have instances, so an unrecognised filter never causes a false finding. Pure.
 */
import type { ServiceInstanceDecl } from '../model/types.ts';

const VALUE = String.raw`"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_./:-]+)`;
const META = new RegExp(String.raw`^Service\.Meta\.([A-Za-z0-9_-]+)\s*(==|!=)\s*(?:${VALUE})$`);
const META_Q = new RegExp(String.raw`^Service\.Meta\["([^"]+)"\]\s*(==|!=)\s*(?:${VALUE})$`);
const TAGS = new RegExp(String.raw`^Service\.Tags\s+(not\s+contains|contains)\s+(?:${VALUE})$`);
const IN_TAGS = new RegExp(String.raw`^(?:${VALUE})\s+(not\s+in|in)\s+Service\.Tags$`);

/** One recognised clause: a `Service.Meta` comparison or a tag test. */
type Clause =
  | { readonly meta: string; readonly equal: boolean; readonly value: string }
  | { readonly tag: string; readonly has: boolean };

function parseClause(c: string): Clause | undefined {
  const s = c.trim();
  let m = META.exec(s) ?? META_Q.exec(s);
  if (m) {
    const value: string = m[3] !== undefined ? JSON.parse(`"${m[3]}"`) : m[4];
    return { meta: m[1] ?? '', equal: m[2] === '==', value };
  }
  m = TAGS.exec(s);
  if (m) {
    const tag: string = m[2] !== undefined ? JSON.parse(`"${m[2]}"`) : m[3];
    return { tag, has: !m[1]?.startsWith('not') };
  }
  m = IN_TAGS.exec(s);
  if (m) {
    const tag: string = m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : m[2];
    return { tag, has: !m[3]?.startsWith('not') };
  }
  return undefined;
}

/** A filter as alternatives (`or`) of clauses (`and`); null when meshcc does not evaluate it. */
type Parsed = readonly (readonly Clause[])[] | null;

function parse(filter: string): Parsed {
  if (/[()]/.test(filter)) return null;
  const out: Clause[][] = [];
  for (const alternative of filter.split(/\s+or\s+/)) {
    const all: Clause[] = [];
    for (const c of alternative.split(/\s+and\s+/)) {
      const clause = parseClause(c);
      if (clause === undefined) return null;
      all.push(clause);
    }
    out.push(all);
  }
  return out;
}

/**
 * Parsed filters by text: a mesh has a few distinct filters, each evaluated against many instance groups (once per
 * chain target and caller). Bounded, as a process may compile many meshes.
 */
const parsed = new Map<string, Parsed>();
const MAX_PARSED = 10_000;

function parsedFilter(filter: string): Parsed {
  let p = parsed.get(filter);
  if (p === undefined) {
    p = parse(filter);
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(filter, p);
  }
  return p;
}

function holds(c: Clause, i: ServiceInstanceDecl): boolean {
  if ('meta' in c) return ((i.meta?.[c.meta] ?? '') === c.value) === c.equal;
  return (i.tags ?? []).includes(c.tag) === c.has;
}

/** Whether an instance group matches a filter; undefined when the filter is not one meshcc evaluates. */
export function filterMatches(filter: string, i: ServiceInstanceDecl): boolean | undefined {
  const p = parsedFilter(filter);
  if (p === null) return undefined;
  for (const all of p) {
    let ok = true;
    for (const c of all) if (!holds(c, i)) ok = false;
    if (ok) return true;
  }
  return false;
}
