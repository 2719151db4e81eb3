/**
 * One read of the model's instances and their upstream declarations for the validation passes that check
 * declarations (check-upstreams, check-intentions, check-consistency): per instance, which of them may report
 * something there. Each pass then runs its own per-instance check, unchanged, on the flagged instances only (in model
 * order, so findings come out as before); every other instance is ruled out here, in one walk instead of one walk per
 * pass over the 85,000 upstream declarations of the L7 10k mesh (scattered old-space objects: each walk pays a cache
 * miss per upstream).
 *
 * A flag may be set where the pass then finds nothing (it over-approximates), never the other way round: each flag's
 * test is a necessary condition of every finding of its pass, spelled out at the test.
 */
import type { ServiceDefaultsEntry, ServiceIntentionsEntry } from '../model/entries.ts';
import { SIDECAR_MIN_PORT } from '../model/topology.ts';
import type {
  DatacenterDecl,
  EntryDecl,
  GatewayMode,
  MeshModel,
  ServiceInstanceDecl,
  UpstreamDecl,
} from '../model/types.ts';

/** check-upstreams may report at this instance (a bind port or destination name twice, itself, an unknown datacenter). */
export const MAY_UPSTREAMS = 1;
/** Some upstream of this instance is not allowed by the intentions (check-intentions' per-upstream findings). */
export const MAY_INTENTIONS = 2;
/** Some upstream of this instance has a configured protocol (check-consistency's protocol check). */
export const MAY_PROTOCOL = 4;

/** What check-platform needs of one datacenter's instances (read with the first declaration of that name). */
export interface DatacenterFacts {
  readonly decl: DatacenterDecl;
  /**
   * `portsMayClash`'s answer: false when every host (VM address, address-less VM instance, pod) has one instance and
   * no gateway listener shares it, and no instance's own claims clash (then `checkHostPorts` cannot report).
   */
  mayClash: boolean;
  /** Kubernetes: the instances that set a mesh-gateway mode (the instance or one of its upstreams), in model order. */
  readonly settingMode: ModeSetter[];
}

/**
 * A Kubernetes instance that sets a mesh-gateway mode, with the fields check-platform's warnings about it read
 * (`checkKubernetesModes`): read once, in the walk that found it, instead of again per warning and per comparison
 * of the sort (each a megamorphic load: see `DeclReader`).
 */
export interface ModeSetter {
  readonly instance: ServiceInstanceDecl;
  readonly service: string;
  readonly path: string;
  readonly meshGateway: GatewayMode | undefined;
  readonly upstreams: readonly UpstreamDecl[];
  readonly peers: readonly UpstreamDecl[] | undefined;
}

/** Per-datacenter state while reading: the host keys seen so far. */
interface DatacenterRead {
  readonly facts: DatacenterFacts;
  readonly vm: boolean;
  readonly kubernetes: boolean;
  readonly addresses: Set<string>;
  readonly paths: Set<string>;
  /**
   * The last path-keyed instance's path while those paths have come in strictly increasing order (then they are all
   * different: no hashing needed); undefined before the first one and once `paths` holds them (order broken).
   */
  lastPath: string | undefined;
  /** Whether the path-keyed instances so far are in `paths` (false while the increasing order proves them distinct). */
  pathsHashed: boolean;
}

export interface DeclFacts {
  /** check-platform's facts per declared datacenter that runs instances. */
  readonly datacenters: ReadonlyMap<string, DatacenterFacts>;
  /** Per instance (index in `model.instances`), the `MAY_*` flags. */
  readonly flags: Uint8Array;
  /** Every flag set on some instance (0: no pass reports anything per instance). */
  readonly any: number;
  /** The datacenters instances run in (check-consistency's mode check). */
  readonly instanceDatacenters: ReadonlySet<string>;
  /** The service-intentions declarations, in model order. */
  readonly intentionDecls: readonly EntryDecl[];
  /**
   * Whether some intention names a service nobody declares (destination or non-peer source, `*` aside): otherwise
   * check-intentions' `IntentionMatchesNothing` cannot report.
   */
  readonly intentionNamesUnknown: boolean;
}

/**
 * Whether the deciding intention source per (source name, destination name) denies: for each non-peer source name,
 * its destinations, and whether the first source of that pair in model order (what `indexRules` keeps, keyed the
 * other way round: an instance looks its own map up once, then one small map per upstream) has `Action: deny`. Only
 * that is read here: keeping the answer instead of the source saves a read of a scattered source object per
 * upstream.
 */
type BySource = Map<string, Map<string, boolean>>;

/** Per upstreams array (one `compile()`), with the model it was read from. */
const memo = new WeakMap<object, { readonly model: MeshModel; readonly facts: DeclFacts }>();

/**
 * The facts of `model`, shared by the passes of one `compile()` (keyed by its upstream list, which is new per
 * compile: a model changed between two compiles is read again).
 */
export function declFacts(model: MeshModel, key: object): DeclFacts {
  const seen = memo.get(key);
  if (seen?.model === model) return seen.facts;
  const facts = readDecls(model);
  memo.set(key, { model, facts });
  return facts;
}

/**
 * Keeps `facts`, read from `model` by a `DeclReader` in another walk, as the facts of `key` (what `declFacts(model,
 * key)` then returns without reading the model again).
 */
export function presetDeclFacts(model: MeshModel, key: object, facts: DeclFacts): void {
  memo.set(key, { model, facts });
}

/** Forgets the facts kept for `key` (after the last pass that reads them; a later call reads the model again). */
export function releaseDeclFacts(key: object): void {
  memo.delete(key);
}

/** Reads the model once (no memo). */
export function readDecls(model: MeshModel): DeclFacts {
  const reader = new DeclReader(model);
  const instances = model.instances;
  // Index loops: readDecls runs once per compile, often before it is optimized, where `for-of` allocates an iterator
  // result per element.
  for (let n = 0; n < instances.length; n++) {
    const i = instances[n]!;
    reader.instance(n, i, i.service, i.namespace, i.partition, i.datacenter, i.upstreams, i.meshGateway);
  }
  return reader.facts();
}

/**
 * `readDecls` one instance at a time, for a walk over `model.instances` that reads them anyway (resolve-modes,
 * `resolveGatewayModes`, which hands the facts on with `presetDeclFacts`). `instance` must be called for every
 * instance, in model order, with its index and the values of its fields; `facts` once at the end.
 *
 * Every field of an instance is read once (the caller's fields are passed in; the previous instance's are kept
 * here, not read from it again): a model's instances rarely share a hidden class (the L7 10k bench's 17,000 have
 * thousands), so each read is a megamorphic property load that mostly misses V8's stub cache, ≈ 0.1–1 µs each.
 * Reading the instance's fields once per field instead of 25–30 times was most of this walk's cost.
 */
export class DeclReader {
  private readonly model: MeshModel;
  private readonly instances: readonly ServiceInstanceDecl[];
  private readonly intentionDecls: EntryDecl[] = [];
  private readonly bySource: BySource = new Map();
  /** Names of services whose service-defaults set `UpstreamConfig` (any of its declarations: a superset). */
  private readonly upstreamConfig: Set<string> | undefined;
  private readonly defaultDeny: boolean;
  private readonly dcs = new Set<string>();
  /** The declared services (instances' services are looked at only for a name missing here, at the end). */
  private readonly services = new Set<string>();
  private readonly instanceDatacenters = new Set<string>();
  private readonly flags: Uint8Array;
  private readonly fromStar: Map<string, boolean> | undefined;
  private any = 0;
  private knownDc: string | undefined = undefined;
  private readonly dcFacts = new Map<string, DatacenterFacts>();
  private readonly reads = new Map<string, DatacenterRead | null>();
  private read: DatacenterRead | null = null;
  private readDc: string | undefined = undefined;
  /**
   * The last instance whose flags were computed (its list, service identity and datacenter), for the next one:
   * `hasPrev` false before the first.
   */
  private hasPrev = false;
  private prevUpstreams: readonly UpstreamDecl[] | undefined = undefined;
  private prevService: string | undefined = undefined;
  private prevNamespace: string | undefined = undefined;
  private prevPartition: string | undefined = undefined;
  private prevDc: string | undefined = undefined;
  /** The datacenter last added to `instanceDatacenters`. */
  private addedDc: string | undefined = undefined;
  /**
   * check-platform's own-claims answer for the last instance read in this datacenter (a shared list: the same
   * claims): its lists, port and address; `hasClaims` false when there is none.
   */
  private hasClaims = false;
  private claimsUpstreams: readonly UpstreamDecl[] | undefined = undefined;
  private claimsPeers: readonly UpstreamDecl[] | undefined = undefined;
  private claimsPort: number | undefined = undefined;
  private claimsAddress: string | undefined = undefined;
  /** Whether the last upstream lists read for modes set one. */
  private modeLists: readonly UpstreamDecl[] | undefined = undefined;
  private modePeers: readonly UpstreamDecl[] | undefined = undefined;
  private listsSetMode = false;

  constructor(model: MeshModel) {
    this.model = model;
    const intentionDecls = this.intentionDecls;
    const bySource = this.bySource;
    let upstreamConfig: Set<string> | undefined;
    const entries = model.entries;
    for (let i = 0; i < entries.length; i++) {
      const decl = entries[i]!;
      const e = decl.entry;
      if (e.Kind === 'service-intentions') {
        intentionDecls.push(decl);
        const sources = (e as ServiceIntentionsEntry).Sources;
        for (let j = 0; j < sources.length; j++) {
          const s = sources[j]!;
          if (s.Peer) continue;
          let to = bySource.get(s.Name);
          if (!to) {
            to = new Map();
            bySource.set(s.Name, to);
          }
          if (!to.has(e.Name)) to.set(e.Name, s.Action === 'deny');
        }
      } else if (e.Kind === 'service-defaults' && (e as ServiceDefaultsEntry).UpstreamConfig !== undefined) {
        upstreamConfig ??= new Set();
        upstreamConfig.add(e.Name);
      }
    }
    this.upstreamConfig = upstreamConfig;
    this.defaultDeny = model.aclsEnabled && model.aclDefaultPolicy === 'deny';
    for (const d of model.datacenters) this.dcs.add(d.name);
    const declared = model.services;
    for (let i = 0; i < declared.length; i++) this.services.add(declared[i]!.name);
    this.instances = model.instances;
    this.flags = new Uint8Array(this.instances.length);
    this.fromStar = bySource.get('*');
  }

  /** Reads instance `n` of the model: `inst` is `model.instances[n]`, the other arguments its fields of that name. */
  instance(
    n: number,
    inst: ServiceInstanceDecl,
    service: string,
    namespace: string | undefined,
    partition: string | undefined,
    datacenter: string,
    upstreams: readonly UpstreamDecl[],
    meshGateway: GatewayMode | undefined,
  ): void {
    if (datacenter !== this.readDc) {
      this.readDc = datacenter;
      this.hasClaims = false;
      let r = this.reads.get(datacenter);
      if (r === undefined) {
        r = datacenterRead(this.model, datacenter);
        this.reads.set(datacenter, r);
        if (r) this.dcFacts.set(datacenter, r.facts);
      }
      this.read = r;
    }
    const read = this.read;
    if (read) {
      const facts = read.facts;
      // `peerUpstreams` and `path`, read once when first needed.
      let peers: readonly UpstreamDecl[] | undefined;
      let peersRead = false;
      let path: string | undefined;
      if (!facts.mayClash) {
        // The host key of `checkHostPorts`: `addr:<address>` (VMs with an address), else one per construct path. A
        // key seen before leaves the set's size as it was (one probe of the set instead of `has` then `add`).
        const address = inst.address;
        if (read.vm && address) {
          const seen = read.addresses.size;
          read.addresses.add(address);
          if (read.addresses.size === seen) facts.mayClash = true;
        } else if (!read.pathsHashed) {
          // Paths in strictly increasing order are all different (models usually list instances in path order):
          // one comparison with the previous path instead of hashing every path into a set. At the first path out
          // of order, the earlier ones go into the set (as if it had been filled all along) and it takes over.
          path = inst.path;
          const last = read.lastPath;
          if (last === undefined || last < path) read.lastPath = path;
          else {
            hashEarlierPaths(this.instances, n, datacenter, read);
            if (read.paths.has(path)) facts.mayClash = true;
            read.paths.add(path);
          }
        } else {
          const seen = read.paths.size;
          path = inst.path;
          read.paths.add(path);
          if (read.paths.size === seen) facts.mayClash = true;
        }
        peers = inst.peerUpstreams;
        peersRead = true;
        const port = inst.port;
        const same =
          this.hasClaims &&
          upstreams === this.claimsUpstreams &&
          peers === this.claimsPeers &&
          port === this.claimsPort &&
          address === this.claimsAddress;
        if (!same) {
          if (claimsClash(address, port, upstreams, peers, read.vm ? SIDECAR_MIN_PORT : undefined)) {
            facts.mayClash = true;
          }
          // A lone VM instance's sidecar has the first port of the range; the same lists, port and address have the
          // same claims, which did not clash (else `mayClash` is set and nothing more is read).
          this.hasClaims = true;
          this.claimsUpstreams = upstreams;
          this.claimsPeers = peers;
          this.claimsPort = port;
          this.claimsAddress = address;
        }
      }
      if (read.kubernetes) {
        if (!peersRead) peers = inst.peerUpstreams;
        if (upstreams !== this.modeLists || peers !== this.modePeers) {
          this.modeLists = upstreams;
          this.modePeers = peers;
          this.listsSetMode = listSetsMode(upstreams) || (peers !== undefined && listSetsMode(peers));
        }
        if (meshGateway || this.listsSetMode) {
          path ??= inst.path;
          facts.settingMode.push({ instance: inst, service, path, meshGateway, upstreams, peers });
        }
      }
    }
    // Instances of one service and datacenter often share their upstream list (a canary group beside the stable
    // one): what the flags depend on (the list, service identity, datacenter) is then the same.
    const flags = this.flags;
    if (
      this.hasPrev &&
      upstreams === this.prevUpstreams &&
      service === this.prevService &&
      datacenter === this.prevDc &&
      namespace === this.prevNamespace &&
      partition === this.prevPartition
    ) {
      flags[n] = flags[n - 1]!;
      return;
    }
    this.hasPrev = true;
    this.prevUpstreams = upstreams;
    this.prevService = service;
    this.prevNamespace = namespace;
    this.prevPartition = partition;
    this.prevDc = datacenter;
    if (datacenter !== this.addedDc) {
      this.instanceDatacenters.add(datacenter);
      this.addedDc = datacenter;
    }
    const list = upstreams;
    if (list.length === 0) return;
    let f = 0;
    // The deciding source is `exact.get(source) ?? exact.get('*')`, else `wildcard.get(source) ?? wildcard.get('*')`
    // (check-intentions): `mine.get(destination) ?? fromStar.get(destination)`, else the instance's `*` answer.
    const mine = this.bySource.get(service);
    const fromStar = this.fromStar;
    // The instance's `*` answer, read when some upstream has no answer of its own (rare: then for the instance).
    let wildcard: boolean | undefined;
    let wildcardRead = false;
    const protocolCaller = this.upstreamConfig?.has(service) === true;
    if (protocolCaller) f |= MAY_PROTOCOL;
    const defaultDeny = this.defaultDeny;
    for (let k = 0; k < list.length; k++) {
      const u = list[k]!;
      const name = u.destinationName;
      const port = u.localBindPort;
      // check-upstreams: a bind collision needs two equal ports, a duplicate two equal names, an upstream to itself
      // its own service's name, an unknown datacenter a pinned one not declared.
      for (let j = 0; j < k; j++) {
        const p = list[j]!;
        if (p.localBindPort === port || p.destinationName === name) f |= MAY_UPSTREAMS;
      }
      if (name === service) f |= MAY_UPSTREAMS;
      const dc = u.datacenter;
      if (dc !== undefined && dc !== this.knownDc) {
        if (this.dcs.has(dc)) this.knownDc = dc;
        else f |= MAY_UPSTREAMS;
      }
      let denies = mine?.get(name) ?? fromStar?.get(name);
      if (denies === undefined) {
        if (!wildcardRead) {
          wildcard = mine?.get('*') ?? fromStar?.get('*');
          wildcardRead = true;
        }
        denies = wildcard;
      }
      // No deciding source: the ACL default policy decides.
      if (denies ?? defaultDeny) f |= MAY_INTENTIONS;
      // check-consistency: a configured protocol is the upstream's `config.protocol` or the caller's UpstreamConfig.
      if (!protocolCaller && typeof u.config?.protocol === 'string') f |= MAY_PROTOCOL;
    }
    flags[n] = f;
    this.any |= f;
  }

  /** The facts, once every instance is read. */
  facts(): DeclFacts {
    const { bySource, services, intentionDecls, instances } = this;
    // The names intentions use that no `model.services` entry declares (usually none: a service's instances are
    // declared with it); only those are looked for among the instances' services (no set of every instance's service).
    const undeclared = new Set<string>();
    for (const name of bySource.keys()) if (name !== '*' && !services.has(name)) undeclared.add(name);
    for (const d of intentionDecls) {
      const name = d.entry.Name;
      if (name !== '*' && !services.has(name)) undeclared.add(name);
    }
    for (let n = 0; n < instances.length && undeclared.size > 0; n++) undeclared.delete(instances[n]!.service);
    const intentionNamesUnknown = undeclared.size > 0;
    return {
      datacenters: this.dcFacts,
      flags: this.flags,
      any: this.any,
      instanceDatacenters: this.instanceDatacenters,
      intentionDecls,
      intentionNamesUnknown,
    };
  }
}

/**
 * Fills `read.paths` with the path keys of the instances before `n` in datacenter `dc` (those without a VM address:
 * the instances whose keys were proven distinct by their order, not hashed) and switches it to hashing.
 */
function hashEarlierPaths(
  instances: readonly ServiceInstanceDecl[],
  n: number,
  dc: string,
  read: DatacenterRead,
): void {
  for (let m = 0; m < n; m++) {
    const i = instances[m]!;
    if (i.datacenter === dc && !(read.vm && i.address)) read.paths.add(i.path);
  }
  read.pathsHashed = true;
  read.lastPath = undefined;
}

/** The reading state of a datacenter, from its first declaration (null: not declared, check-platform skips it). */
function datacenterRead(model: MeshModel, name: string): DatacenterRead | null {
  const decl = model.datacenters.find((d) => d.name === name);
  if (!decl) return null;
  const vm = decl.platform === 'vm';
  const read: DatacenterRead = {
    facts: { decl, mayClash: false, settingMode: [] },
    vm,
    kubernetes: decl.platform === 'kubernetes',
    addresses: new Set(),
    paths: new Set(),
    lastPath: undefined,
    pathsHashed: false,
  };
  if (vm) {
    for (const g of model.gateways) {
      if (g.datacenter !== name) continue;
      if (read.addresses.has(g.lan.address)) read.facts.mayClash = true;
      read.addresses.add(g.lan.address);
    }
  }
  return read;
}

/** Whether one of a list of upstreams sets a mode. */
function listSetsMode(list: readonly UpstreamDecl[]): boolean {
  for (const u of list) if (u.meshGateway) return true;
  return false;
}

/** Reused by `ownClaimsClash` for one instance's claims (no arrays per instance). */
const claimBinds: string[] = [];
const claimPorts: number[] = [];

/** Whether two of one instance's port claims (as `checkHostPorts` makes them) are the same bind address and port. */
export function ownClaimsClash(i: ServiceInstanceDecl, sidecarPort: number | undefined): boolean {
  return claimsClash(i.address, i.port, i.upstreams, i.peerUpstreams, sidecarPort);
}

/** `ownClaimsClash` of an instance with these fields (read once by the caller). */
function claimsClash(
  address: string | undefined,
  port: number,
  upstreams: readonly UpstreamDecl[],
  peers: readonly UpstreamDecl[] | undefined,
  sidecarPort: number | undefined,
): boolean {
  let n = 0;
  const addr = address ?? '0.0.0.0';
  claimBinds[n] = addr;
  claimPorts[n++] = port;
  if (sidecarPort !== undefined) {
    claimBinds[n] = addr;
    claimPorts[n++] = sidecarPort;
  }
  for (let k = 0; k < upstreams.length; k++) {
    const u = upstreams[k]!;
    claimBinds[n] = u.localBindAddress ?? '127.0.0.1';
    claimPorts[n++] = u.localBindPort;
  }
  if (peers) {
    for (let k = 0; k < peers.length; k++) {
      const u = peers[k]!;
      claimBinds[n] = u.localBindAddress ?? '127.0.0.1';
      claimPorts[n++] = u.localBindPort;
    }
  }
  for (let a = 1; a < n; a++) {
    for (let b = 0; b < a; b++) if (claimPorts[a] === claimPorts[b] && claimBinds[a] === claimBinds[b]) return true;
  }
  return false;
}
