import { describe, expect, it } from 'vitest';
import { checkPlatform } from '../../src/compiler/passes/check-platform.ts';
import { emitPerDatacenter } from './emit-all.ts';
import { environmentCompilation, environmentNames } from './environments.ts';
import { schemaErrors, schemaFor } from './schema-check.ts';

describe.each(environmentNames())('example environment %s', (name) => {
  it('passes the platform checks', async () => {
    const c = await environmentCompilation(name);
    expect(checkPlatform(c.model).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('writes the reviewed per-datacenter artifacts, each valid against its schema', async () => {
    const artifacts = emitPerDatacenter(await environmentCompilation(name));
    expect(artifacts.length).toBeGreaterThan(0);
    for (const a of artifacts) {
      if (schemaFor(a.path)) expect(schemaErrors(a), a.path).toEqual([]);
      await expect(a.content).toMatchFileSnapshot(`../golden/emit/env-${name}/${a.path}`);
    }
  });
});
