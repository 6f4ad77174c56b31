// Whether a client's sidecar may fall back to plaintext (behaviour.md "Migration safety", require
// mTLS on the client): the pod's label `automesh.io/require-mtls` wins, then its namespace's, then
// the mesh value `values.automesh.requireMtls`. Only "true" and "false" count; any other value is
// as if the label were absent, so a typo never silently turns plaintext off or on.
import type { MeshIndex } from './mesh-index.js';
import type { WorkloadInstance } from './mesh-state.js';

export const REQUIRE_MTLS_LABEL = 'automesh.io/require-mtls';

export interface RequireMtls {
  required: boolean;
  /** Where the answer came from, for reasons: `pod label`, `namespace label` or `mesh value`. */
  source: 'pod label' | 'namespace label' | 'mesh value';
}

function flag(value: string | undefined): boolean | undefined {
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

export function requireMtlsFor(index: MeshIndex, client: WorkloadInstance): RequireMtls {
  const fromPod = flag(client.labels[REQUIRE_MTLS_LABEL]);
  if (fromPod !== undefined) return { required: fromPod, source: 'pod label' };
  const fromNamespace = flag(index.namespaceLabels(client.namespace)[REQUIRE_MTLS_LABEL]);
  if (fromNamespace !== undefined) return { required: fromNamespace, source: 'namespace label' };
  return { required: index.settings.requireMtls, source: 'mesh value' };
}
