import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitAll } from '../../src/emit/index.ts';
import { environmentCompilation, environmentNames } from './environments.ts';
import { schemaErrors, schemaFor } from './schema-check.ts';

describe.each(environmentNames())('example environment %s', (name) => {
  it('compiles without errors or warnings', async () => {
    const c = await environmentCompilation(name);
    expect(c.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.code} ${d.message}`)).toEqual([]);
  });

  it('synthesises the reviewed artifacts, each valid against its schema', async () => {
    const artifacts = emitAll(await environmentCompilation(name));
    expect(artifacts.map((a) => a.path)).toContain('consul/api/proxy-defaults/global.json');
    for (const a of artifacts) {
      if (schemaFor(a.path)) expect(schemaErrors(a), a.path).toEqual([]);
      await expect(a.content).toMatchFileSnapshot(`../golden/synth/${name}/${a.path}`);
    }
  });

  it('has no reviewed golden file that synth no longer writes', async () => {
    const dir = join(import.meta.dirname, '../golden/synth', name);
    const golden = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)));
    const written = new Set(emitAll(await environmentCompilation(name)).map((a) => a.path));
    expect(golden.filter((g) => !written.has(g))).toEqual([]);
  });
});
