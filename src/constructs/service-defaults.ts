/** A `service-defaults` config entry: settings for one service, including how it calls its upstreams. */
import type { ServiceDefaultsEntry, UpstreamConfigFields } from '../model/entries.ts';
import type { GatewayMode } from '../model/types.ts';
import type { Cluster } from './cluster.ts';
import { MeshConstruct } from './internal/base.ts';
import type { Mesh } from './mesh.ts';
import type { Service } from './service.ts';

/** Per-upstream settings the service applies as a caller (`UpstreamConfig`). */
export interface UpstreamSettings {
  readonly meshGateway?: GatewayMode;
  readonly protocol?: string;
  readonly connectTimeoutMs?: number;
}

/** Properties for {@link ServiceDefaults}. */
export interface ServiceDefaultsProps {
  /**
   * Protocol of the service.
   * @default - inherited from proxy-defaults ('tcp')
   */
  readonly protocol?: 'tcp' | 'http' | 'http2' | 'grpc';
  /**
   * Mesh-gateway mode for this service's proxies (as a caller).
   * @default - inherited
   */
  readonly meshGateway?: GatewayMode;
  /** Settings applied to every upstream of this service (`UpstreamConfig.Defaults`). */
  readonly upstreamDefaults?: UpstreamSettings;
  /** Settings for named upstreams (`UpstreamConfig.Overrides`), keyed by destination service name. */
  readonly upstreamOverrides?: Readonly<Record<string, UpstreamSettings>>;
  /** Extra `Meta` keys. */
  readonly meta?: Readonly<Record<string, string>>;
}

function fields(s: UpstreamSettings): UpstreamConfigFields {
  return {
    ...(s.connectTimeoutMs !== undefined ? { ConnectTimeoutMs: s.connectTimeoutMs } : {}),
    ...(s.protocol ? { Protocol: s.protocol } : {}),
    ...(s.meshGateway ? { MeshGateway: { Mode: s.meshGateway } } : {}),
  };
}

export class ServiceDefaults extends MeshConstruct {
  readonly serviceName: string;

  constructor(
    scope: Mesh | Cluster,
    service: Service | string,
    readonly props: ServiceDefaultsProps,
  ) {
    const name = typeof service === 'string' ? service : service.name;
    super(scope, `service-defaults-${name}`);
    this.serviceName = name;
    this.checkName('service', name);
    this.checkMode('meshGateway', props.meshGateway);
    this.checkMode('upstreamDefaults.meshGateway', props.upstreamDefaults?.meshGateway);
    for (const [k, v] of Object.entries(props.upstreamOverrides ?? {})) {
      this.checkName(`upstreamOverrides.${k}`, k);
      this.checkMode(`upstreamOverrides.${k}.meshGateway`, v.meshGateway);
    }
  }

  /** @internal Lowers to the Consul entry. */
  _toEntry(): ServiceDefaultsEntry {
    const p = this.props;
    const overrides = Object.entries(p.upstreamOverrides ?? {}).map(([Name, s]) => ({ Name, ...fields(s) }));
    const upstreamConfig = {
      ...(overrides.length ? { Overrides: overrides } : {}),
      ...(p.upstreamDefaults ? { Defaults: fields(p.upstreamDefaults) } : {}),
    };
    return {
      Kind: 'service-defaults',
      Name: this.serviceName,
      ...(p.protocol ? { Protocol: p.protocol } : {}),
      ...(p.meshGateway ? { MeshGateway: { Mode: p.meshGateway } } : {}),
      ...(Object.keys(upstreamConfig).length ? { UpstreamConfig: upstreamConfig } : {}),
      ...(p.meta ? { Meta: { ...p.meta } } : {}),
    };
  }
}
