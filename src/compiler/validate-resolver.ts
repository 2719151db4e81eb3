/**
 * The first error Consul reports when a service-resolver is written (`ServiceResolverConfigEntry.Validate` plus the
 * Community Edition's enterprise-only checks), with Consul's message. The rules live once, in
 * `model/validate-entry.ts`, which reports every problem in the order Consul checks them; a chain compile needs only
 * the first, as Consul refuses the write at the first.
 */
import type { ServiceResolverEntry } from '../model/entries.ts';
import { validateEntry } from '../model/validate-entry.ts';

/** Consul's message for the first problem, or undefined when Consul accepts the resolver. */
export function validateResolver(e: ServiceResolverEntry): string | undefined {
  return validateEntry(e)[0];
}
