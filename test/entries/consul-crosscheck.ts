/**
 * Cross-checks meshcc's validation against a real Consul: writes every failing and passing case of
 * `validation-cases.ts` with `PUT /v1/config` and compares Consul's answer. Not part of the unit suite (needs an
 * agent): run `node --import tsx test/entries/consul-crosscheck.ts http://127.0.0.1:8500` against a dev agent.
 */
import { VALIDATION_CASES } from './validation-cases.ts';

const base = process.argv[2] ?? 'http://127.0.0.1:8500';
const del = (kind: string, name: string) => fetch(`${base}/v1/config/${kind}/${name}`, { method: 'DELETE' });
await del('service-defaults', 'api');
let l7Ready = false;
let agree = 0;
const disagree: string[] = [];
for (const c of VALIDATION_CASES) {
  if (c.bad.Kind === 'service-intentions' && !l7Ready) {
    // L7 permissions need an HTTP destination: a cross-entry check Consul runs on write, outside Validate().
    await del('service-resolver', 'api');
    const r = await fetch(`${base}/v1/config`, {
      method: 'PUT',
      body: JSON.stringify({ Kind: 'service-defaults', Name: 'api', Protocol: 'http' }),
    });
    if (r.status !== 200) throw new Error(`cannot prepare service-defaults/api: ${await r.text()}`);
    l7Ready = true;
  }
  const bad = await fetch(`${base}/v1/config`, { method: 'PUT', body: JSON.stringify(c.bad) });
  const badText = await bad.text();
  const good = await fetch(`${base}/v1/config`, { method: 'PUT', body: JSON.stringify(c.good) });
  const goodText = await good.text();
  const badOk = bad.status !== 200 && badText.includes(c.message);
  const goodOk = good.status === 200;
  if (badOk && goodOk) agree++;
  else disagree.push(`${c.rule}: bad -> ${bad.status} ${badText.trim()} | good -> ${good.status} ${goodText.trim()}`);
}
console.log(`${agree}/${VALIDATION_CASES.length} rules agree with Consul at ${base}`);
for (const d of disagree) console.log(`DISAGREE ${d}`);
process.exitCode = disagree.length === 0 ? 0 : 1;
