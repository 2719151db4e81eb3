// Run by hidden-classes.test.ts as `node --allow-natives-syntax --import tsx <this file>` (V8 intrinsics need
// the flag, so this is a plain script, not a test file). Prints, as JSON, how many distinct
// hidden classes (V8 maps) the objects of a model have, per kind of object.
const { Datacenter, Intention, Mesh, Service } = await import('../../src/index.ts');
const { lowerMesh } = await import('../../src/constructs/lower.ts');
const { effectiveEntries } = await import('../../src/compiler/compile.ts');
const { generateMesh } = await import('../../bench/generate-mesh.ts');
const { loadEntriesText } = await import('../../src/input/entries/load-entries-dir.ts');

// Compiled from a string: V8 intrinsics are not JavaScript syntax (the linter could not parse them in this file).
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)');

/** Distinct maps among `objects` (counting stops at 100: "many"). */
function maps(objects) {
  const reps = [];
  for (const o of objects) {
    if (reps.some((r) => haveSameMap(r, o))) continue;
    reps.push(o);
    if (reps.length >= 100) break;
  }
  return reps.length;
}

const N = 400;
const mesh = new Mesh('shapes', { clusterId: '11111111-2222-3333-4444-555555555555' });
const dc1 = new Datacenter(mesh, 'dc1', { primary: true, platform: 'kubernetes' });
const dc2 = new Datacenter(mesh, 'dc2', { platform: 'vm' });
const services = [];
for (let i = 0; i < N; i++) services.push(new Service(mesh, `s${i}`));
for (let i = 0; i < N; i++) {
  const d = services[i].deploy(i % 2 ? dc1 : dc2, {
    port: 8080,
    ...(i % 2 ? {} : { address: `10.0.${i >> 8}.${i & 255}` }),
  });
  for (let u = 1; u <= 3; u++) {
    d.addUpstream(services[(i + u) % N], {
      localBindPort: 20000 + u,
      ...(u === 2 ? { meshGateway: 'local' } : {}),
      ...(u === 3 && i % 3 === 0 ? { datacenter: 'dc1' } : {}),
    });
  }
  new Intention(mesh, `i${i}`, { source: services[(i + 1) % N], destination: services[i], action: 'allow' });
}
const model = lowerMesh(mesh);
const upstreams = model.instances.flatMap((i) => i.upstreams);
const effective = effectiveEntries(model).value;
const generated = generateMesh(N, 5, { l7: true });

// Entry files as an entries/ directory holds them: intentions whose sources leave `Type` to its default.
const loaded = [];
for (let i = 0; i < N; i++) {
  const text = JSON.stringify({
    Kind: 'service-intentions',
    Name: `s${i}`,
    Sources: [{ Name: `c${i}`, Action: 'allow' }],
  });
  loaded.push(...(await loadEntriesText(`intentions-${i}.json`, text)).value);
}

// The pattern the others avoid, as a check that this V8 still behaves as data-copy.ts says.
const spreadThenAdd = [];
for (let i = 0; i < N; i++) {
  const base = { name: `s${i}`, port: i };
  spreadThenAdd.push({ ...base, extra: i });
}

console.log(
  JSON.stringify({
    counts: { instances: model.instances.length, upstreams: upstreams.length, entries: effective.length },
    lowered: { services: maps(model.services), instances: maps(model.instances), upstreams: maps(upstreams) },
    effective: { decls: maps(effective), entries: maps(effective.map((d) => d.entry)) },
    loaded: {
      decls: maps(loaded),
      entries: maps(loaded.map((d) => d.entry)),
      sources: maps(loaded.map((d) => d.entry.Sources[0])),
    },
    generated: {
      instances: maps(generated.instances),
      upstreams: maps(generated.instances.flatMap((i) => i.upstreams)),
    },
    spreadThenAdd: maps(spreadThenAdd),
  }),
);
