// What the runtime needs from the control plane: read Deployments and Services, watch for
// changes, write Pods and Endpoints. A structural subset of the store's ConfigStore, so the
// store (or a client of the API server with the same shape) can be passed as it is.

import type { Resource, ResourceKind } from '../api/index.js';

export interface BackendWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Resource;
}

export interface RuntimeBackend {
  list(kind: ResourceKind, options?: { namespace?: string }): Promise<{ items: Resource[] }>;
  get(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined>;
  create(resource: Resource): Promise<Resource>;
  /** Replaces the stored object; without metadata.resourceVersion there is no conflict check. */
  update(resource: Resource): Promise<Resource>;
  delete(kind: ResourceKind, namespace: string | undefined, name: string): Promise<Resource | undefined>;
  /** Live changes of the given kinds; returns a function that stops the watch. */
  watch(
    options: { kinds?: readonly ResourceKind[] },
    onEvent: (event: BackendWatchEvent) => void,
  ): () => void;
}
