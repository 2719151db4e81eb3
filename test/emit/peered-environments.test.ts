/**
 * The peered examples (environments that declare clusters): they compile without findings, and `meshcc synth`'s
 * artifacts (each cluster's under clusters/<name>/, plus peerings.json) are the reviewed ones, each valid against its
 * schema, with no golden file left behind.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitPeered } from '../../src/emit/peered.ts';
import { peeredEnvironmentCompilation, peeredEnvironmentNames } from './environments.ts';
import { schemaErrors, schemaFor } from './schema-check.ts';

describe.each(peeredEnvironmentNames())('peered example environment %s', (name) => {
  it('compiles without errors or warnings', async () => {
    const pc = await peeredEnvironmentCompilation(name);
    expect(pc.clusters.length).toBeGreaterThan(1);
    expect(pc.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.code} ${d.message}`)).toEqual([]);
  });

  it('synthesises the reviewed artifacts, each valid against its schema', async () => {
    const artifacts = emitPeered(await peeredEnvironmentCompilation(name));
    expect(artifacts.map((a) => a.path)).toContain('peerings.json');
    for (const a of artifacts) {
      const inner = { path: a.path.replace(/^clusters\/[^/]+\//, ''), content: a.content };
      if (schemaFor(inner.path)) expect(schemaErrors(inner), a.path).toEqual([]);
      await expect(a.content).toMatchFileSnapshot(`../golden/synth/${name}/${a.path}`);
    }
  });

  it('has no reviewed golden file that synth no longer writes', async () => {
    const dir = join(import.meta.dirname, '../golden/synth', name);
    const golden = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)));
    const written = new Set(emitPeered(await peeredEnvironmentCompilation(name)).map((a) => a.path));
    expect(golden.filter((g) => !written.has(g))).toEqual([]);
  });
});
