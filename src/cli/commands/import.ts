/** `meshcc import --from-consul ADDR --out DIR`: write an environment that reproduces a live Consul's entries. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { clientFrom, connectionOptions, connectionUsage, consulErrorLine } from '../../reconcile/cli-context.ts';
import type { ConsulClient } from '../../reconcile/consul-client.ts';
import { ConsulHttpError, ConsulTransportError } from '../../reconcile/consul-client.ts';
import { type ImportedGateway, importEnvironment } from '../../reconcile/import.ts';
import { type Command, Exit, parseCommandArgs, UsageError } from '../command.ts';

const usage = `Usage: meshcc import --from-consul ADDR --out DIR [--dc DC] [--name NAME] [connection options]

Reads every config entry of the meshcc kinds from Consul (one request per kind) and writes an environment:
DIR/entries/<kind>--<name>.json (Consul API JSON without server fields) and DIR/mesh.ts declaring the mesh and its
datacenters. 'meshcc plan DIR --adopt' then takes the entries over without changing them.

Options:
  --from-consul ADDR   Consul HTTP address to read (same as --consul)
  --out DIR            output directory (created)
  --name NAME          environment name (default: the directory name)
  --match REGEX        import only entries whose name matches REGEX

${connectionUsage}
`;

interface CatalogService {
  readonly ServiceName: string;
  readonly ServiceKind?: string;
  readonly ServiceAddress?: string;
  readonly Address?: string;
  readonly ServicePort: number;
  readonly ServiceTaggedAddresses?: Record<string, { Address: string; Port: number }>;
}

/** The mesh gateways registered in a datacenter (kind `mesh-gateway`); none when the DC cannot be read. */
async function gatewaysIn(client: ConsulClient, dc: string): Promise<ImportedGateway[]> {
  try {
    const quick = client.withBudget(2_000);
    const names =
      (await quick.request<Record<string, string[]>>('GET', '/v1/catalog/services', { query: { dc } })).body ?? {};
    const out: ImportedGateway[] = [];
    for (const name of Object.keys(names).sort()) {
      const rows =
        (
          await quick.request<CatalogService[]>('GET', `/v1/catalog/service/${encodeURIComponent(name)}`, {
            query: { dc },
          })
        ).body ?? [];
      const g = rows.find((r) => r.ServiceKind === 'mesh-gateway');
      if (!g) continue;
      const wan = g.ServiceTaggedAddresses?.wan;
      out.push({
        dc,
        name,
        lan: { address: g.ServiceAddress || g.Address || '', port: g.ServicePort },
        ...(wan ? { wan: { address: wan.Address, port: wan.Port } } : {}),
      });
    }
    return out;
  } catch {
    return [];
  }
}

const importCommand: Command = {
  name: 'import',
  summary: 'write an environment reproducing a live Consul',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        ...connectionOptions,
        'from-consul': { type: 'string' },
        out: { type: 'string' },
        name: { type: 'string' },
        match: { type: 'string' },
      },
      false,
    );
    if (positionals.length > 0) throw new UsageError('unexpected arguments');
    if (!values.out) throw new UsageError('--out DIR is required');
    const from = values['from-consul'] ?? values.consul;
    const client = clientFrom({ ...values, ...(from ? { consul: from } : {}) }, io);
    const out = resolve(io.cwd, values.out);
    try {
      const self = await client.self();
      const dc = values.dc ?? self.datacenter;
      const match = values.match ? new RegExp(values.match) : undefined;
      const [all, datacenters] = await Promise.all([client.listAll(dc), client.datacenters()]);
      const entries = match ? all.filter((e) => match.test(e.Name)) : all;
      let clusterId = '00000000-0000-0000-0000-000000000000';
      try {
        const ca = await client.request<{ Config?: { ClusterID?: string } }>('GET', '/v1/connect/ca/configuration');
        clusterId = ca.body.Config?.ClusterID ?? clusterId;
      } catch {
        // needs operator:read; keep the placeholder
      }
      const gateways = (await Promise.all(datacenters.map((d) => gatewaysIn(client, d)))).flat();
      const files = importEnvironment({
        name: values.name ?? basename(out),
        entries,
        datacenters,
        gateways,
        primary: self.primary,
        clusterId,
      });
      for (const f of files) {
        mkdirSync(dirname(join(out, f.path)), { recursive: true });
        writeFileSync(join(out, f.path), f.content);
      }
      io.stdout(`imported ${entries.length} config entries from ${client.addr} (dc ${dc}) into ${values.out}\n`);
      return Exit.ok;
    } catch (e) {
      if (e instanceof ConsulHttpError || e instanceof ConsulTransportError) {
        io.stderr(consulErrorLine('import', e));
        return Exit.error;
      }
      throw e;
    }
  },
};

export default importCommand;
