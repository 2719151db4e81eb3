import { describe, expect, it } from 'vitest';
import { customizationHash } from '../../src/compiler/customization-hash.ts';

describe('customization hash', () => {
  it('matches the hash Consul v1.22.7 returned for local / http / 7s overrides', () => {
    // POST /v1/discovery-chain/currency {"OverrideMeshGateway":{"Mode":"local"},"OverrideConnectTimeout":"7s",
    // "OverrideProtocol":"http"} on a tcp chain answered "CustomizationHash": "5379effb".
    expect(customizationHash({ meshGatewayMode: 'local', protocol: 'http', connectTimeoutNanos: 7e9 })).toBe(
      '5379effb',
    );
  });

  it('differs when any customization differs', () => {
    const base = { meshGatewayMode: 'local', protocol: 'http', connectTimeoutNanos: 7e9 };
    const hashes = new Set([
      customizationHash(base),
      customizationHash({ ...base, meshGatewayMode: 'remote' }),
      customizationHash({ ...base, protocol: '' }),
      customizationHash({ ...base, connectTimeoutNanos: 0 }),
    ]);
    expect(hashes.size).toBe(4);
  });
});
