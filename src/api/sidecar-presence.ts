// What "has a sidecar" means, in one place. Istio keeps two facts apart and so do we:
//
// - runsSidecar: the pod has the `istio-proxy` container (or claims one with the tlsMode label
//   `istio`, as meshes described in explain files often do without the container), so its node
//   starts a sidecar process for it and the control plane gives that sidecar a snapshot;
// - peersUseMeshMtls: what clients' auto mTLS believes about the pod: the
//   `security.istio.io/tlsMode` label decides when present (only `istio` means a sidecar that
//   terminates mesh mTLS), otherwise the injector's status annotation or the container.
//
// They differ for a pod labelled `security.istio.io/tlsMode: disabled` that has the container: it
// runs a sidecar (with its snapshot: inbound policy and outbound auto mTLS still apply) while its
// clients send it plaintext, as in Istio. Every module asks here, so the two never drift apart.

import type { Labels } from './resources.js';

export const SIDECAR_CONTAINER_NAME = 'istio-proxy';
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';
export const SIDECAR_STATUS_ANNOTATION = 'sidecar.istio.io/status';

/** A pod or a pod template, as far as sidecar presence goes. */
export interface PodShape {
  metadata?: { labels?: Labels; annotations?: Record<string, string> };
  spec?: { containers?: readonly { name: string }[] };
}

/** True when the pod has a sidecar of its own: its node runs a sidecar process for it. */
export function runsSidecar(pod: PodShape): boolean {
  return hasSidecarContainer(pod) || pod.metadata?.labels?.[TLS_MODE_LABEL] === 'istio';
}

/** True when clients' auto mTLS sends this pod mesh mTLS (see the file comment). */
export function peersUseMeshMtls(pod: PodShape): boolean {
  const label = pod.metadata?.labels?.[TLS_MODE_LABEL];
  if (label !== undefined) return label === 'istio';
  return pod.metadata?.annotations?.[SIDECAR_STATUS_ANNOTATION] !== undefined || hasSidecarContainer(pod);
}

function hasSidecarContainer(pod: PodShape): boolean {
  return (pod.spec?.containers ?? []).some((c) => c.name === SIDECAR_CONTAINER_NAME);
}
