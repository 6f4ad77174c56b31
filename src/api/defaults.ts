// Kubernetes-like defaults, applied after validation by whoever stores or acts on a resource
// (the API server on create/update, `x explain` on files). Pure: returns a new object.

import type { Container, Deployment, PodSpec, Resource, Service } from './resources.js';

export const DEFAULT_REPLICAS = 1;
export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

/**
 * The resource with the defaults Kubernetes would fill in: Deployment `replicas` 1 and (for
 * extensions/v1beta1) `selector` from the template labels; pod `serviceAccountName` `default`
 * (or the deprecated `serviceAccount`); container port protocol TCP and image pull policy;
 * Service `targetPort` = `port`, protocol TCP, type ClusterIP. Fields already set are kept.
 */
export function applyDefaults<T extends Resource>(resource: T): T {
  const copy = structuredClone(resource);
  switch (copy.kind) {
    case 'Deployment':
      defaultDeployment(copy);
      break;
    case 'Pod':
      defaultPodSpec(copy.spec);
      break;
    case 'Service':
      defaultService(copy);
      break;
    case 'Endpoints':
      for (const subset of copy.subsets ?? []) for (const p of subset.ports ?? []) p.protocol ??= 'TCP';
      break;
    default:
      break;
  }
  return copy;
}

function defaultDeployment(deployment: Deployment): void {
  const spec = deployment.spec;
  spec.replicas ??= DEFAULT_REPLICAS;
  const labels = spec.template.metadata?.labels;
  if (spec.selector === undefined && labels !== undefined) spec.selector = { matchLabels: { ...labels } };
  defaultPodSpec(spec.template.spec);
}

function defaultPodSpec(spec: PodSpec): void {
  spec.serviceAccountName ??= spec.serviceAccount ?? DEFAULT_SERVICE_ACCOUNT;
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  for (const container of [...(spec.initContainers ?? []), ...spec.containers]) defaultContainer(container);
}

function defaultContainer(container: Container): void {
  container.imagePullPolicy ??= pullPolicyFor(container.image);
  for (const port of container.ports ?? []) port.protocol ??= 'TCP';
}

/** As Kubernetes: `:latest` or no tag pulls Always, anything else IfNotPresent. */
function pullPolicyFor(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultService(service: Service): void {
  service.spec.type ??= 'ClusterIP';
  for (const port of service.spec.ports) {
    port.targetPort ??= port.port;
    port.protocol ??= 'TCP';
  }
}
