// Run by source-span.test.ts as `node --import tsx <this file> <slow|fast> <environment mesh.ts>...`: loads each
// environment (tsx: TypeScript with source maps, as `meshcc synth` loads mesh.ts) and prints every construct's path and
// span. `slow` installs a formatter that only delegates to Node's own, so the library reads spans from the printed
// stack (`userSpanFromStack`); `fast` leaves Node's formatter, so it reads call sites and maps one frame itself.
const [mode, ...envs] = process.argv.slice(2);
if (mode === 'slow') {
  const node = Error.prepareStackTrace!;
  Error.prepareStackTrace = (error, sites) => node(error, sites);
}
const lines: string[] = [];
for (const env of envs) {
  const mesh = (await import(env)).default as { node: { findAll(): { node: { path: string }; span?: unknown }[] } };
  for (const c of mesh.node.findAll()) lines.push(`${c.node.path} ${JSON.stringify(c.span)}`);
}
console.log(lines.join('\n'));
