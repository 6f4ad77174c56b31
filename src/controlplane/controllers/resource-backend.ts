// What controllers and node agents need of the resources: read, write and watch. A structural
// subset of the store's ConfigStore, so the store (in the control plane) or a client of the API
// server with the same shape (on another host) can be passed as it is.

import type { Resource, ResourceKind } from '../../api/index.js';

export interface BackendWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Resource;
}

export interface ResourceBackend {
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
