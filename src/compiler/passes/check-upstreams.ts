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
import { type DeclFacts, MAY_UPSTREAMS, readDecls } from '../decl-facts.ts';
import { orDefault } from '../service-map.ts';

function at(u: UpstreamDecl, related: { u: UpstreamDecl; message: string }[] = []) {
  return {
    path: u.path,
    ...(u.span ? { span: u.span } : {}),
    related: related.map((r) => ({ path: r.u.path, ...(r.u.span ? { span: r.u.span } : {}), message: r.message })),
  };
}

/** Same destination service (namespace and partition default to `default`). */
function sameDestination(a: UpstreamDecl, b: UpstreamDecl): boolean {
  return (
    a.destinationName === b.destinationName &&
    orDefault(a.destinationNamespace) === orDefault(b.destinationNamespace) &&
    orDefault(a.destinationPartition) === orDefault(b.destinationPartition)
  );
}

/**
 * The upstreams seen so far in one instance, by local bind port and by destination name: a lookup per upstream, no key
 * string built for it. One pair of maps serves every instance (cleared in between).
 */
class SeenUpstreams {
  /** One upstream per key (nearly always), or a list after a second. */
  private readonly byPort = new Map<number, UpstreamDecl | UpstreamDecl[]>();
  private readonly byName = new Map<string, UpstreamDecl | UpstreamDecl[]>();

  clear(): void {
    this.byPort.clear();
    this.byName.clear();
  }

  /** The first upstream binding the same address and port, else records `u` and returns undefined. */
  portTaken(u: UpstreamDecl, address: string): UpstreamDecl | undefined {
    const seen = this.byPort.get(u.localBindPort);
    if (seen === undefined) {
      this.byPort.set(u.localBindPort, u);
      return undefined;
    }
    const list = Array.isArray(seen) ? seen : [seen];
    for (const p of list) if ((p.localBindAddress ?? '127.0.0.1') === address) return p;
    list.push(u);
    if (list !== seen) this.byPort.set(u.localBindPort, list);
    return undefined;
  }

  /** The first upstream to the same destination in datacenter `dc`, else records `u` and returns undefined. */
  destinationTaken(u: UpstreamDecl, dc: string, instanceDc: string): UpstreamDecl | undefined {
    const seen = this.byName.get(u.destinationName);
    if (seen === undefined) {
      this.byName.set(u.destinationName, u);
      return undefined;
    }
    const list = Array.isArray(seen) ? seen : [seen];
    for (const p of list) if ((p.datacenter ?? instanceDc) === dc && sameDestination(p, u)) return p;
    list.push(u);
    if (list !== seen) this.byName.set(u.destinationName, list);
    return undefined;
  }
}

/**
 * The same bookkeeping for an instance with a few upstreams (nearly all): the upstreams before `k` that were recorded
 * (did not collide themselves) are scanned, earliest first, which is the order the maps' lists keep.
 */
class FewUpstreams {
  private list: readonly UpstreamDecl[] = [];
  private readonly portRecorded: boolean[] = [];
  private readonly nameRecorded: boolean[] = [];

  reset(list: readonly UpstreamDecl[]): void {
    this.list = list;
  }

  portTaken(k: number, address: string): UpstreamDecl | undefined {
    const u = this.list[k]!;
    for (let j = 0; j < k; j++) {
      if (!this.portRecorded[j]) continue;
      const p = this.list[j]!;
      if (p.localBindPort === u.localBindPort && (p.localBindAddress ?? '127.0.0.1') === address) {
        this.portRecorded[k] = false;
        return p;
      }
    }
    this.portRecorded[k] = true;
    return undefined;
  }

  destinationTaken(k: number, dc: string, instanceDc: string): UpstreamDecl | undefined {
    const u = this.list[k]!;
    for (let j = 0; j < k; j++) {
      if (!this.nameRecorded[j]) continue;
      const p = this.list[j]!;
      if (p.destinationName === u.destinationName && (p.datacenter ?? instanceDc) === dc && sameDestination(p, u)) {
        this.nameRecorded[k] = false;
        return p;
      }
    }
    this.nameRecorded[k] = true;
    return undefined;
  }
}

/** Upstream lists up to this long are checked by `FewUpstreams` (a scan), longer ones by `SeenUpstreams` (maps). */
const FEW = 12;

/**
 * Checks every instance's upstream list: those `facts` flags (`MAY_UPSTREAMS`: two equal bind ports or destination
 * names, its own service's name, a pinned datacenter not declared), the others cannot have a finding.
 */
export function checkUpstreams(model: MeshModel, facts: DeclFacts = readDecls(model)): PassResult<void> {
  const diagnostics: Diagnostic[] = [];
  if ((facts.any & MAY_UPSTREAMS) === 0) return { value: undefined, diagnostics };
  const dcs = new Set(model.datacenters.map((d) => d.name));
  const known = [...dcs].sort().join(', ') || 'none';
  const seen = new SeenUpstreams();
  const few = new FewUpstreams();
  const instances = model.instances;
  for (let n = 0; n < instances.length; n++) {
    if ((facts.flags[n]! & MAY_UPSTREAMS) === 0) continue;
    const inst = instances[n]!;
    const list = inst.upstreams;
    if (list.length === 0) continue;
    const short = list.length <= FEW;
    if (short) few.reset(list);
    else seen.clear();
    for (let k = 0; k < list.length; k++) {
      const u = list[k]!;
      const address = u.localBindAddress ?? '127.0.0.1';
      const prevPort = short ? few.portTaken(k, address) : seen.portTaken(u, address);
      if (prevPort) {
        const instance = `${inst.service}@${inst.datacenter}`;
        const portKey = `${address}:${u.localBindPort}`;
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
      }
      const dc = u.datacenter ?? inst.datacenter;
      const prevDest = short
        ? few.destinationTaken(k, dc, inst.datacenter)
        : seen.destinationTaken(u, dc, inst.datacenter);
      if (prevDest) {
        const instance = `${inst.service}@${inst.datacenter}`;
        diagnostics.push(
          diag(DuplicateUpstream, at(u, [{ u: prevDest, message: 'first declared here' }]), {
            instance,
            destination: u.destinationName,
            dc,
          }),
        );
      }
      if (
        dc === inst.datacenter &&
        u.destinationName === inst.service &&
        orDefault(u.destinationNamespace) === orDefault(inst.namespace) &&
        orDefault(u.destinationPartition) === orDefault(inst.partition)
      ) {
        diagnostics.push(
          diag(UpstreamToSelf, at(u), { instance: `${inst.service}@${inst.datacenter}`, service: inst.service }),
        );
      }
      if (u.datacenter !== undefined && !dcs.has(u.datacenter)) {
        diagnostics.push(
          diag(UpstreamUnknownDatacenter, at(u), {
            upstream: `${inst.service}@${inst.datacenter} → ${u.destinationName}`,
            dc: u.datacenter,
            known,
          }),
        );
      }
    }
  }
  return { value: undefined, diagnostics };
}
