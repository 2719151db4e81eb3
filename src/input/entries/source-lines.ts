/**
 * Finds the line a field was written on, for any of the three entry formats, by walking the keys of its path through
 * the text in order (`Failover` then `"*"` then `Datacenters`). Cheap and format-agnostic; falls back to the nearest
 * ancestor's line when a key cannot be found (e.g. list items).
 */

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A key as it appears in JSON (`"k":`), YAML (`k:` / `"k":`) or HCL (`k =`, `k {`, `"k" = `, `Block "k" {`). */
function keyPattern(key: string): RegExp {
  const k = escapeRegExp(key);
  return new RegExp(`(^|[\\s{,\\[-])(?:"${k}"|'${k}'|${k})\\s*(?:=|:|\\{|"|$)`);
}

/** Marks a list index inside a key path: the next key is searched for its (index+1)-th occurrence. */
export function indexKey(i: number): string {
  return `\u0000${i}`;
}

/** The 1-based line of the key path `keys`, searching from line `from` (1-based); `from` when nothing matches. */
export function lineOfKeys(lines: readonly string[], keys: readonly string[], from: number): number {
  let line = from;
  let skip = 0;
  for (const key of keys) {
    if (key.startsWith('\u0000')) {
      skip = Number(key.slice(1));
      continue;
    }
    const re = keyPattern(key);
    let found = -1;
    for (let i = line - 1; i < lines.length; i++) {
      if (re.test(lines[i] ?? '')) {
        if (skip > 0) {
          skip--;
          continue;
        }
        found = i + 1;
        break;
      }
    }
    skip = 0;
    if (found < 0) return line;
    line = found;
  }
  return line;
}

/** 1-based line of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
