// Small builders for the resources policy tests describe meshes with, and the seed's mesh
// (namespaces full / partial / legacy, httpbin and sleep, as in the auto-mTLS task).
import type {
  AuthenticationPolicySpec,
  DestinationRule,
  Deployment,
  MeshPolicy,
  Namespace,
  AuthenticationPolicy,
  PeerAuthentication,
  Resource,
  Service,
  ServicePort,
} from '../../src/api/index.js';
import type { MeshSettings } from '../../src/api/index.js';
import { meshDefaults, meshStateFromResources } from '../../src/policy/index.js';
import type { MeshState, WorkloadInstance } from '../../src/policy/index.js';

export function namespace(name: string): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export interface DeploymentOptions {
  labels?: Record<string, string>;
  sidecar?: boolean;
  serviceAccount?: string;
  replicas?: number;
  ports?: { containerPort: number; name?: string }[];
}

export function deployment(ns: string, name: string, options: DeploymentOptions = {}): Deployment {
  const labels = { ...(options.labels ?? { app: name }) };
  if (options.sidecar === true) labels['security.istio.io/tlsMode'] = 'istio';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: labels.app ?? name } },
      template: {
        metadata: { labels },
        spec: {
          ...(options.serviceAccount === undefined ? {} : { serviceAccountName: options.serviceAccount }),
          containers: [{ name, image: `example/${name}`, ports: options.ports ?? [{ containerPort: 80 }] }],
        },
      },
    },
  };
}

export function service(
  ns: string,
  name: string,
  selector: Record<string, string> | undefined,
  ports: ServicePort[],
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { ...(selector === undefined ? {} : { selector }), ports },
  };
}

export function policy(
  ns: string,
  name: string,
  spec: AuthenticationPolicySpec,
  created?: string,
): AuthenticationPolicy {
  return {
    apiVersion: 'authentication.istio.io/v1alpha1',
    kind: 'Policy',
    metadata: { name, namespace: ns, ...(created === undefined ? {} : { creationTimestamp: created }) },
    spec,
  };
}

export function meshPolicy(spec: AuthenticationPolicySpec, name = 'default'): MeshPolicy {
  return { apiVersion: 'authentication.istio.io/v1alpha1', kind: 'MeshPolicy', metadata: { name }, spec };
}

export function peerAuthentication(
  ns: string,
  name: string,
  spec: PeerAuthentication['spec'],
  created?: string,
): PeerAuthentication {
  return {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace: ns, ...(created === undefined ? {} : { creationTimestamp: created }) },
    spec,
  };
}

export function destinationRule(
  ns: string,
  name: string,
  spec: DestinationRule['spec'],
  created?: string,
): DestinationRule {
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'DestinationRule',
    metadata: { name, namespace: ns, ...(created === undefined ? {} : { creationTimestamp: created }) },
    spec,
  };
}

export const HTTPBIN_PORT: ServicePort = { name: 'http', port: 8000, targetPort: 80 };

/** httpbin and sleep as the seed deploys them in full, partial and legacy. */
export function seedWorkloads(): Resource[] {
  const httpbin = (ns: string, sidecar: boolean): Resource[] => [
    deployment(ns, 'httpbin', {
      labels: { app: 'httpbin', version: 'v1' },
      sidecar,
      serviceAccount: 'httpbin',
    }),
    service(ns, 'httpbin', { app: 'httpbin' }, [HTTPBIN_PORT]),
  ];
  const sleep = (ns: string, sidecar: boolean): Resource[] => [
    deployment(ns, 'sleep', { labels: { app: 'sleep' }, sidecar, serviceAccount: 'sleep' }),
    service(ns, 'sleep', { app: 'sleep' }, [{ name: 'http', port: 80 }]),
  ];
  return [
    namespace('full'),
    namespace('partial'),
    namespace('legacy'),
    ...httpbin('full', true),
    ...sleep('full', true),
    ...httpbin('partial', true),
    deployment('partial', 'httpbin-nosidecar', { labels: { app: 'httpbin', version: 'nosidecar' } }),
    ...httpbin('legacy', false),
    ...sleep('legacy', false),
  ];
}

/** The seed mesh: install defaults (auto on, mtls disabled) plus the workloads, plus `extra`. */
export function seedState(extra: Resource[] = [], settings: Partial<MeshSettings> = {}): MeshState {
  const values = { autoMtls: settings.autoMtls ?? true, mtlsEnabled: settings.mtlsEnabled ?? false };
  return meshStateFromResources(
    [...meshDefaults(values, 'istio-system'), ...seedWorkloads(), ...extra],
    settings,
  );
}

/** The first pod of a deployment (`sleep` in `full` → sleep-<hash>-0). */
export function pod(state: MeshState, ns: string, deploymentName: string, n = 0): WorkloadInstance {
  const found = state.workloads.filter(
    (w) => w.namespace === ns && new RegExp(`^${deploymentName}-[0-9a-f]{10}-\\d+$`).test(w.name),
  );
  const workload = found[n];
  if (workload === undefined) throw new Error(`no pod ${n} of ${ns}/${deploymentName}`);
  return workload;
}

export function serviceIn(state: MeshState, ns: string, name: string): Service {
  const found = state.services.find((s) => s.metadata.namespace === ns && s.metadata.name === name);
  if (found === undefined) throw new Error(`no service ${ns}/${name}`);
  return found;
}
