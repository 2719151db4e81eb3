/**
 * Values for the consul-k8s Helm chart (`hashicorp/consul`), one file per Kubernetes datacenter:
 * `<dc>/helm/values.yaml`. WAN federation through mesh gateways as the chart documents it:
 *
 * - primary: `global.federation.createFederationSecret` and, with ACLs, `global.acls.createReplicationToken`;
 * - secondary: CA cert/key and replication token from the federation secret (by name and key only), and either
 *   `server.extraVolumes` loading the secret's `serverConfigJSON` (Kubernetes primary) or
 *   `global.federation.primaryGateways` (VM primary);
 * - every datacenter: TLS, `manageSystemACLs`, `connectInject`, and the mesh gateway (replicas, WAN address, Service).
 *
 * The chart has no values schema and ignores unknown keys, so `schemas/helm-values.schema.json` lists every key
 * meshcc may write (checked against the real chart's values.yaml in test/helm). The chart's `fail` rules are
 * mirrored by `checkPlatform` (MC4xxx) so `helm template` never fails on this output.
 */
import yaml from 'js-yaml';
import type { Compilation } from '../compiler/types.ts';
import { gatewaysIn, isFederated, primaryDatacenter, wanAddresses } from '../model/topology.ts';
import type { DatacenterDecl, MeshModel } from '../model/types.ts';
import { type Artifact, sortKeys } from './artifact.ts';

/** Keys inside the federation secret created by the primary (`create-federation-secret` job). */
export const FederationSecretKeys = {
  caCert: 'caCert',
  caKey: 'caKey',
  replicationToken: 'replicationToken',
  serverConfigJSON: 'serverConfigJSON',
} as const;

function secretName(model: MeshModel, dc: DatacenterDecl): string {
  const primary = primaryDatacenter(model);
  return dc.kubernetes?.federationSecretName || `${primary?.kubernetes?.releaseName ?? 'consul'}-federation`;
}

function meshGatewayValues(model: MeshModel, dc: DatacenterDecl): Record<string, unknown> | undefined {
  const g = gatewaysIn(model, dc.name)[0];
  if (!g) return undefined;
  const source = g.wanAddressSource ?? 'Service';
  const serviceType = g.serviceType ?? 'LoadBalancer';
  return {
    enabled: true,
    replicas: g.instances,
    containerPort: g.lan.port,
    // The chart refuses consulServiceName with chart-managed ACLs; checkPlatform reports that first (MC4007).
    ...(g.name !== 'mesh-gateway' ? { consulServiceName: g.name } : {}),
    wanAddress: {
      source,
      ...(g.wan ? { port: g.wan.port } : {}),
      ...(source === 'Static' && g.wan ? { static: g.wan.address } : {}),
    },
    service: {
      type: serviceType,
      // With source=Service the advertised WAN port is the Service port.
      ...(g.wan ? { port: g.wan.port } : {}),
      ...(g.nodePort !== undefined ? { nodePort: g.nodePort } : {}),
    },
  };
}

/** The values object for one Kubernetes datacenter. */
export function helmValues(model: MeshModel, dc: DatacenterDecl): Record<string, unknown> {
  const federated = isFederated(model);
  const primary = primaryDatacenter(model);
  const isPrimary = dc.name === dc.primaryDatacenter;
  const acls = model.aclsEnabled;
  const secret = secretName(model, dc);
  const fromSecret = (key: string) => ({ secretName: secret, secretKey: key });
  const secondary = federated && !isPrimary;
  const primaryOnVm = primary?.platform === 'vm';
  const gateway = meshGatewayValues(model, dc);

  const federation = !federated
    ? undefined
    : isPrimary
      ? { enabled: true, createFederationSecret: true }
      : {
          enabled: true,
          primaryDatacenter: dc.primaryDatacenter,
          ...(dc.kubernetes?.k8sAuthMethodHost ? { k8sAuthMethodHost: dc.kubernetes.k8sAuthMethodHost } : {}),
          ...(primaryOnVm ? { primaryGateways: wanAddresses(model, dc.primaryDatacenter) } : {}),
        };

  return sortKeys({
    global: {
      name: dc.kubernetes?.releaseName ?? 'consul',
      datacenter: dc.name,
      tls: {
        enabled: dc.tls,
        ...(secondary
          ? { caCert: fromSecret(FederationSecretKeys.caCert), caKey: fromSecret(FederationSecretKeys.caKey) }
          : {}),
      },
      ...(federation ? { federation } : {}),
      // Cluster peering (the chart then also requires TLS, connectInject and a mesh gateway: checked as MC4016).
      ...(model.peering ? { peering: { enabled: true } } : {}),
      acls: {
        manageSystemACLs: acls,
        ...(acls && federated && isPrimary ? { createReplicationToken: true } : {}),
        ...(acls && secondary ? { replicationToken: fromSecret(FederationSecretKeys.replicationToken) } : {}),
      },
    },
    server: {
      replicas: dc.servers,
      ...(secondary && !primaryOnVm
        ? {
            extraVolumes: [
              {
                type: 'secret',
                name: secret,
                load: true,
                items: [{ key: FederationSecretKeys.serverConfigJSON, path: 'config.json' }],
              },
            ],
          }
        : {}),
    },
    connectInject: { enabled: dc.connectEnabled },
    ...(gateway ? { meshGateway: gateway } : {}),
  }) as Record<string, unknown>;
}

/** Every leaf key path of a values object (`global.tls.enabled`); arrays count as leaves. */
export function valueKeyPaths(v: unknown, prefix = ''): string[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return prefix ? [prefix] : [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) =>
    valueKeyPaths(x, prefix ? `${prefix}.${k}` : k),
  );
}

/** Emits `<dc>/helm/values.yaml` for every Kubernetes datacenter. */
export function emitHelmValues(c: Compilation): Artifact[] {
  return c.model.datacenters
    .filter((dc) => dc.platform === 'kubernetes')
    .map((dc) => {
      const ns = dc.kubernetes?.namespace ?? 'consul';
      const header =
        `# consul-k8s Helm values for ${dc.name}; generated by meshcc.\n` +
        `# helm install ${dc.kubernetes?.releaseName ?? 'consul'} hashicorp/consul --namespace ${ns} --values values.yaml\n`;
      return {
        path: `${dc.name}/helm/values.yaml`,
        content: header + yaml.dump(helmValues(c.model, dc), { sortKeys: true, lineWidth: -1, noRefs: true }),
      };
    });
}
