/**
 * Vitest global setup. Suites that need external peers (real Consul, helm, actionlint) register their own
 * setup through `test/setup/peers.ts`; this file only checks the machine.
 */
export default function setup(): void {
  const [major] = process.versions.node.split('.').map(Number);
  if ((major ?? 0) < 20) throw new Error(`meshcc needs Node 20 or newer, this is ${process.versions.node}`);
}
