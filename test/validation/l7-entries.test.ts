/**
 * The entry graph check (MC2005, Consul refuses the write) on a raw router file, as on constructs: a route to an
 * undefined subset, and a router on a tcp service, with Consul's words, reported at the file.
 */
import { describe, expect, it } from 'vitest';
import { checkEntryGraph } from '../../src/compiler/passes/check-entry-graph.ts';
import { loadEntriesText } from '../../src/input/entries/load-entries-dir.ts';
import { entry, model } from './model.ts';

const ROUTER = `Kind = "service-router"
Name = "api"
Routes = [
  {
    Match = { HTTP = { PathPrefix = "/v1" } }
    Destination = { ServiceSubset = "v1" }
  },
  {
    Match = { HTTP = { PathPrefix = "/v3" } }
    Destination = {
      ServiceSubset = "v3"
    }
  },
]
`;

describe('L7 entry files', () => {
  it('reports a route to an undefined subset in the file with Consul’s words (MC2005)', async () => {
    const loaded = await loadEntriesText('api-router.hcl', ROUTER);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const m = model({
      entries: [
        entry({ Kind: 'service-defaults', Name: 'api', Protocol: 'http' }),
        entry({ Kind: 'service-resolver', Name: 'api', Subsets: { v1: { Filter: 'Service.Meta.version == v1' } } }),
        ...loaded.value,
      ],
    });
    const ds = checkEntryGraph(m).diagnostics;
    expect(ds.map((d) => [d.code, d.span?.file])).toEqual([['MC2005', 'api-router.hcl']]);
    expect(ds[0]?.message).toContain(`service-router 'api'`);
    expect(ds[0]?.message).toContain('service "api" does not have a subset named "v3"');
  });

  it('reports the router of a tcp service once, at the entry (MC2005)', async () => {
    const loaded = await loadEntriesText('api-router.hcl', ROUTER);
    // With the subsets defined, Consul's compile gets to its last check: the protocol.
    const resolver = entry({ Kind: 'service-resolver', Name: 'api', Subsets: { v1: {}, v3: {} } });
    const ds = checkEntryGraph(model({ entries: [resolver, ...loaded.value] })).diagnostics;
    expect(ds.map((d) => [d.code, d.severity])).toEqual([['MC2005', 'error']]);
    expect(ds[0]?.message).toContain(
      'discovery chain "api" uses a protocol "tcp" that does not permit advanced routing or splitting behavior',
    );
  });
});
