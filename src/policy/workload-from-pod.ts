// A Pod as the policy engine sees it.
import type { Pod } from '../api/index.js';
import { peersUseMeshMtls, runsSidecar, namespaceOf } from '../api/index.js';
import type { WorkloadInstance } from './mesh-state.js';

/** Ready from the pod's `Ready` condition, address from `status.podIP` ('' until it has one). */
export function workloadFromPod(pod: Pod): WorkloadInstance {
  const namespace = namespaceOf(pod);
  const labels = { ...(pod.metadata.labels ?? {}) };
  return {
    name: pod.metadata.name,
    namespace,
    uid: pod.metadata.uid ?? `${namespace}/${pod.metadata.name}`,
    labels,
    serviceAccount: pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default',
    address: pod.status?.podIP ?? '',
    hasSidecar: peersUseMeshMtls(pod),
    runsSidecar: runsSidecar(pod),
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
