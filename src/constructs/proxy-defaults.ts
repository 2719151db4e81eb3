/** The global `proxy-defaults` config entry: mesh-wide proxy settings, such as the default mesh-gateway mode. */
import type { ProxyDefaultsEntry } from '../model/entries.ts';
import type { GatewayMode } from '../model/types.ts';
import type { Cluster } from './cluster.ts';
import { MeshConstruct } from './internal/base.ts';
import type { Mesh } from './mesh.ts';

/** Properties for {@link ProxyDefaults}. */
export interface ProxyDefaultsProps {
  /**
   * Mesh-gateway mode for every proxy (lowest explicit layer of the precedence ladder).
   * @default - unset ('none')
   */
  readonly meshGateway?: GatewayMode;
  /**
   * Default protocol of every service (`Config.protocol`).
   * @default - unset ('tcp')
   */
  readonly protocol?: 'tcp' | 'http' | 'http2' | 'grpc';
  /** Extra opaque proxy `Config` keys. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Extra `Meta` keys (meshcc adds its ownership keys). */
  readonly meta?: Readonly<Record<string, string>>;
}

export class ProxyDefaults extends MeshConstruct {
  constructor(
    scope: Mesh | Cluster,
    readonly props: ProxyDefaultsProps = {},
  ) {
    super(scope, 'proxy-defaults');
    this.checkMode('meshGateway', props.meshGateway);
  }

  /** @internal Lowers to the Consul entry. */
  _toEntry(): ProxyDefaultsEntry {
    const config = { ...(this.props.config ?? {}), ...(this.props.protocol ? { protocol: this.props.protocol } : {}) };
    return {
      Kind: 'proxy-defaults',
      Name: 'global',
      ...(Object.keys(config).length ? { Config: config } : {}),
      ...(this.props.meshGateway ? { MeshGateway: { Mode: this.props.meshGateway } } : {}),
      ...(this.props.meta ? { Meta: { ...this.props.meta } } : {}),
    };
  }
}
