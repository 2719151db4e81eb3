/**
 * Import: turns the live config entries of a Consul cluster into a meshcc environment directory — `entries/` with one
 * JSON file per entry (server fields, default values and meshcc's ownership `Meta` removed) and a minimal `mesh.ts`
 * declaring the mesh and its datacenters. Pure apart from the reads done by the caller.
 */
import type { Artifact } from '../emit/artifact.ts';
import { stableJson } from '../emit/artifact.ts';
import { ENVIRONMENT_KEY, MANAGED_BY_KEY } from '../model/types.ts';
import type { LiveEntry } from './consul-client.ts';
import { normalizeEntry } from './normalize.ts';

/** A mesh gateway instance found in a datacenter's catalog. */
export interface ImportedGateway {
  readonly dc: string;
  readonly name: string;
  readonly lan: { readonly address: string; readonly port: number };
  readonly wan?: { readonly address: string; readonly port: number };
}

export interface ImportInput {
  readonly name: string;
  /** Mesh gateways per datacenter (from `/v1/catalog/service/<gateway>?dc=`); a multi-DC mesh needs one per DC. */
  readonly gateways?: readonly ImportedGateway[];
  readonly entries: readonly LiveEntry[];
  readonly datacenters: readonly string[];
  readonly primary: string;
  readonly clusterId: string;
}

function fileName(kind: string, name: string): string {
  return `entries/${kind}--${name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

/** The entry as written to `entries/`: canonical, without server fields or meshcc's ownership keys. */
export function importedEntry(e: LiveEntry): Record<string, unknown> {
  const n: Record<string, unknown> = normalizeEntry(e, { durations: false });
  // The mesh entry has no Name field in Consul (an entry file with one is rejected).
  if (n.Kind === 'mesh') delete n.Name;
  const meta = { ...((n.Meta as Record<string, string> | undefined) ?? {}) };
  delete meta[MANAGED_BY_KEY];
  delete meta[ENVIRONMENT_KEY];
  if (Object.keys(meta).length > 0) n.Meta = meta;
  else delete n.Meta;
  return n;
}

function tsString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The files of the imported environment, sorted by path. */
export function importEnvironment(input: ImportInput): Artifact[] {
  const files: Artifact[] = input.entries.map((e) => ({
    path: fileName(e.Kind, e.Name),
    content: stableJson(importedEntry(e)),
  }));
  const dcs = [...input.datacenters].sort();
  const lines = [
    '/**',
    ` * Imported by \`meshcc import\` from a live Consul (${dcs.length} datacenter(s), ${input.entries.length} config entries).`,
    ' * The config entries are in entries/ (Consul API JSON). Services, gateways and instances are not imported: add',
    ' * them as constructs.',
    ' */',
    `import { Datacenter, Mesh${dcs.length > 1 ? ', MeshGateway' : ''} } from 'meshcc';`,
    '',
    `const mesh = new Mesh(${tsString(input.name)}, { clusterId: ${tsString(input.clusterId)} });`,
    '',
    ...dcs.flatMap((dc, i) => {
      const v = `dc${i + 1}`;
      const out = [
        `const ${v} = new Datacenter(mesh, ${tsString(dc)}, { ${dc === input.primary ? 'primary: true, ' : ''}platform: 'vm' });`,
      ];
      if (dcs.length < 2) return out;
      const gws = (input.gateways ?? []).filter((g) => g.dc === dc);
      if (gws.length === 0) {
        out.push(
          `// TODO: no mesh gateway is registered in ${dc}'s catalog; replace these placeholder (TEST-NET) addresses.`,
          `new MeshGateway(${v}, 'mesh-gateway', { lan: { address: '192.0.2.${i + 1}', port: 8443 }, wan: { address: '198.51.100.${i + 1}', port: 443 } });`,
        );
      }
      for (const g of gws) {
        const wan = g.wan ? `, wan: { address: ${tsString(g.wan.address)}, port: ${g.wan.port} }` : '';
        out.push(
          `new MeshGateway(${v}, ${tsString(g.name)}, { lan: { address: ${tsString(g.lan.address)}, port: ${g.lan.port} }${wan} });`,
        );
      }
      return out;
    }),
    '',
    'export default mesh;',
    '',
  ];
  files.push({ path: 'mesh.ts', content: lines.join('\n') });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
