/**
 * `node bench/profile-top.mjs FILE.cpuprofile [N] [REGEX]`: the top N functions of a V8 CPU profile by self time and
 * by inclusive time (a function counted once per stack), optionally only those whose name/file match REGEX.
 */
import { readFileSync } from 'node:fs';

const [file, n = '40', filter] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const key = (node) => {
  const f = node.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
};
const sampled = new Map();
profile.samples.forEach((id, i) => {
  sampled.set(id, (sampled.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const self = new Map();
const inclusive = new Map();
for (const [id, us] of sampled) {
  const k = key(byId.get(id));
  self.set(k, (self.get(k) ?? 0) + us);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const name = key(byId.get(cur));
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
}
const re = filter ? new RegExp(filter) : undefined;
const top = (m) =>
  [...m]
    .filter(([k]) => !re || re.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(n))
    .map(([k, us]) => `${String(Math.round(us / 1000)).padStart(7)} ms  ${k}`)
    .join('\n');
console.log(`self time\n${top(self)}\n\ninclusive time\n${top(inclusive)}`);
