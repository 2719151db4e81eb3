/**
 * `flat(s)`: the same string, stored flat. V8 keeps a string built by `+` or a template literal as a tree of its pieces
 * (a "cons string", several times the size of its characters) until something reads it by index. Strings that are kept
 * — emitted files, diagnostic messages, chain IDs — are read once when built, which flattens them in place.
 */
export function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}
