/** The pure assessment of a peering from both sides' `GET /v1/peerings` (what plan and drift print). */
import { describe, expect, it } from 'vitest';
import type { PeeringDecl } from '../../src/model/types.ts';
import type { LivePeering } from '../../src/reconcile/consul-client.ts';
import { assessPeering } from '../../src/reconcile/peering.ts';

const p: PeeringDecl = {
  path: 'env/east-west',
  acceptor: { cluster: 'west', peerName: 'east' },
  dialer: { cluster: 'east', peerName: 'west' },
};
const live = (Name: string, State: string, imported?: string[]): LivePeering => ({
  ID: `id-${Name}`,
  Name,
  State,
  ...(imported ? { StreamStatus: { ImportedServices: imported } } : {}),
});

describe('assessPeering', () => {
  it('is active only when both sides are ACTIVE, and lists what each side imports', () => {
    const a = assessPeering(p, [live('east', 'ACTIVE')], [live('west', 'ACTIVE', ['ledger', 'currency'])]);
    expect(a).toEqual({
      key: 'west/east <- east/west',
      active: true,
      acceptor: { cluster: 'west', peerName: 'east', state: 'ACTIVE' },
      dialer: { cluster: 'east', peerName: 'west', state: 'ACTIVE', imported: ['currency', 'ledger'] },
    });
  });

  it('names the missing side and the failing one, with the fix', () => {
    const a = assessPeering(p, [live('east', 'FAILING'), live('other', 'ACTIVE')], []);
    expect(a.active).toBe(false);
    expect(a.problem).toBe(
      "peering 'east' in cluster west (acceptor) is FAILING; no peering 'west' in cluster east (dialer): deleted, or never established",
    );
    expect(a.fix).toMatch(/^run `meshcc apply`: .* generates a token in west and establishes it from east/);
  });

  it('both halves there and one FAILING: the fix says Consul retries by itself once the path is back', () => {
    // Seen live (test/consul/peering-gateways.test.ts): with the acceptor's gateway stopped both sides go FAILING and
    // turn ACTIVE again by themselves once it is back; deleting them meanwhile would drop the imported services.
    const a = assessPeering(p, [live('east', 'FAILING')], [live('west', 'FAILING')]);
    expect(a.problem).toBe(
      "peering 'east' in cluster west (acceptor) is FAILING; peering 'west' in cluster east (dialer) is FAILING",
    );
    expect(a.fix).toMatch(
      /^check the path from east's servers to west's \(with PeerThroughMeshGateways: east's mesh gateway, then west's gateway at the address in the token\): Consul retries the stream and the peering turns ACTIVE by itself once the path is back; if it stays FAILING, run `meshcc apply`: /,
    );
    // A missing half cannot come back by itself: re-establishing is the fix.
    expect(assessPeering(p, [live('east', 'FAILING')], []).fix).toMatch(/^run `meshcc apply`/);
  });

  it('a peering of another name does not count', () => {
    expect(assessPeering(p, [live('eest', 'ACTIVE')], [live('west', 'ACTIVE')]).acceptor.state).toBeUndefined();
  });
});
