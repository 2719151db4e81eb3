/**
 * MC2005 / MC2006 on raw entry files: a router written as `consul config write` takes it is checked like a construct,
 * and the finding points at the line of the route's subset inside the file.
 */
import { describe, expect, it } from 'vitest';
import { checkL7 } from '../../src/compiler/passes/check-l7.ts';
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
  it('reports a route to an undefined subset at its line in the file (MC2006)', async () => {
    const loaded = await loadEntriesText('api-router.hcl', ROUTER);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const m = model({
      entries: [
        entry({ Kind: 'service-defaults', Name: 'api', Protocol: 'http' }),
        entry({ Kind: 'service-resolver', Name: 'api', Subsets: { v1: { Filter: 'Service.Meta.version == v1' } } }),
        ...loaded.value,
      ],
    });
    const ds = checkL7(m).diagnostics;
    expect(ds.map((d) => [d.code, d.span?.file, d.span?.line, d.message])).toEqual([
      [
        'MC2006',
        'api-router.hcl',
        ROUTER.split('\n').findIndex((l) => l.includes('"v3"')) + 1,
        `Consul refuses to write service-router 'api' (route 2): service "api" does not have a subset named "v3"`,
      ],
    ]);
  });

  it('reports the router of a tcp service once, at the entry (MC2005), and nothing for the subsets then', async () => {
    const loaded = await loadEntriesText('api-router.hcl', ROUTER);
    const ds = checkL7(model({ entries: [...loaded.value] })).diagnostics;
    expect(ds.map((d) => [d.code, d.severity])).toEqual([['MC2005', 'error']]);
    expect(ds[0]?.hint).toContain("protocol: 'http'");
  });
});
