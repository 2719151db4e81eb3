/** Header modifications of a route destination or a split (`HTTPHeaderModifiers`), shared by router and splitter. */
import type { HTTPHeaderModifiers } from '../model/entries.ts';

/** Headers to add (appended), set (replacing) or remove on a request or a response. */
export interface HeaderModifiers {
  readonly add?: Readonly<Record<string, string>>;
  readonly set?: Readonly<Record<string, string>>;
  readonly remove?: readonly string[];
}

/** The Consul shape; undefined when nothing is modified. */
export function lowerHeaderModifiers(h: HeaderModifiers | undefined): HTTPHeaderModifiers | undefined {
  if (!h) return undefined;
  const out = {
    ...(h.add && Object.keys(h.add).length ? { Add: { ...h.add } } : {}),
    ...(h.set && Object.keys(h.set).length ? { Set: { ...h.set } } : {}),
    ...(h.remove?.length ? { Remove: [...h.remove] } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}
