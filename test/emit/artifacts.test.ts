import { describe, expect, it } from 'vitest';
import { checkPlatform } from '../../src/compiler/passes/check-platform.ts';
import { emitPerDatacenter } from './emit-all.ts';
import { fixtures } from './fixtures.ts';
import { collapse, parseArtifact, parseHcl, schemaErrors, schemaFor } from './schema-check.ts';

describe.each(Object.keys(fixtures))('fixture %s', (name) => {
  const c = fixtures[name]!();
  const artifacts = emitPerDatacenter(c);

  it('has no platform findings', () => {
    expect(checkPlatform(c.model).diagnostics).toEqual([]);
  });

  it('writes the reviewed per-datacenter artifacts', async () => {
    expect(artifacts.length).toBeGreaterThan(0);
    for (const a of artifacts) await expect(a.content).toMatchFileSnapshot(`../golden/emit/${name}/${a.path}`);
  });

  it('writes the same bytes on a second run', () => {
    expect(emitPerDatacenter(fixtures[name]!())).toEqual(artifacts);
  });

  it('writes every JSON and YAML artifact valid against its schema', () => {
    const checked = artifacts.filter((a) => schemaFor(a.path));
    expect(checked.length).toBeGreaterThan(0);
    for (const a of checked) expect(schemaErrors(a), a.path).toEqual([]);
  });

  it('writes every HCL file so that an HCL parser reads the same data as its JSON twin', async () => {
    const hcl = artifacts.filter((a) => a.path.endsWith('.hcl'));
    for (const a of hcl) {
      const twin = artifacts.find((b) => b.path === a.path.replace(/\.hcl$/, '.json'));
      expect(twin, `${a.path} has a JSON twin`).toBeDefined();
      expect(await parseHcl(a.content), a.path).toEqual(collapse(parseArtifact(twin!)));
    }
  });

  it('never writes secret material, only secret names and keys', () => {
    for (const a of artifacts) {
      expect(a.content).not.toMatch(/-----BEGIN|SecretID|"token"\s*:|bootstrapToken/);
    }
  });
});
