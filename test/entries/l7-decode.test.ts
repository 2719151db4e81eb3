import { describe, expect, it } from 'vitest';
import { loadEntriesText } from '../../src/input/entries/load-entries-dir.ts';

describe('service-router and service-splitter files are decoded field by field and validated as Consul does', () => {
  it('reads snake_case HCL into Consul API field names (durations normalised)', async () => {
    const r = await loadEntriesText(
      'web-router.hcl',
      [
        'Kind = "service-router"',
        'Name = "web"',
        'Routes = [',
        '  {',
        '    Match = { HTTP = { path_prefix = "/api", methods = ["get"], query_param = [{ name = "x", present = true }] } }',
        '    Destination = { service = "api", prefix_rewrite = "/", request_timeout = "90s", num_retries = 2, retry_on_status_codes = [503] }',
        '  },',
        ']',
      ].join('\n'),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.value[0]?.entry).toEqual({
      Kind: 'service-router',
      Name: 'web',
      Routes: [
        {
          Match: { HTTP: { PathPrefix: '/api', Methods: ['get'], QueryParam: [{ Name: 'x', Present: true }] } },
          Destination: {
            Service: 'api',
            PrefixRewrite: '/',
            RequestTimeout: '1m30s',
            NumRetries: 2,
            RetryOnStatusCodes: [503],
          },
        },
      ],
    });
  });

  it('reports Consul’s Validate() message for a bad router and a splitter whose weights do not sum to 100', async () => {
    const router = await loadEntriesText(
      'bad-router.json',
      JSON.stringify({
        Kind: 'service-router',
        Name: 'web',
        Routes: [{ Match: { HTTP: { PathExact: '/a', PathPrefix: '/b' } } }],
      }),
    );
    expect(router.diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        'MC1107',
        expect.stringContaining('Route[0] should only contain at most one of PathExact, PathPrefix, or PathRegex'),
      ],
    ]);
    const splitter = await loadEntriesText(
      'bad-splitter.json',
      JSON.stringify({ Kind: 'service-splitter', Name: 'api', Splits: [{ Weight: 99.99, Service: 'b' }] }),
    );
    expect(splitter.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['MC1107', expect.stringContaining('the sum of all split weights must be 100, not 99.989998')],
    ]);
  });
});
