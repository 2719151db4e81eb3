import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { emitAclPolicies } from '../../src/emit/acl-policies.ts';
import { agentConfig } from '../../src/emit/agent-config.ts';
import { emitGatewayConfig, gatewayRuntimeConfig } from '../../src/emit/gateway-config.ts';
import { attr, block, renderHcl } from '../../src/emit/hcl-writer.ts';
import { helmValues } from '../../src/emit/helm-values.ts';
import { emitK8sAnnotations, upstreamAnnotation } from '../../src/emit/k8s-annotations.ts';
import { emitServiceRegistrations } from '../../src/emit/service-registrations.ts';
import { terraformDocument } from '../../src/emit/terraform-json.ts';
import { validateGatewayConfig } from '../../src/gateway/config.ts';
import { watchesOf } from '../../src/gateway/consul-discovery.ts';
import { k8sPair, multiDc, upstream, vmPair, vmPrimaryK8sSecondary } from './fixtures.ts';

const dcOf = (c: ReturnType<typeof multiDc>, name: string) => c.model.datacenters.find((d) => d.name === name)!;

describe('Helm values', () => {
  it('make a Kubernetes primary create the federation secret and the replication token', () => {
    const c = multiDc();
    const v = helmValues(c.model, dcOf(c, 'dc1')) as { global: Record<string, Record<string, unknown>> };
    expect(v.global.federation).toEqual({ enabled: true, createFederationSecret: true });
    expect(v.global.acls).toEqual({ manageSystemACLs: true, createReplicationToken: true });
  });

  it('make a secondary behind a Kubernetes primary load serverConfigJSON and the CA from the federation secret', () => {
    const c = k8sPair();
    const v = helmValues(c.model, dcOf(c, 'west')) as Record<string, Record<string, Record<string, unknown>>>;
    expect(v.global!.tls).toEqual({
      enabled: true,
      caCert: { secretName: 'consul-federation', secretKey: 'caCert' },
      caKey: { secretName: 'consul-federation', secretKey: 'caKey' },
    });
    expect(v.global!.acls!.replicationToken).toEqual({
      secretName: 'consul-federation',
      secretKey: 'replicationToken',
    });
    expect(v.global!.federation).toEqual({
      enabled: true,
      primaryDatacenter: 'east',
      k8sAuthMethodHost: 'https://west.k8s.example.net:6443',
    });
    expect(v.server!.extraVolumes).toEqual([
      {
        type: 'secret',
        name: 'consul-federation',
        load: true,
        items: [{ key: 'serverConfigJSON', path: 'config.json' }],
      },
    ]);
    expect(v.meshGateway!.service).toEqual({ type: 'NodePort', port: 30443, nodePort: 30443 });
  });

  it('make a secondary behind a VM primary list the primary gateways instead of mounting serverConfigJSON', () => {
    const c = vmPrimaryK8sSecondary();
    const v = helmValues(c.model, dcOf(c, 'secondary')) as Record<string, Record<string, Record<string, unknown>>>;
    expect(v.global!.federation!.primaryGateways).toEqual(['203.0.113.10:443']);
    expect(v.server!.extraVolumes).toBeUndefined();
    expect(v.meshGateway!.wanAddress).toEqual({ source: 'Static', port: 443, static: 'mgw.secondary.example.net' });
  });
});

describe('agent config', () => {
  it('gives a VM secondary the primary gateways and token replication', () => {
    const c = multiDc();
    const cfg = agentConfig(c.model, dcOf(c, 'dc2'));
    expect(cfg.primary_gateways).toEqual(['mgw.dc1.example.net:443']);
    expect(cfg.primary_datacenter).toBe('dc1');
    expect(cfg.connect).toEqual({ enabled: true, enable_mesh_gateway_wan_federation: true });
    expect((cfg.acl as Record<string, unknown>).enable_token_replication).toBe(true);
  });

  it('gives a VM primary no primary_gateways', () => {
    const c = vmPair();
    expect(agentConfig(c.model, dcOf(c, 'primary')).primary_gateways).toBeUndefined();
  });
});

describe('service registrations', () => {
  it('carry upstreams with datacenter and mode, the instance mode and an explicit sidecar port', () => {
    const c = vmPair();
    const web = emitServiceRegistrations(c).find((a) => a.path === 'secondary/agent/services/web.json')!;
    const svc = JSON.parse(web.content).service;
    expect(svc.connect.sidecar_service).toEqual({
      port: 21001,
      proxy: {
        mesh_gateway: { mode: 'local' },
        upstreams: [
          { destination_name: 'socat', datacenter: 'primary', local_bind_port: 8181, mesh_gateway: { mode: 'local' } },
        ],
      },
    });
  });

  it('skip gateways run by meshcc (they register themselves) but register Envoy gateways', () => {
    expect(emitServiceRegistrations(vmPair()).some((a) => a.path.includes('gateway-'))).toBe(false);
    const gw = emitServiceRegistrations(multiDc()).find((a) => a.path === 'dc2/agent/services/mesh-gateway.json')!;
    expect(JSON.parse(gw.content).service.kind).toBe('mesh-gateway');
  });
});

describe('pod annotations', () => {
  it('write upstreams as service:port:datacenter', () => {
    expect(upstreamAnnotation(upstream('currency', 9094, { datacenter: 'dc2' }))).toBe('currency:9094:dc2');
    expect(upstreamAnnotation(upstream('currency', 9094))).toBe('currency:9094');
    const a = emitK8sAnnotations(k8sPair()).find((x) => x.path === 'east/k8s/frontend-annotations.yaml')!;
    const doc = yaml.load(a.content) as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    expect(doc.spec.template.metadata.annotations).toEqual({
      'consul.hashicorp.com/connect-inject': 'true',
      'consul.hashicorp.com/connect-service': 'frontend',
      'consul.hashicorp.com/connect-service-port': '8080',
      'consul.hashicorp.com/connect-service-upstreams': 'backend:9000:west',
    });
  });
});

describe('ACL policies', () => {
  it('grant a service write on itself and its sidecar, read on the catalog', () => {
    const p = emitAclPolicies(vmPair()).find((a) => a.path === 'secondary/acl/service-web.json')!;
    expect(JSON.parse(p.content)).toEqual({
      node_prefix: { '': { policy: 'read' } },
      service: { web: { policy: 'write' }, 'web-sidecar-proxy': { policy: 'write' } },
      service_prefix: { '': { policy: 'read' } },
    });
  });

  it('write the replication policy in a federated VM primary only', () => {
    const paths = emitAclPolicies(vmPair()).map((a) => a.path);
    expect(paths).toContain('primary/acl/replication.json');
    expect(paths).not.toContain('secondary/acl/replication.json');
  });

  it('write nothing when ACLs are off', () => {
    const c = vmPair();
    expect(emitAclPolicies({ ...c, model: { ...c.model, aclsEnabled: false } })).toEqual([]);
  });
});

describe('gateway runtime config', () => {
  it('routes local SNIs (with resolver subsets) to sidecars and other datacenters to their gateways', () => {
    const c = multiDc();
    const gw = c.model.gateways.find((g) => g.datacenter === 'dc2')!;
    const cfg = gatewayRuntimeConfig(c, { ...gw, implementation: 'meshcc' });
    const td = c.model.trustDomain;
    expect(cfg.routes.local.map((r) => r.sni)).toEqual([
      `currency.default.dc2.internal.${td}`,
      `v1.currency.default.dc2.internal.${td}`,
    ]);
    expect(cfg.routes.local[0]!.endpoints).toEqual([{ address: '10.2.0.30', port: 21000 }]);
    expect(cfg.routes.remote).toEqual([
      { datacenter: 'dc1', gateways: [{ address: 'mgw.dc1.example.net', port: 443 }] },
    ]);
    expect(cfg.listeners).toEqual([
      { name: 'lan', address: '10.2.0.10', port: 8443 },
      { name: 'wan', address: '198.51.100.20', port: 443 },
    ]);
  });

  it('is written only for bundled gateways unless asked for all', () => {
    expect(emitGatewayConfig(multiDc())).toEqual([]);
    expect(emitGatewayConfig(multiDc(), { allImplementations: true }).map((a) => a.path)).toEqual([
      'dc1/gateway/mesh-gateway.json',
      'dc2/gateway/mesh-gateway.json',
    ]);
  });

  it('asks Consul for pod endpoints in Kubernetes datacenters', () => {
    const c = multiDc();
    const g = c.model.gateways.find((g) => g.datacenter === 'dc1')!;
    const cfg = gatewayRuntimeConfig(c, g);
    expect(cfg.routes.local.every((r) => r.endpoints.length === 0)).toBe(true);
    expect(cfg.consul).toEqual({
      address: 'https://consul-server.consul.svc:8501',
      discover: true,
      tokenEnv: 'CONSUL_HTTP_TOKEN',
      register: { id: g.name, lan: g.lan, ...(g.wan ? { wan: { address: g.wan.address, port: g.wan.port } } : {}) },
    });
  });

  it('routes Consul server traffic in a federated mesh: servers discovered, gateway registered for WAN federation', () => {
    const c = vmPair();
    const g = c.model.gateways.find((g) => g.datacenter === 'secondary')!;
    const cfg = gatewayRuntimeConfig(c, { ...g, implementation: 'meshcc' });
    expect(cfg.routes.servers).toEqual({ domain: 'consul', local: [] });
    // VM routes have their endpoints: only the servers are watched, the static service routes stay.
    expect(cfg.consul?.discover).toBe(false);
    expect(watchesOf(validateGatewayConfig(cfg, 'gw.json').config!).map((w) => w.key)).toEqual(['servers']);
    expect(cfg.consul?.register?.id).toBe(g.name);
    // A single datacenter is not federated: no server routes, no registration.
    const single = {
      ...c,
      model: { ...c.model, datacenters: c.model.datacenters.filter((d) => d.name === 'secondary') },
    };
    const alone = gatewayRuntimeConfig(single, { ...g, implementation: 'meshcc' });
    expect(alone.routes.servers).toBeUndefined();
    expect(alone.consul?.register).toBeUndefined();
  });

  it('marks Envoy gateway registrations for WAN federation in a federated mesh', () => {
    const gw = emitServiceRegistrations(multiDc()).find((a) => a.path === 'dc2/agent/services/mesh-gateway.json')!;
    expect(JSON.parse(gw.content).service.meta['consul-wan-federation']).toBe('1');
  });

  it('routes a service outside the default partition by its internal-v1 SNI', () => {
    const c = vmPair();
    const model = { ...c.model, instances: c.model.instances.map((i) => ({ ...i, partition: 'p1', namespace: 'ns' })) };
    const cfg = gatewayRuntimeConfig({ ...c, model }, model.gateways.find((g) => g.datacenter === 'primary')!);
    expect(cfg.routes.local.map((r) => r.sni)).toEqual([`socat.ns.p1.primary.internal-v1.${c.model.trustDomain}`]);
  });
});

describe('Terraform JSON', () => {
  it('has one consul_config_entry per entry with Kind and Name outside config_json', () => {
    const doc = terraformDocument(multiDc()) as {
      resource: { consul_config_entry: Record<string, { kind: string; name: string; config_json: string }> };
      provider: { consul: { datacenter: string; address: string }[] };
    };
    const res = doc.resource.consul_config_entry;
    expect(Object.keys(res).sort()).toEqual([
      'proxy-defaults_global',
      'service-intentions_payments',
      'service-resolver_currency',
    ]);
    for (const r of Object.values(res)) {
      const body = JSON.parse(r.config_json);
      expect(body.Kind).toBeUndefined();
      expect(body.Name).toBeUndefined();
      expect(body.Meta['managed-by']).toBe('meshcc');
    }
    expect(JSON.parse(res['service-intentions_payments']!.config_json).Sources[0].Type).toBe('consul');
    const variable = '$' + '{var.consul_address}';
    expect(doc.provider.consul).toEqual([{ address: variable, datacenter: 'dc1' }]);
  });
});

describe('HCL writer', () => {
  it('escapes interpolation and quotes keys that are not identifiers', () => {
    const interpolation = '$' + '{x} %{y}';
    const text = renderHcl([attr('a', interpolation), block('meta', [], [attr('k', { 'managed-by': 'm' })])]);
    expect(text).toBe('a = "$${x} %%{y}"\nmeta {\n  k = {\n    "managed-by" = "m"\n  }\n}\n');
  });
});
