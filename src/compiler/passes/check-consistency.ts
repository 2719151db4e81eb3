/**
 * Cross-artifact consistency: a mesh-gateway mode configured (proxy-defaults, service-defaults, instance) for services
 * in a datacenter that deploys no gateway, and an upstream whose configured protocol differs from the protocol the
 * destination speaks (its service-defaults, else proxy-defaults `Config.protocol`, else `tcp`).
 */
import { ModeNeedsGatewayNotDeployed, ProtocolMismatch } from '../../diagnostics/codes/reachability.ts';
import { type Diagnostic, diag, type PassResult } from '../../diagnostics/diagnostic.ts';
import type { ProxyDefaultsEntry, ServiceDefaultsEntry } from '../../model/entries.ts';
import type { EntryDecl, GatewayMode, MeshModel, SourceSpan } from '../../model/types.ts';
import { type DeclFacts, MAY_PROTOCOL, readDecls } from '../decl-facts.ts';

function span(d: EntryDecl, pointer: string): SourceSpan | undefined {
  return d.fieldSpans?.[pointer] ?? d.span;
}

function needsGateway(mode: GatewayMode | undefined): mode is 'local' | 'remote' {
  return mode === 'local' || mode === 'remote';
}

function gatewayModeChecks(model: MeshModel, allDcs: ReadonlySet<string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (model.datacenters.length < 2) return out;
  const withGateway = new Set(model.gateways.map((g) => g.datacenter));
  // Every datacenter that runs an instance has a gateway (the usual case): no mode can lack one.
  let lacking = false;
  for (const dc of allDcs) if (!withGateway.has(dc)) lacking = true;
  if (!lacking) return out;
  const dcsOf = new Map<string, Set<string>>();
  for (const i of model.instances) {
    const s = dcsOf.get(i.service) ?? new Set<string>();
    s.add(i.datacenter);
    dcsOf.set(i.service, s);
  }
  const sorted = (s: Iterable<string>) => [...s].sort();
  for (const d of model.entries) {
    const e = d.entry;
    if (e.Kind !== 'proxy-defaults' && e.Kind !== 'service-defaults') continue;
    const mode = (e as ProxyDefaultsEntry | ServiceDefaultsEntry).MeshGateway?.Mode;
    if (!needsGateway(mode)) continue;
    const dcs = e.Kind === 'proxy-defaults' ? allDcs : (dcsOf.get(e.Name) ?? new Set<string>());
    const sp = span(d, '/MeshGateway/Mode');
    for (const dc of sorted(dcs)) {
      if (withGateway.has(dc)) continue;
      out.push(
        diag(
          ModeNeedsGatewayNotDeployed,
          { path: d.path, ...(sp ? { span: sp } : {}) },
          {
            where: `${e.Kind} '${e.Name}'`,
            mode,
            dc,
          },
        ),
      );
    }
  }
  for (const i of model.instances) {
    if (!needsGateway(i.meshGateway) || withGateway.has(i.datacenter)) continue;
    out.push(
      diag(
        ModeNeedsGatewayNotDeployed,
        { path: i.path, ...(i.span ? { span: i.span } : {}) },
        {
          where: `instance ${i.service}@${i.datacenter}`,
          mode: i.meshGateway,
          dc: i.datacenter,
        },
      ),
    );
  }
  return out;
}

function protocolChecks(model: MeshModel, facts: DeclFacts): Diagnostic[] {
  const out: Diagnostic[] = [];
  if ((facts.any & MAY_PROTOCOL) === 0) return out;
  const serviceDefaults = new Map<string, EntryDecl>();
  let proxyDefaults: EntryDecl | undefined;
  for (const d of model.entries) {
    if (d.entry.Kind === 'service-defaults' && !serviceDefaults.has(d.entry.Name)) serviceDefaults.set(d.entry.Name, d);
    if (d.entry.Kind === 'proxy-defaults' && !proxyDefaults) proxyDefaults = d;
  }
  const globalProtocol = (proxyDefaults?.entry as ProxyDefaultsEntry | undefined)?.Config?.protocol;
  const instances = model.instances;
  for (let n = 0; n < instances.length; n++) {
    // Only an instance `facts` flags (an upstream's `config.protocol`, or the caller's UpstreamConfig) configures one.
    if ((facts.flags[n]! & MAY_PROTOCOL) === 0) continue;
    const inst = instances[n]!;
    const callerDefaults = serviceDefaults.get(inst.service)?.entry as ServiceDefaultsEntry | undefined;
    for (const u of inst.upstreams) {
      const override = callerDefaults?.UpstreamConfig?.Overrides?.find((o) => o.Name === u.destinationName && !o.Peer);
      const configured =
        (typeof u.config?.protocol === 'string' ? u.config.protocol : undefined) ??
        override?.Protocol ??
        callerDefaults?.UpstreamConfig?.Defaults?.Protocol;
      if (!configured) continue;
      const destDecl = serviceDefaults.get(u.destinationName);
      const destProtocol =
        (destDecl?.entry as ServiceDefaultsEntry | undefined)?.Protocol ??
        (typeof globalProtocol === 'string' ? globalProtocol : undefined) ??
        'tcp';
      if (configured === destProtocol) continue;
      const from = destDecl ?? (typeof globalProtocol === 'string' ? proxyDefaults : undefined);
      const sp = from ? span(from, from === destDecl ? '/Protocol' : '/Config/protocol') : undefined;
      out.push(
        diag(
          ProtocolMismatch,
          {
            path: u.path,
            ...(u.span ? { span: u.span } : {}),
            related: from
              ? [
                  {
                    path: from.path,
                    ...(sp ? { span: sp } : {}),
                    message: `${u.destinationName} speaks '${destProtocol}' here`,
                  },
                ]
              : [],
          },
          {
            upstream: `${inst.service} → ${u.destinationName}`,
            protocol: configured,
            destination: u.destinationName,
            destProtocol,
          },
        ),
      );
    }
  }
  return out;
}

/** Checks configuration that must agree across artifacts. */
export function checkConsistency(model: MeshModel, facts: DeclFacts = readDecls(model)): PassResult<void> {
  return {
    value: undefined,
    diagnostics: [...gatewayModeChecks(model, facts.instanceDatacenters), ...protocolChecks(model, facts)],
  };
}
