/**
 * A `service-splitter` config entry: shares of one HTTP service's traffic sent to subsets or other services (a canary,
 * a migration). Weights are percentages with at most two decimals and must add up to exactly 100 (Consul's rule,
 * checked when the splitter is created).
 */
import type { ServiceSplit, ServiceSplitterEntry } from '../model/entries.ts';
import { scaleWeight } from '../model/split-weight.ts';
import { validateEntry } from '../model/validate-entry.ts';
import { type HeaderModifiers, lowerHeaderModifiers } from './http-headers.ts';
import { MeshConstruct } from './internal/base.ts';
import type { ServiceRef } from './internal/service-ref.ts';
import type { Mesh } from './mesh.ts';

/** One share of the traffic. */
export interface SplitProps {
  /** Percentage of requests, 0-100 (0.01 steps). */
  readonly weight: number;
  /** Another service (a `Service` construct or its name); default the splitter's own service. */
  readonly service?: ServiceRef | string;
  /** A subset defined by that service's service-resolver. */
  readonly serviceSubset?: string;
  readonly namespace?: string;
  readonly partition?: string;
  readonly requestHeaders?: HeaderModifiers;
  readonly responseHeaders?: HeaderModifiers;
}

/** Properties for {@link ServiceSplitter}. */
export interface ServiceSplitterProps {
  /** The shares, adding up to 100. */
  readonly splits: readonly SplitProps[];
  /** Extra `Meta` keys. */
  readonly meta?: Readonly<Record<string, string>>;
}

const serviceName = (s: ServiceRef | string): string => (typeof s === 'string' ? s : s.name);

function lowerSplit(s: SplitProps): ServiceSplit {
  const req = lowerHeaderModifiers(s.requestHeaders);
  const res = lowerHeaderModifiers(s.responseHeaders);
  return {
    // As Consul stores it (`NormalizeServiceSplitWeight`): 0.01 steps, so reading it back shows no drift.
    Weight: scaleWeight(s.weight) / 100,
    ...(s.service !== undefined ? { Service: serviceName(s.service) } : {}),
    ...(s.serviceSubset ? { ServiceSubset: s.serviceSubset } : {}),
    ...(s.namespace ? { Namespace: s.namespace } : {}),
    ...(s.partition ? { Partition: s.partition } : {}),
    ...(req ? { RequestHeaders: req } : {}),
    ...(res ? { ResponseHeaders: res } : {}),
  };
}

export class ServiceSplitter extends MeshConstruct {
  readonly serviceName: string;

  constructor(
    scope: Mesh,
    service: ServiceRef | string,
    readonly props: ServiceSplitterProps,
  ) {
    const name = serviceName(service);
    super(scope, `service-splitter-${name}`);
    this.serviceName = name;
    this.checkName('service', name);
    (props.splits ?? []).forEach((s, i) => {
      if (typeof s.weight !== 'number' || !Number.isFinite(s.weight) || s.weight < 0 || s.weight > 100)
        this.fail(`splits[${i}].weight`, 'must be a number from 0 to 100', s.weight);
      if (s.service !== undefined) this.checkName(`splits[${i}].service`, serviceName(s.service));
      if (s.serviceSubset !== undefined) this.checkName(`splits[${i}].serviceSubset`, s.serviceSubset);
    });
    this.checkConsul('splits', validateEntry(this._toEntry())[0], props.splits);
  }

  /** The shares in Consul's shape. */
  get splits(): readonly ServiceSplit[] {
    return (this.props.splits ?? []).map(lowerSplit);
  }

  /** @internal Lowers to the Consul entry. */
  _toEntry(): ServiceSplitterEntry {
    return {
      Kind: 'service-splitter',
      Name: this.serviceName,
      Splits: this.splits,
      ...(this.props.meta ? { Meta: { ...this.props.meta } } : {}),
    };
  }
}
