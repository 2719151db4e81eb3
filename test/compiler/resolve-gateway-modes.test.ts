import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexEntries } from '../../src/compiler/entry-index.ts';
import {
  decideMode,
  modeLadder,
  resolveUpstreamMode,
  sidecarOverride,
} from '../../src/compiler/passes/resolve-gateway-modes.ts';
import type { ModeLayerKind } from '../../src/compiler/types.ts';
import type { ConfigEntry, ServiceDefaultsEntry } from '../../src/model/entries.ts';
import type { GatewayMode } from '../../src/model/types.ts';
import { instance, upstream } from './model.ts';

type Layers = Partial<Record<Exclude<ModeLayerKind, 'builtin-default'>, GatewayMode>>;

/** Builds the instance, upstream and entries that set exactly the given layers (caller web, destination api). */
function setup(l: Layers) {
  const mg = (m?: GatewayMode) => (m ? { MeshGateway: { Mode: m } } : {});
  const entries: ConfigEntry[] = [];
  if (l['proxy-defaults']) entries.push({ Kind: 'proxy-defaults', Name: 'global', ...mg(l['proxy-defaults']) });
  const web: ServiceDefaultsEntry = {
    Kind: 'service-defaults',
    Name: 'web',
    ...mg(l['service-defaults']),
    UpstreamConfig: {
      Overrides: [
        { Name: 'other', MeshGateway: { Mode: 'none' } },
        ...(l['upstream-config-override'] ? [{ Name: 'api', ...mg(l['upstream-config-override']) }] : []),
      ],
      ...(l['upstream-config-defaults'] ? { Defaults: mg(l['upstream-config-defaults']) } : {}),
    },
  };
  entries.push(web);
  if (l['destination-service-defaults']) {
    entries.push({ Kind: 'service-defaults', Name: 'api', ...mg(l['destination-service-defaults']) });
  }
  const up = upstream('api', { datacenter: 'dc2', ...(l.upstream ? { meshGateway: l.upstream } : {}) });
  const inst = instance('web', 'dc1', [up], l.instance ? { meshGateway: l.instance } : {});
  return { inst, up: inst.upstreams[0]!, index: indexEntries(entries) };
}

const ORDER = [
  'upstream',
  'upstream-config-override',
  'instance',
  'upstream-config-defaults',
  'service-defaults',
  'proxy-defaults',
  'destination-service-defaults',
] as const;

describe('mesh-gateway mode resolution', () => {
  it('falls back to none from the built-in default when no layer sets a mode', () => {
    const { inst, up, index } = setup({});
    const d = resolveUpstreamMode(inst, up, index);
    expect(d).toMatchObject({ mode: 'none', from: 'builtin-default' });
    expect(sidecarOverride(d)).toBeUndefined();
  });

  // Each layer set to `remote`, every lower layer set to something else. The sidecar layers were checked against a
  // real Consul v1.22.7 agent (the sidecar's merged Proxy.MeshGateway / Upstreams[].MeshGateway), the
  // destination layer against its compiled chain.
  it.each(ORDER.map((kind, i) => ({ kind, i })))('$kind beats every layer below it', ({ kind, i }) => {
    const layers: Layers = { [kind]: 'remote' };
    for (const [j, lower] of ORDER.slice(i + 1).entries()) layers[lower] = j % 2 ? 'none' : 'local';
    const { inst, up, index } = setup(layers);
    const d = resolveUpstreamMode(inst, up, index);
    expect(d).toMatchObject({ mode: 'remote', from: kind });
  });

  it('keeps every rung in precedence order with what it set, for explain', () => {
    const { inst, up, index } = setup({ instance: 'remote', 'service-defaults': 'local', 'proxy-defaults': 'none' });
    const ladder = modeLadder(inst, up, index);
    expect(ladder.map((l) => l.kind)).toEqual([...ORDER, 'builtin-default']);
    expect(ladder.map((l) => l.mode)).toEqual([
      undefined,
      undefined,
      'remote',
      undefined,
      'local',
      'none',
      undefined,
      'none',
    ]);
    expect(ladder[4]?.path).toBe('entries[1]');
  });

  it('sends the mode as the chain override only when a sidecar layer decided it', () => {
    expect(sidecarOverride(resolveUpstreamMode(...args(setup({ 'proxy-defaults': 'local' }))))).toBe('local');
    expect(
      sidecarOverride(resolveUpstreamMode(...args(setup({ 'destination-service-defaults': 'remote' })))),
    ).toBeUndefined();
  });

  it('matches UpstreamConfig.Overrides by destination, not by any name', () => {
    const { inst, index } = setup({ 'upstream-config-override': 'remote' });
    const other = instance('web', 'dc1', [upstream('billing')]);
    expect(resolveUpstreamMode(inst, other.upstreams[0]!, index).from).toBe('builtin-default');
  });

  it('ignores an empty-string mode from raw input as unset', () => {
    const index = indexEntries([
      { Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: '' as unknown as GatewayMode } },
    ]);
    const inst = instance('web', 'dc1', [upstream('api')]);
    expect(resolveUpstreamMode(inst, inst.upstreams[0]!, index).from).toBe('builtin-default');
  });

  const mode = fc.option(fc.constantFrom<GatewayMode>('local', 'remote', 'none'), { nil: undefined });
  const layersArb = fc.record(
    Object.fromEntries(ORDER.map((k) => [k, mode])) as Record<
      (typeof ORDER)[number],
      fc.Arbitrary<GatewayMode | undefined>
    >,
  );

  it('always takes the highest layer that sets a mode (property)', () => {
    fc.assert(
      fc.property(layersArb, (raw) => {
        const layers = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as Layers;
        const d = resolveUpstreamMode(...args(setup(layers)));
        const winner = ORDER.find((k) => layers[k] !== undefined);
        expect(d.from).toBe(winner ?? 'builtin-default');
        expect(d.mode).toBe(winner ? layers[winner] : 'none');
        // The decision is made without building the ladder; the ladder, read afterwards, decides the same.
        expect(decideMode(d.ladder)).toEqual({ mode: d.mode, from: d.from, ladder: d.ladder });
        expect(JSON.parse(JSON.stringify(d))).toEqual(JSON.parse(JSON.stringify(decideMode(d.ladder))));
      }),
    );
  });
});

function args(s: ReturnType<typeof setup>) {
  return [s.inst, s.up, s.index] as const;
}
