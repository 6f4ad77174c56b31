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
    hasSidecar: hasSidecar(labels, pod.metadata.annotations, pod.spec.containers),
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

/**
 * Injected, as far as clients are concerned: the `security.istio.io/tlsMode` label decides when
 * present (only `istio` means a sidecar that terminates mesh mTLS, as in Istio, so a pod labelled
 * `disabled` gets plaintext); without the label, the injector's status annotation or an
 * `istio-proxy` container.
 */
export function hasSidecar(
  labels: Record<string, string>,
  annotations: Record<string, string> | undefined,
  containers: readonly { name: string }[] = [],
): boolean {
  const label = labels[TLS_MODE_LABEL];
  if (label !== undefined) return label === 'istio';
  return (
    annotations?.[SIDECAR_STATUS_ANNOTATION] !== undefined || containers.some((c) => c.name === 'istio-proxy')
  );
}
