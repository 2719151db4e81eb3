/** Plan, validation and drift documents for the GitHub tests, shaped like `meshcc plan --json` and friends. */
import type { Diagnostic } from '../../src/diagnostics/diagnostic.ts';
import type { DriftDocument, PlanDocument, ValidationDocument } from '../../src/github/types.ts';

export function finding(i: number, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  return {
    code: `MC30${String(i % 100).padStart(2, '0')}`,
    severity,
    message: `upstream 'payments' of 'web' number ${i} cannot be reached`,
    path: `multi-dc/dc1/web/upstreams/payments-${i}`,
    span: { file: 'environments/multi-dc/mesh.ts', line: 10 + i, column: 5 },
    hint: 'set meshGateway mode to local',
  };
}

export function diffLines(n: number, prefix = '+'): string {
  return Array.from(
    { length: n },
    (_, i) => `${prefix} service-resolver/svc-${i}: Failover["*"].Datacenters = ["dc2"]`,
  ).join('\n');
}

export function plan(over: Partial<PlanDocument> = {}): PlanDocument {
  return {
    environment: 'multi-dc',
    datacenters: [
      {
        datacenter: 'dc1',
        create: 2,
        update: 1,
        delete: 0,
        diff: '+ service-defaults/web\n+ service-resolver/payments\n~ proxy-defaults/global',
      },
      { datacenter: 'dc2', create: 0, update: 0, delete: 1, diff: '- service-intentions/legacy' },
    ],
    diagnostics: [],
    mermaid: 'flowchart LR\n  web -->|changed| payments',
    ...over,
  };
}

export function noChanges(): PlanDocument {
  return {
    environment: 'multi-dc',
    datacenters: [
      { datacenter: 'dc1', create: 0, update: 0, delete: 0, diff: '' },
      { datacenter: 'dc2', create: 0, update: 0, delete: 0, diff: '' },
    ],
    diagnostics: [],
  };
}

export function validation(n: number, severity: Diagnostic['severity'] = 'error'): ValidationDocument {
  return { environment: 'multi-dc', diagnostics: Array.from({ length: n }, (_, i) => finding(i, severity)) };
}

export function drift(over: Partial<DriftDocument> = {}): DriftDocument {
  return {
    environment: 'multi-dc',
    items: [
      {
        datacenter: 'dc1',
        class: 'changed-out-of-band',
        kind: 'service-resolver',
        name: 'payments',
        owner: 'meshcc:environments/multi-dc',
        detail: '~ ConnectTimeout: "5s" → "15s"',
      },
      { datacenter: 'dc2', class: 'unmanaged-new', kind: 'service-defaults', name: 'adhoc' },
    ],
    ...over,
  };
}
