/** The `exported-services` entry of one cluster: which of its services each peer may import. */
import type { ExportedServicesEntry } from '../model/entries.ts';
import type { Cluster } from './cluster.ts';
import { MeshConstruct } from './internal/base.ts';
import type { ServiceRef } from './internal/service-ref.ts';

/** Properties for {@link ExportedServices}. */
export interface ExportedServicesProps {
  /** Service name (or `*`) → the peer names (this cluster's names for its peers) that may import it. */
  readonly services: ReadonlyArray<{ readonly service: ServiceRef | string; readonly peers: readonly string[] }>;
}

export class ExportedServices extends MeshConstruct {
  constructor(
    readonly cluster: Cluster,
    readonly props: ExportedServicesProps,
  ) {
    super(cluster, 'exported-services');
    for (const s of props.services) {
      const name = typeof s.service === 'string' ? s.service : s.service.name;
      if (name !== '*') this.checkName('services.service', name);
      for (const p of s.peers) this.checkName('services.peers', p);
    }
  }

  /** @internal Lowers to the Consul entry (partition `default`: Name `default`). */
  _toEntry(): ExportedServicesEntry {
    return {
      Kind: 'exported-services',
      Name: 'default',
      Services: this.props.services.map((s) => ({
        Name: typeof s.service === 'string' ? s.service : s.service.name,
        Consumers: s.peers.map((Peer) => ({ Peer })),
      })),
    };
  }
}
