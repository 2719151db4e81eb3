/**
 * The `CustomizationHash` of a compiled discovery chain: the first 8 hex digits of `hashstructure.Hash` (mitchellh/
 * hashstructure v1, FNV-1 64-bit) over the overrides that changed the compile.
 *
 * Mirrors `agent/consul/discoverychain/compile.go` `compile()` (the anonymous `customization` struct with
 * `OverrideMeshGateway structs.MeshGatewayConfig`, `OverrideProtocol string`, `OverrideConnectTimeout time.Duration`)
 * and hashstructure's walker: a struct hashes to hash(type name) XOR, per exported field, FNV(LE64(hash(field
 * name)) ++ LE64(hash(value))); a string hashes its bytes, an int64 its 8 little-endian bytes.
 */

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/** FNV-1 (multiply, then xor), 64-bit: Go's `hash/fnv.New64`. */
function fnv1(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET;
  for (const b of bytes) {
    h = (h * FNV_PRIME) & MASK;
    h ^= BigInt(b);
  }
  return h;
}

function le64(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  let x = BigInt.asUintN(64, v);
  for (let i = 0; i < 8; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function hashString(s: string): bigint {
  return fnv1(new TextEncoder().encode(s));
}

function hashInt64(v: bigint): bigint {
  return fnv1(le64(v));
}

function ordered(a: bigint, b: bigint): bigint {
  const buf = new Uint8Array(16);
  buf.set(le64(a), 0);
  buf.set(le64(b), 8);
  return fnv1(buf);
}

type Field = readonly [name: string, hash: bigint];

function hashStruct(typeName: string, fields: readonly Field[]): bigint {
  let h = hashString(typeName);
  for (const [name, value] of fields) h ^= ordered(hashString(name), value);
  return h;
}

/** What changed the compile: only the overrides that actually customized it are set (others are zero values). */
export interface Customization {
  readonly meshGatewayMode: string;
  readonly protocol: string;
  readonly connectTimeoutNanos: number;
}

/**
 * Few distinct customizations occur in one mesh; remember their hashes by mode, then protocol, then timeout (no key
 * string per chain; bounded, so memory stays flat).
 */
const memo = new Map<string, Map<string, Map<number, string>>>();
let remembered = 0;

/** The 8-hex-digit `CustomizationHash` Consul writes for these customizations. */
export function customizationHash(c: Customization): string {
  let byProtocol = memo.get(c.meshGatewayMode);
  let byTimeout = byProtocol?.get(c.protocol);
  const known = byTimeout?.get(c.connectTimeoutNanos);
  if (known !== undefined) return known;
  const hash = computeHash(c);
  if (remembered >= 1024) {
    memo.clear();
    remembered = 0;
    byProtocol = undefined;
    byTimeout = undefined;
  }
  if (!byProtocol) {
    byProtocol = new Map();
    memo.set(c.meshGatewayMode, byProtocol);
  }
  if (!byTimeout) {
    byTimeout = new Map();
    byProtocol.set(c.protocol, byTimeout);
  }
  byTimeout.set(c.connectTimeoutNanos, hash);
  remembered++;
  return hash;
}

function computeHash(c: Customization): string {
  const meshGateway = hashStruct('MeshGatewayConfig', [['Mode', hashString(c.meshGatewayMode)]]);
  const h = hashStruct('', [
    ['OverrideMeshGateway', meshGateway],
    ['OverrideProtocol', hashString(c.protocol)],
    ['OverrideConnectTimeout', hashInt64(BigInt(Math.round(c.connectTimeoutNanos)))],
  ]);
  return h.toString(16).slice(0, 8);
}
