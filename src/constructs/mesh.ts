/**
 * The root of an environment: one Consul service mesh spanning WAN-federated datacenters.
 */
import { Construct } from 'constructs';
import type { SourceSpan } from '../model/types.ts';
import { ConstructArgError } from './internal/errors.ts';
import { captureUserSpan } from './internal/source-span.ts';

const MESH_BRAND = Symbol.for('meshcc.Mesh');
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Properties for {@link Mesh}. */
export interface MeshProps {
  /**
   * The Connect CA's cluster ID (a UUID). The trust domain, and the tail of every SNI name, is `<clusterId>.consul`.
   */
  readonly clusterId: string;
  /**
   * Consul's ACL default policy. With `deny`, service-to-service traffic needs an allowing intention.
   * @default 'allow'
   */
  readonly aclDefaultPolicy?: 'allow' | 'deny';
  /**
   * Whether ACLs are enabled in every datacenter.
   * @default - true when aclDefaultPolicy is 'deny', else false
   */
  readonly aclsEnabled?: boolean;
}

/** The mesh: create datacenters, services, config entries and intentions inside it. */
export class Mesh extends Construct {
  /** Checks whether a value is a Mesh (works across copies of the library). */
  static isMesh(x: unknown): x is Mesh {
    return typeof x === 'object' && x !== null && MESH_BRAND in x;
  }

  readonly span: SourceSpan | undefined;
  readonly clusterId: string;
  readonly aclDefaultPolicy: 'allow' | 'deny';
  readonly aclsEnabled: boolean;

  /**
   * @param name the environment name; written into every entry's `Meta` so plan/prune know what they own.
   */
  constructor(name: string, props: MeshProps) {
    // biome-ignore lint/suspicious/noExplicitAny: constructs creates a root when the scope is undefined
    super(undefined as any, name);
    Object.defineProperty(this, MESH_BRAND, { value: true });
    this.span = captureUserSpan();
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name))
      throw new ConstructArgError(
        name || '<root>',
        'name',
        'must be lower-case letters, digits and dashes',
        JSON.stringify(name),
        this.span,
      );
    if (typeof props?.clusterId !== 'string' || !UUID_RE.test(props.clusterId))
      throw new ConstructArgError(name, 'clusterId', 'must be a UUID', JSON.stringify(props?.clusterId), this.span);
    const policy = props.aclDefaultPolicy ?? 'allow';
    if (policy !== 'allow' && policy !== 'deny')
      throw new ConstructArgError(
        name,
        'aclDefaultPolicy',
        "must be 'allow' or 'deny'",
        JSON.stringify(policy),
        this.span,
      );
    this.clusterId = props.clusterId.toLowerCase();
    this.aclDefaultPolicy = policy;
    this.aclsEnabled = props.aclsEnabled ?? policy === 'deny';
  }

  /** The SPIFFE trust domain, `<clusterId>.consul` in lower case (Consul's `SpiffeIDSigning.Host()`). */
  get trustDomain(): string {
    return `${this.clusterId}.consul`;
  }
}
