/** Mesh-gateway mode. Consul's `""` (default, i.e. unset) is represented by `undefined`. */
export type GatewayMode = 'none' | 'local' | 'remote';
