// A generated mesh for the policy benchmark: NAMESPACES × services, each with ENDPOINTS sidecar
// pods, some legacy pods without sidecars, and a realistic policy mix over both policy APIs.
import type { Resource } from '../../src/api/index.js';
import { meshDefaults, meshStateFromResources } from '../../src/policy/index.js';
import type { MeshState } from '../../src/policy/index.js';

export interface MeshShape {
  namespaces: number;
  servicesPerNamespace: number;
  endpointsPerService: number;
}

export function generateMesh(shape: MeshShape): MeshState {
  const resources: Resource[] = [...meshDefaults({ autoMtls: true, mtlsEnabled: false }, 'istio-system')];
  for (let n = 0; n < shape.namespaces; n++) {
    const ns = `ns-${n}`;
    resources.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    resources.push(...namespacePolicies(ns, n));
    for (let s = 0; s < shape.servicesPerNamespace; s++) {
      resources.push(
        ...serviceResources(ns, `svc-${s}`, s + n * shape.servicesPerNamespace, shape.endpointsPerService),
      );
    }
  }
  return meshStateFromResources(resources);
}

/** Every 5th namespace STRICT by PeerAuthentication, every 7th by Policy default, every 11th DISABLE. */
function namespacePolicies(ns: string, n: number): Resource[] {
  const out: Resource[] = [];
  if (n % 5 === 0) {
    out.push({
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: ns },
      spec: { mtls: { mode: 'STRICT' } },
    });
  }
  if (n % 7 === 0) {
    out.push({
      apiVersion: 'authentication.istio.io/v1alpha1',
      kind: 'Policy',
      metadata: { name: 'default', namespace: ns },
      spec: { peers: [{ mtls: {} }] },
    });
  }
  if (n % 11 === 0) {
    out.push({
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'PeerAuthentication',
      metadata: { name: 'legacy', namespace: ns },
      spec: { mtls: { mode: 'DISABLE' } },
    });
  }
  return out;
}

function serviceResources(ns: string, name: string, i: number, endpoints: number): Resource[] {
  const labels = { app: name, 'security.istio.io/tlsMode': 'istio' };
  const out: Resource[] = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: {
        replicas: endpoints,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            containers: [
              {
                name,
                image: 'app',
                ports: [
                  { containerPort: 8080, name: 'http' },
                  { containerPort: 9090, name: 'grpc' },
                ],
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns },
      spec: {
        selector: { app: name },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'grpc', port: 9090, targetPort: 9090 },
        ],
      },
    },
  ];
  if (i % 10 === 0) {
    // Mid-migration: one extra pod without a sidecar behind the service.
    out.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${name}-legacy`, namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name, version: 'legacy' } },
          spec: {
            containers: [
              { name, image: 'app', ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 9090 }] },
            ],
          },
        },
      },
    });
  }
  if (i % 10 === 3) {
    out.push({
      apiVersion: 'authentication.istio.io/v1alpha1',
      kind: 'Policy',
      metadata: { name, namespace: ns },
      spec: { targets: [{ name, ports: [{ number: 80 }] }], peers: [{ mtls: {} }] },
    });
  }
  if (i % 20 === 5) {
    out.push({
      apiVersion: 'authentication.istio.io/v1alpha1',
      kind: 'Policy',
      metadata: { name, namespace: ns },
      spec: { targets: [{ name }] },
    });
  }
  if (i % 25 === 7) {
    out.push({
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'PeerAuthentication',
      metadata: { name, namespace: ns },
      spec: {
        selector: { matchLabels: { app: name } },
        mtls: { mode: 'STRICT' },
        portLevelMtls: { '9090': { mode: 'PERMISSIVE' } },
      },
    });
  }
  if (i % 10 === 4) {
    out.push({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: { name, namespace: ns },
      spec: {
        host: name,
        trafficPolicy:
          i % 20 === 4
            ? { tls: { mode: 'ISTIO_MUTUAL' } }
            : { connectionPool: { tcp: { maxConnections: 100 } } },
        subsets: [{ name: 'v1', labels: { version: 'v1' } }],
      },
    });
  }
  return out;
}
