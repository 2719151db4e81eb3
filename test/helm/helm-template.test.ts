/**
 * Renders the real consul-k8s chart (`helm template`, offline) with the Helm values meshcc writes for every
 * Kubernetes datacenter of the hand-built fixtures and of every example environment, and checks in the rendered
 * manifests what a user relies on, derived from the mesh model rather than from the values file:
 *
 * - the mesh gateway Deployment (replicas, container port, WAN address source, the WAN address and port the gateway
 *   advertises) and its Service (type, port, target port, node port);
 * - the Consul servers: datacenter, server count, connect, TLS (HTTPS-only, verify incoming), ACLs (default deny,
 *   token replication in secondaries), WAN federation through mesh gateways (primary datacenter, primary gateways);
 * - federation secret references: the primary's create-federation-secret Job; in secondaries the CA certificate,
 *   CA key, replication token and server config (`serverConfigJSON`) taken from the federation secret by name and key;
 * - connect injection (injector Deployment and webhook), ACL bootstrap (server-acl-init Job with its federation flags).
 *
 * Also checks every key meshcc writes exists in the chart's values.yaml (the chart has no schema and ignores unknown
 * keys). helm and the chart are required under MESHCC_REQUIRE_CHART=1 / MESHCC_REQUIRE_PEERS=1 (CI); a values file
 * the chart refuses fails its case with helm's message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { Compilation } from '../../src/compiler/types.ts';
import { emitHelmValues, FederationSecretKeys, helmValues, valueKeyPaths } from '../../src/emit/helm-values.ts';
import { gatewaysIn, isFederated, wanAddresses } from '../../src/model/topology.ts';
import type { DatacenterDecl } from '../../src/model/types.ts';
import { allEnvironmentCompilations } from '../emit/environments.ts';
import { fixtures } from '../emit/fixtures.ts';
import { chart, type Manifest, renderOk, skipChart } from './chart.ts';

/** Whichever test of a datacenter runs first renders the chart (seconds; more on a loaded 2-core machine). */
const RENDER_TIMEOUT = 120_000;

function hasPath(values: unknown, path: string): boolean {
  let cur = values;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(seg in cur)) return false;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return true;
}

async function kubernetesCases() {
  const comps: [string, Compilation][] = [
    ...Object.entries(fixtures).map(([n, f]) => [n, f()] as [string, Compilation]),
    ...(await allEnvironmentCompilations()),
  ];
  return comps.flatMap(([name, c]) =>
    c.model.datacenters.filter((d) => d.platform === 'kubernetes').map((dc) => ({ name, dc: dc.name, c })),
  );
}

interface Volume {
  name: string;
  secret?: { secretName: string; items?: { key: string; path: string }[] };
}
interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort: number }[];
}
interface PodSpec {
  volumes?: Volume[];
  containers: Container[];
  initContainers?: Container[];
}
interface Workload {
  replicas?: number;
  template: { metadata: { annotations?: Record<string, string> }; spec: PodSpec };
}

/** The rendered manifests of one datacenter, with lookups that fail with the missing object's name. */
class Rendered {
  constructor(readonly manifests: Manifest[]) {}

  find(kind: string, name: string): Manifest | undefined {
    return this.manifests.find((m) => m.kind === kind && m.metadata.name === name);
  }

  get(kind: string, name: string): Manifest {
    const m = this.find(kind, name);
    if (!m) throw new Error(`rendered chart has no ${kind} ${name}`);
    return m;
  }

  workload(kind: string, name: string): Workload {
    return this.get(kind, name).spec as unknown as Workload;
  }

  /** A JSON document of a ConfigMap (`server.json`, `tls-config.json`, ...). */
  configJson(name: string, key: string): Record<string, unknown> | undefined {
    const text = this.get('ConfigMap', name).data?.[key];
    return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
  }

  /** Every (workload, secret name, key) a pod volume takes from a Secret. */
  secretRefs(): { workload: string; secret: string; key: string }[] {
    return this.manifests.flatMap((m) => {
      const pod = (m.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
      return (pod?.volumes ?? []).flatMap((v) =>
        v.secret
          ? (v.secret.items ?? [{ key: '*', path: '' }]).map((i) => ({
              workload: `${m.kind}/${m.metadata.name}`,
              secret: v.secret!.secretName,
              key: i.key,
            }))
          : [],
      );
    });
  }
}

/** The command line of a container: command and args as one string. */
function commandLine(c: Container): string {
  return [...(c.command ?? []), ...(c.args ?? [])].join(' ');
}

function envOf(c: Container, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}

describe.skipIf(skipChart)('the real consul-k8s chart', async () => {
  const cases = await kubernetesCases();

  it('has Kubernetes datacenters to render (fixtures and example environments)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
    expect(cases.some((k) => k.name.startsWith('env '))).toBe(true);
  });

  it('knows every key meshcc writes', () => {
    const chartValues = yaml.load(readFileSync(join(chart!, 'values.yaml'), 'utf8'));
    for (const { c, dc } of cases) {
      const values = helmValues(c.model, c.model.datacenters.find((d) => d.name === dc)!);
      const unknown = valueKeyPaths(values).filter((p) => !hasPath(chartValues, p));
      expect(unknown, `${dc}: keys the chart does not define`).toEqual([]);
    }
  });

  describe.each(cases)('$name: $dc', ({ c, dc: name }) => {
    const model = c.model;
    const dc: DatacenterDecl = model.datacenters.find((d) => d.name === name)!;
    const prefix = dc.kubernetes?.releaseName ?? 'consul';
    const federated = isFederated(model);
    const isPrimary = dc.name === dc.primaryDatacenter;
    const primary = model.datacenters.find((d) => d.name === dc.primaryDatacenter)!;
    const secret = dc.kubernetes?.federationSecretName || `${prefix}-federation`;
    let rendered: Rendered | undefined;
    const r = () => {
      if (!rendered) {
        // The values file exactly as `meshcc synth` writes it (<dc>/helm/values.yaml).
        const file = emitHelmValues(c).find((a) => a.path === `${dc.name}/helm/values.yaml`);
        if (!file) throw new Error(`no ${dc.name}/helm/values.yaml emitted`);
        rendered = new Rendered(renderOk(file.content, prefix, dc.kubernetes?.namespace ?? 'consul'));
      }
      return rendered;
    };

    it(
      'runs the mesh gateway Deployment and Service with the WAN address and port of the model',
      () => {
        const gw = gatewaysIn(model, dc.name)[0];
        if (!gw) {
          expect(r().find('Deployment', `${prefix}-mesh-gateway`)).toBeUndefined();
          return;
        }
        const dep = r().workload('Deployment', `${prefix}-mesh-gateway`);
        expect(dep.replicas).toBe(gw.instances);
        const ann = dep.template.metadata.annotations ?? {};
        const source = gw.wanAddressSource ?? 'Service';
        expect(ann['consul.hashicorp.com/gateway-kind']).toBe('mesh-gateway');
        expect(ann['consul.hashicorp.com/gateway-consul-service-name']).toBe(gw.name);
        expect(ann['consul.hashicorp.com/mesh-gateway-container-port']).toBe(String(gw.lan.port));
        expect(ann['consul.hashicorp.com/gateway-wan-address-source']).toBe(source);
        if (source === 'Static') expect(ann['consul.hashicorp.com/gateway-wan-address-static']).toBe(gw.wan?.address);
        // The WAN port the gateway registers with Consul: what other datacenters dial (primary_gateways, routes).
        if (gw.wan)
          expect(ann['consul.hashicorp.com/gateway-wan-port'], 'advertised WAN port').toBe(String(gw.wan.port));
        const container = dep.template.spec.containers.find((x) => x.name === 'mesh-gateway')!;
        expect(container.ports?.find((p) => p.name === 'gateway')?.containerPort).toBe(gw.lan.port);

        const svc = r().get('Service', `${prefix}-mesh-gateway`).spec as {
          type: string;
          ports: { port: number; targetPort: number; nodePort?: number }[];
        };
        expect(svc.type).toBe(gw.serviceType ?? 'LoadBalancer');
        expect(svc.ports[0]!.targetPort).toBe(gw.lan.port);
        if (gw.wan && (source !== 'Service' || svc.type !== 'NodePort')) expect(svc.ports[0]!.port).toBe(gw.wan.port);
        expect(svc.ports[0]!.nodePort).toBe(gw.nodePort);
      },
      RENDER_TIMEOUT,
    );

    it(
      'runs the Consul servers of the datacenter with connect, TLS and ACLs as declared',
      () => {
        const server = r().configJson(`${prefix}-server-config`, 'server.json')!;
        expect(server.datacenter).toBe(dc.name);
        expect(server.bootstrap_expect).toBe(dc.servers);
        expect(server.connect).toEqual({ enabled: true });
        expect(r().workload('StatefulSet', `${prefix}-server`).replicas).toBe(dc.servers);

        const tls = r().configJson(`${prefix}-server-config`, 'tls-config.json') as
          | { tls: { internal_rpc: { verify_incoming: boolean } }; ports: { http: number; https: number } }
          | undefined;
        if (dc.tls) {
          expect(tls?.tls.internal_rpc.verify_incoming).toBe(true);
          expect(tls?.ports).toEqual({ http: -1, https: 8501 });
        } else expect(tls).toBeUndefined();

        const acl = r().configJson(`${prefix}-server-config`, 'acl-config.json') as
          | { acl: { enabled: boolean; default_policy: string; enable_token_replication: boolean } }
          | undefined;
        if (model.aclsEnabled) {
          expect(acl?.acl.enabled).toBe(true);
          expect(acl?.acl.default_policy).toBe('deny');
          expect(acl?.acl.enable_token_replication === true, 'enable_token_replication').toBe(federated && !isPrimary);
        } else expect(acl).toBeUndefined();
      },
      RENDER_TIMEOUT,
    );

    it(
      'injects the connect sidecars when connect is on',
      () => {
        const injector = r().find('Deployment', `${prefix}-connect-injector`);
        const webhook = r().find('MutatingWebhookConfiguration', `${prefix}-connect-injector`);
        expect(!!injector, 'connect-injector Deployment').toBe(dc.connectEnabled);
        expect(!!webhook, 'connect-injector webhook').toBe(dc.connectEnabled);
      },
      RENDER_TIMEOUT,
    );

    it(
      'enables cluster peering in the injector exactly when the values ask for it',
      () => {
        // Peering values (global.peering.enabled) come from the peering emitter; whatever it writes must take effect.
        const values = helmValues(model, dc) as { global?: { peering?: { enabled?: boolean } } };
        const peering = values.global?.peering?.enabled === true;
        const injector = r().find('Deployment', `${prefix}-connect-injector`);
        if (!injector) {
          expect(peering, 'peering needs the connect injector').toBe(false);
          return;
        }
        const cmd = (injector.spec as unknown as Workload).template.spec.containers.map(commandLine).join('\n');
        expect(cmd.includes('-enable-peering=true'), '-enable-peering=true').toBe(peering);
        expect(!!r().find('CustomResourceDefinition', 'peeringacceptors.consul.hashicorp.com')).toBe(peering);
      },
      RENDER_TIMEOUT,
    );

    it(
      'bootstraps ACLs through the chart (server-acl-init), with replication across the federation',
      () => {
        const job = r().find('Job', `${prefix}-server-acl-init`);
        expect(!!job, 'server-acl-init Job').toBe(model.aclsEnabled);
        if (!job) return;
        const spec = (job.spec as unknown as Workload).template.spec;
        const cmd = [...(spec.initContainers ?? []), ...spec.containers].map(commandLine).join('\n');
        if (gatewaysIn(model, dc.name).length > 0) expect(cmd).toContain('-mesh-gateway=true');
        else expect(cmd).not.toContain('-mesh-gateway=true');
        if (!federated) return;
        expect(cmd).toContain('-federation=true');
        if (isPrimary) expect(cmd).toContain('-create-acl-replication-token=true');
        else {
          expect(cmd).toContain('-acl-replication-token-file=');
          // The secondary's kube API, as the primary's servers reach it (ACL auth method for this datacenter).
          const host = dc.kubernetes?.k8sAuthMethodHost;
          if (host) expect(cmd).toContain(`-auth-method-host=${host}`);
          expect(r().secretRefs()).toContainEqual({
            workload: `Job/${prefix}-server-acl-init`,
            secret,
            key: FederationSecretKeys.replicationToken,
          });
        }
      },
      RENDER_TIMEOUT,
    );

    it.runIf(federated)(
      'federates through mesh gateways: primary datacenter, primary gateways, federation secret',
      () => {
        const fed = r().configJson(`${prefix}-server-config`, 'federation-config.json') as {
          primary_datacenter: string;
          primary_gateways: string[];
          connect: { enable_mesh_gateway_wan_federation: boolean };
        };
        expect(fed.connect.enable_mesh_gateway_wan_federation).toBe(true);
        const refs = r().secretRefs();
        if (isPrimary) {
          expect(r().find('Job', `${prefix}-create-federation-secret`), 'create-federation-secret Job').toBeDefined();
          expect(refs.filter((x) => x.secret === secret)).toEqual([]);
          return;
        }
        expect(fed.primary_datacenter).toBe(dc.primaryDatacenter);
        // Secondary: the CA (certificate and key) from the primary's federation secret, by name and key.
        expect(refs).toContainEqual({
          workload: `StatefulSet/${prefix}-server`,
          secret,
          key: FederationSecretKeys.caCert,
        });
        expect(refs.filter((x) => x.secret === secret && x.key === FederationSecretKeys.caKey).length).toBeGreaterThan(
          0,
        );
        const sts = r().workload('StatefulSet', `${prefix}-server`);
        const consul = sts.template.spec.containers.find((x) => x.name === 'consul')!;
        if (primary.platform === 'kubernetes') {
          // The primary's serverConfigJSON (primary datacenter and gateways) loaded last, over the chart's config.
          expect(fed.primary_gateways).toEqual([]);
          expect(refs).toContainEqual({
            workload: `StatefulSet/${prefix}-server`,
            secret,
            key: FederationSecretKeys.serverConfigJSON,
          });
          expect(commandLine(consul)).toContain(`-config-dir=/consul/userconfig/${secret}`);
        } else {
          expect(fed.primary_gateways).toEqual(wanAddresses(model, dc.primaryDatacenter));
        }
        if (model.aclsEnabled && gatewaysIn(model, dc.name).length > 0) {
          // The mesh gateway logs in through the primary's auth method (ACL tokens are replicated from there).
          const gw = r().workload('Deployment', `${prefix}-mesh-gateway`).template.spec;
          const init = gw.initContainers?.find((x) => x.name === 'mesh-gateway-init');
          expect(init && envOf(init, 'CONSUL_LOGIN_DATACENTER')).toBe(dc.primaryDatacenter);
        }
      },
      RENDER_TIMEOUT,
    );
  });
});
