/**
 * Upstream declarations of each instance: local bind port collisions, duplicates, upstreams to the caller itself and
 * upstreams to datacenters that are not declared.
 */
import {
  BindPortCollision,
  DuplicateUpstream,
  UpstreamToSelf,
  UpstreamUnknownDatacenter,
} from '../../diagnostics/codes/reachability.ts';
import { type Diagnostic, diag, type PassResult } from '../../diagnostics/diagnostic.ts';
import type { MeshModel, UpstreamDecl } from '../../model/types.ts';
import { serviceKey } from '../reach.ts';

function at(u: UpstreamDecl, related: { u: UpstreamDecl; message: string }[] = []) {
  return {
    path: u.path,
    ...(u.span ? { span: u.span } : {}),
    related: related.map((r) => ({ path: r.u.path, ...(r.u.span ? { span: r.u.span } : {}), message: r.message })),
  };
}

/** Checks every instance's upstream list. */
export function checkUpstreams(model: MeshModel): PassResult<void> {
  const diagnostics: Diagnostic[] = [];
  const dcs = new Set(model.datacenters.map((d) => d.name));
  const known = [...dcs].sort().join(', ') || 'none';
  for (const inst of model.instances) {
    const instance = `${inst.service}@${inst.datacenter}`;
    const ports = new Map<string, UpstreamDecl>();
    const dests = new Map<string, UpstreamDecl>();
    const self = serviceKey(inst.service, inst.namespace, inst.partition);
    for (const u of inst.upstreams) {
      const address = u.localBindAddress ?? '127.0.0.1';
      const portKey = `${address}:${u.localBindPort}`;
      const prevPort = ports.get(portKey);
      if (prevPort) {
        diagnostics.push(
          diag(
            BindPortCollision,
            at(u, [{ u: prevPort, message: `${prevPort.destinationName} binds ${portKey} first` }]),
            {
              instance,
              address,
              port: u.localBindPort,
              first: prevPort.destinationName,
              second: u.destinationName,
            },
          ),
        );
      } else ports.set(portKey, u);
      const dc = u.datacenter ?? inst.datacenter;
      const dest = serviceKey(u.destinationName, u.destinationNamespace, u.destinationPartition);
      const destKey = `${dest}@${dc}`;
      const prevDest = dests.get(destKey);
      if (prevDest) {
        diagnostics.push(
          diag(DuplicateUpstream, at(u, [{ u: prevDest, message: 'first declared here' }]), {
            instance,
            destination: u.destinationName,
            dc,
          }),
        );
      } else dests.set(destKey, u);
      if (dest === self && dc === inst.datacenter) {
        diagnostics.push(diag(UpstreamToSelf, at(u), { instance, service: inst.service }));
      }
      if (u.datacenter !== undefined && !dcs.has(u.datacenter)) {
        diagnostics.push(
          diag(UpstreamUnknownDatacenter, at(u), {
            upstream: `${instance} → ${u.destinationName}`,
            dc: u.datacenter,
            known,
          }),
        );
      }
    }
  }
  return { value: undefined, diagnostics };
}
