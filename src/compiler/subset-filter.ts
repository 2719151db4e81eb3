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

function clause(c: string, i: ServiceInstanceDecl): boolean | undefined {
  const s = c.trim();
  let m = META.exec(s) ?? META_Q.exec(s);
  if (m) {
    const value = m[3] !== undefined ? JSON.parse(`"${m[3]}"`) : m[4];
    const eq = (i.meta?.[m[1] ?? ''] ?? '') === value;
    return m[2] === '==' ? eq : !eq;
  }
  m = TAGS.exec(s);
  if (m) {
    const tag = m[2] !== undefined ? JSON.parse(`"${m[2]}"`) : m[3];
    const has = (i.tags ?? []).includes(tag);
    return m[1]?.startsWith('not') ? !has : has;
  }
  m = IN_TAGS.exec(s);
  if (m) {
    const tag = m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : m[2];
    const has = (i.tags ?? []).includes(tag);
    return m[3]?.startsWith('not') ? !has : has;
  }
  return undefined;
}

/** Whether an instance group matches a filter; undefined when the filter is not one meshcc evaluates. */
export function filterMatches(filter: string, i: ServiceInstanceDecl): boolean | undefined {
  if (/[()]/.test(filter)) return undefined;
  let any = false;
  for (const alternative of filter.split(/\s+or\s+/)) {
    let all = true;
    for (const c of alternative.split(/\s+and\s+/)) {
      const r = clause(c, i);
      if (r === undefined) return undefined;
      all &&= r;
    }
    any ||= all;
  }
  return any;
}
