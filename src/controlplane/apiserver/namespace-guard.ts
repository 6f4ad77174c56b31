// Kubernetes refuses objects in a namespace that does not exist; so do we, naming the namespace.
// Namespaces created in the same request count as existing.

import type { Resource } from '../../api/index.js';
import type { ConfigStore } from '../../store/index.js';
import { ApiError } from './api-error.js';

export async function requireNamespaces(store: ConfigStore, resources: readonly Resource[]): Promise<void> {
  const creating = new Set(resources.filter((r) => r.kind === 'Namespace').map((r) => r.metadata.name));
  const wanted = new Set(
    resources.flatMap((r) => (r.metadata.namespace === undefined ? [] : [r.metadata.namespace])),
  );
  for (const namespace of wanted) {
    if (creating.has(namespace)) continue;
    if ((await store.get('Namespace', undefined, namespace)) === undefined) {
      throw new ApiError('AUTOMESH_ERR_API_NOT_FOUND', `namespaces "${namespace}" not found`, {
        name: namespace,
        kind: 'namespaces',
      });
    }
  }
}
