// A Pod as the policy engine sees it.
import type { Pod } from '../api/index.js';
import type { WorkloadInstance } from './mesh-state.js';

export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';
export const SIDECAR_STATUS_ANNOTATION = 'sidecar.istio.io/status';

/** Ready from the pod's `Ready` condition, address from `status.podIP` ('' until it has one). */
export function workloadFromPod(pod: Pod): WorkloadInstance {
  const namespace = pod.metadata.namespace ?? 'default';
  const labels = { ...(pod.metadata.labels ?? {}) };
  return {
    name: pod.metadata.name,
    namespace,
    uid: pod.metadata.uid ?? `${namespace}/${pod.metadata.name}`,
    labels,
    serviceAccount: pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default',
    address: pod.status?.podIP ?? '',
    hasSidecar: hasSidecar(labels, pod.metadata.annotations),
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    ports: pod.spec.containers.flatMap((c) =>
      (c.ports ?? []).map((p) =>
        p.name === undefined
          ? { containerPort: p.containerPort }
          : { containerPort: p.containerPort, name: p.name },
      ),
    ),
  };
}

/** Injected: labelled `security.istio.io/tlsMode: istio`, or carrying the injector's status annotation. */
export function hasSidecar(
  labels: Record<string, string>,
  annotations: Record<string, string> | undefined,
): boolean {
  return labels[TLS_MODE_LABEL] === 'istio' || annotations?.[SIDECAR_STATUS_ANNOTATION] !== undefined;
}
