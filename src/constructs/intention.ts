/**
 * An intention: allows or denies traffic from a source service to a destination service. Intentions for the same
 * destination are merged into one `service-intentions` config entry.
 */

import type { Cluster } from './cluster.ts';
import { MeshConstruct } from './internal/base.ts';
import type { Mesh } from './mesh.ts';
import type { Service } from './service.ts';

/** Properties for {@link Intention}. */
export interface IntentionProps {
  /** The calling service, or `*` for every service. */
  readonly source: Service | string;
  /** The called service, or `*`. */
  readonly destination: Service | string;
  /** `allow` or `deny`. */
  readonly action: 'allow' | 'deny';
  /** The source is a service of this cluster peer (this cluster's name for it), not a local one. */
  readonly sourcePeer?: string;
  /** Free-text description stored with the intention. */
  readonly description?: string;
}

const nameOf = (s: Service | string): string => (typeof s === 'string' ? s : s.name);

export class Intention extends MeshConstruct {
  readonly sourceName: string;
  readonly destinationName: string;

  constructor(
    scope: Mesh | Cluster,
    id: string,
    readonly props: IntentionProps,
  ) {
    super(scope, id);
    this.sourceName = nameOf(props.source);
    this.destinationName = nameOf(props.destination);
    if (this.sourceName !== '*') this.checkName('source', this.sourceName);
    if (this.destinationName !== '*') this.checkName('destination', this.destinationName);
    if (props.sourcePeer !== undefined) this.checkName('sourcePeer', props.sourcePeer);
    if (props.action !== 'allow' && props.action !== 'deny')
      this.fail('action', "must be 'allow' or 'deny'", props.action);
  }
}
