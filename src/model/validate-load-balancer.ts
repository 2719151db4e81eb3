/**
 * The `LoadBalancer` part of Consul's `ServiceResolverConfigEntry.Validate`, rule for rule and message for message
 * (agent/structs/config_entry_discoverychain.go of Consul v1.22.7); returns the first problem, as Consul does.
 */
import type { LoadBalancer } from './entries.ts';
import { parseGoDuration } from './go-duration.ts';

const q = (s: string): string => JSON.stringify(s);

const LB_POLICIES: readonly string[] = ['', 'random', 'round_robin', 'least_request', 'ring_hash', 'maglev'];
const HASH_FIELDS: readonly string[] = ['header', 'cookie', 'query_parameter'];

/** The `LoadBalancer` part of `ServiceResolverConfigEntry.Validate`. */
export function validateLoadBalancer(lb: LoadBalancer | undefined): string | undefined {
  if (lb === undefined) return undefined;
  const policy = lb.Policy ?? '';
  if (!LB_POLICIES.includes(policy)) return `Bad LoadBalancer policy: ${q(policy)} is not supported`;
  if (policy !== 'ring_hash' && lb.RingHashConfig) {
    return `Bad LoadBalancer configuration. RingHashConfig specified for incompatible load balancing policy ${q(policy)}`;
  }
  if (policy !== 'least_request' && lb.LeastRequestConfig) {
    return `Bad LoadBalancer configuration. LeastRequestConfig specified for incompatible load balancing policy ${q(policy)}`;
  }
  const hashBased = policy === 'ring_hash' || policy === 'maglev';
  const hps = lb.HashPolicies ?? [];
  if (!hashBased && hps.length > 0) {
    return `Bad LoadBalancer configuration: HashPolicies specified for non-hash-based Policy: ${q(policy)}`;
  }
  for (let i = 0; i < hps.length; i++) {
    const hp = hps[i] ?? {};
    const field = hp.Field ?? '';
    const value = hp.FieldValue ?? '';
    if (field && !HASH_FIELDS.includes(field))
      return `Bad LoadBalancer HashPolicy[${i}]: ${q(field)} is not a supported field`;
    if (hp.SourceIP && field) {
      return `Bad LoadBalancer HashPolicy[${i}]: A single hash policy cannot hash both a source address and a ${q(field)}`;
    }
    if (hp.SourceIP && value)
      return `Bad LoadBalancer HashPolicy[${i}]: A FieldValue cannot be specified when hashing SourceIP`;
    if (field && !value)
      return `Bad LoadBalancer HashPolicy[${i}]: Field ${q(field)} was specified without a FieldValue`;
    if (value && !field) return `Bad LoadBalancer HashPolicy[${i}]: FieldValue requires a Field to apply to`;
    if (hp.CookieConfig) {
      if (field !== 'cookie') return `Bad LoadBalancer HashPolicy[${i}]: cookie_config provided for ${q(field)}`;
      const ttl = hp.CookieConfig.TTL;
      const parsed = parseGoDuration(ttl || '0s');
      if (hp.CookieConfig.Session && parsed.ok && parsed.ns !== 0n) {
        return `Bad LoadBalancer HashPolicy[${i}]: a session cookie cannot have an associated TTL`;
      }
    }
  }
  return undefined;
}
