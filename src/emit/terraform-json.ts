/**
 * Terraform JSON for the config entries: `terraform/main.tf.json`, one `consul_config_entry` per effective entry,
 * with the `consul` provider pointed at the primary datacenter (address from `var.consul_address`; the token comes
 * from `CONSUL_HTTP_TOKEN`, never from this file).
 *
 * Synthesized with cdktn, the maintained continuation of the archived CDK for Terraform (cdktf). This is the only
 * module that loads it, in `cdk()` below: swapping the CDK package back to `cdktf` is a one-line change. It is loaded
 * on first use, not on import: cdktn costs ~20 MB of memory and its load time, which every command that imports the
 * emitters (plan, drift, chain, explain, the compile benchmark) would otherwise pay without writing Terraform.
 * The stack is synthesized in memory (`toTerraform()` under a bare construct root), never through an App writing
 * to disk, so the emitter stays pure.
 */
import { createRequire } from 'node:module';
import type * as Cdktn from 'cdktn';
import { Construct } from 'constructs';
import type { Compilation } from '../compiler/types.ts';
import { type ConfigEntry, entryKey, type MeshEntry, type ServiceIntentionsEntry } from '../model/entries.ts';
import { byString } from '../model/topology.ts';
import { type Artifact, sortKeys, stableJson } from './artifact.ts';

/** Version constraint of the hashicorp/consul provider the output is written for. */
export const CONSUL_PROVIDER_VERSION = '~> 2.21';

/** The cdktn classes meshcc uses, with its two provider/resource classes, loaded once on first use. */
interface Cdk {
  readonly TerraformStack: typeof Cdktn.TerraformStack;
  readonly TerraformVariable: typeof Cdktn.TerraformVariable;
  readonly ConsulProvider: new (scope: Construct, attrs: Record<string, unknown>) => Cdktn.TerraformProvider;
  readonly ConsulConfigEntry: new (
    scope: Construct,
    id: string,
    attrs: Record<string, unknown>,
  ) => Cdktn.TerraformResource;
}

let loaded: Cdk | undefined;

function cdk(): Cdk {
  if (loaded) return loaded;
  const { TerraformProvider, TerraformResource, TerraformStack, TerraformVariable } = createRequire(import.meta.url)(
    'cdktn',
  ) as typeof Cdktn;

  class ConsulProvider extends TerraformProvider {
    constructor(
      scope: Construct,
      private readonly attrs: Record<string, unknown>,
    ) {
      super(scope, 'consul', {
        terraformResourceType: 'consul',
        terraformProviderSource: 'hashicorp/consul',
        terraformGeneratorMetadata: { providerName: 'consul', providerVersionConstraint: CONSUL_PROVIDER_VERSION },
      });
    }

    protected override synthesizeAttributes(): Record<string, unknown> {
      return this.attrs;
    }
  }

  class ConsulConfigEntry extends TerraformResource {
    constructor(
      scope: Construct,
      id: string,
      private readonly attrs: Record<string, unknown>,
    ) {
      super(scope, id, { terraformResourceType: 'consul_config_entry' });
    }

    protected override synthesizeAttributes(): Record<string, unknown> {
      return this.attrs;
    }
  }

  loaded = { TerraformStack, TerraformVariable, ConsulProvider, ConsulConfigEntry };
  return loaded;
}

/**
 * Intention precedence as Consul computes it on write (`structs.Intention.UpdatePrecedence`), for OSS where both
 * namespaces are exact: exact destination 9 (exact source) / 8 (wildcard source), wildcard destination 6 / 5.
 */
export function intentionPrecedence(source: string, destination: string): number {
  const base = destination === '*' ? 6 : 9;
  return source === '*' ? base - 1 : base;
}

/**
 * The entry with every field Consul fills in on write made explicit (checked against a real Consul 1.22 server in
 * test/emit/consul-acl.test.ts), so what Terraform wrote equals what it reads back and a plan after apply is empty:
 * the mesh entry `TransparentProxy.MeshDestinationsOnly: false`; proxy-defaults get empty `AccessLogs`/`Expose`/`MeshGateway`/`TransparentProxy` and a null `Config`;
 * service-defaults empty `Expose`/`MeshGateway`/`TransparentProxy` and `Protocol: ""`; intention sources `Type: "consul"` and their `Precedence`.
 */
export function withServerDefaults(e: ConfigEntry): Record<string, unknown> {
  switch (e.Kind) {
    case 'proxy-defaults':
      return { AccessLogs: {}, Expose: {}, MeshGateway: {}, TransparentProxy: {}, ...e, Config: e.Config ?? null };
    case 'service-defaults':
      return { Expose: {}, MeshGateway: {}, TransparentProxy: {}, Protocol: '', ...e };
    case 'mesh': {
      const m = e as MeshEntry;
      return { ...m, TransparentProxy: { MeshDestinationsOnly: false, ...m.TransparentProxy } };
    }
    case 'service-intentions': {
      const i = e as ServiceIntentionsEntry;
      return {
        ...i,
        Sources: i.Sources.map((s) => ({
          ...s,
          Type: s.Type ?? 'consul',
          Precedence: intentionPrecedence(s.Name, i.Name),
        })),
      };
    }
    default:
      return { ...e };
  }
}

/** Terraform resource name of an entry: `<kind>_<name>`, with characters Terraform refuses replaced by `_`. */
export function resourceName(e: ConfigEntry): string {
  return `${e.Kind}_${e.Name}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** The Terraform JSON document (as an object) for a compilation. */
export function terraformDocument(c: Compilation): unknown {
  const { TerraformStack, TerraformVariable, ConsulProvider, ConsulConfigEntry } = cdk();
  const root = new Construct(undefined as unknown as Construct, '');
  const stack = new TerraformStack(root, 'meshcc');
  const address = new TerraformVariable(stack, 'consul_address', {
    type: 'string',
    default: 'http://127.0.0.1:8500',
    description: `HTTP(S) address of a Consul agent or server in the primary datacenter (${c.model.primaryDatacenter})`,
  });
  new ConsulProvider(stack, { address: address.stringValue, datacenter: c.model.primaryDatacenter });
  const entries = [...c.entries].sort((a, b) => byString(entryKey(a), entryKey(b)));
  for (const e of entries) {
    const { Kind, Name, Namespace, Partition, ...rest } = withServerDefaults(e);
    new ConsulConfigEntry(stack, resourceName(e), {
      kind: Kind,
      name: Name,
      ...(Namespace && Namespace !== 'default' ? { namespace: Namespace } : {}),
      ...(Partition && Partition !== 'default' ? { partition: Partition } : {}),
      config_json: JSON.stringify(sortKeys(rest)),
    });
  }
  return stack.toTerraform();
}

/** Emits `terraform/main.tf.json`. */
export function emitTerraformJson(c: Compilation): Artifact[] {
  return [{ path: 'terraform/main.tf.json', content: stableJson(terraformDocument(c)) }];
}
