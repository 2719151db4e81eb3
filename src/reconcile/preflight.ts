/**
 * ACL preflight: before the first write, asks Consul whether the token may make every planned change
 * (`POST /v1/internal/acl/authorize`, 64 checks per request) and reports each missing permission per entry, so a
 * token that lacks a permission writes nothing. Required permissions per kind follow Consul's config API docs:
 * service-defaults/resolver/splitter/router `service:write`, service-intentions `intention:write` on the destination,
 * proxy-defaults and every gateway, route, certificate, JWT-provider, mesh, exported-services and sameness-group entry
 * `mesh:write` (or `operator:write`), as each kind's `CanWrite` in Consul's agent/structs asks.
 */
import { MissingPermission } from '../diagnostics/codes/reconcile.ts';
import { type Diagnostic, diag } from '../diagnostics/diagnostic.ts';
import type { ConsulClient } from './consul-client.ts';
import type { Plan, PlanAction } from './plan.ts';

interface AuthzCheck {
  readonly Resource: string;
  readonly Segment?: string;
  readonly Access: 'read' | 'write';
}

/** The permission an action needs, as alternatives (any one suffices). */
export function requiredPermissions(a: PlanAction): AuthzCheck[] {
  switch (a.kind) {
    case 'service-intentions':
      return [{ Resource: 'intention', Segment: a.name, Access: 'write' }];
    case 'proxy-defaults':
    case 'mesh':
    case 'exported-services':
    case 'sameness-group':
    case 'ingress-gateway':
    case 'terminating-gateway':
    case 'api-gateway':
    case 'http-route':
    case 'tcp-route':
    case 'inline-certificate':
    case 'file-system-certificate':
    case 'jwt-provider':
      return [
        { Resource: 'mesh', Access: 'write' },
        { Resource: 'operator', Access: 'write' },
      ];
    default:
      return [{ Resource: 'service', Segment: a.name, Access: 'write' }];
  }
}

function label(c: AuthzCheck): string {
  return c.Segment ? `${c.Resource}:${c.Access} on "${c.Segment}"` : `${c.Resource}:${c.Access}`;
}

/**
 * Checks every change of the plan. Returns MC5011 per entry the token may not write; `checked: false` when Consul does
 * not offer the authorize endpoint (the writes then fail individually with 403).
 */
export async function preflight(
  client: ConsulClient,
  plan: Plan,
): Promise<{ checked: boolean; diagnostics: Diagnostic[] }> {
  const actions = plan.actions.filter((a) => a.type !== 'noop');
  const flat: { action: PlanAction; alt: AuthzCheck[]; offset: number }[] = [];
  const checks: AuthzCheck[] = [];
  for (const a of actions) {
    const alt = requiredPermissions(a);
    flat.push({ action: a, alt, offset: checks.length });
    checks.push(...alt);
  }
  const allowed: boolean[] = [];
  try {
    for (let i = 0; i < checks.length; i += 64) {
      const r = await client.request<{ Allow: boolean }[]>('POST', '/v1/internal/acl/authorize', {
        body: checks.slice(i, i + 64),
      });
      allowed.push(...(r.body ?? []).map((x) => x.Allow === true));
    }
  } catch {
    return { checked: false, diagnostics: [] };
  }
  const diagnostics: Diagnostic[] = [];
  for (const f of flat) {
    const ok = f.alt.some((_, j) => allowed[f.offset + j] === true);
    if (!ok) {
      diagnostics.push(
        diag(
          MissingPermission,
          { path: f.action.key },
          { key: f.action.key, permission: f.alt.map(label).join(' or ') },
        ),
      );
    }
  }
  return { checked: true, diagnostics };
}
