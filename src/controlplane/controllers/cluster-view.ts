// One consistent-enough read of what the controllers act on, listed once per pass: every
// controller of a pass decides on the same objects, and what one writes reaches the others
// through the watch that starts the next pass.

import { namespacedName } from '../../api/index.js';
import type { Deployment, Endpoints, Node, Pod, Resource, Service } from '../../api/index.js';
import type { ResourceBackend } from './resource-backend.js';

export interface ClusterView {
  deployments: Deployment[];
  pods: Pod[];
  services: Service[];
  endpoints: Endpoints[];
  nodes: Node[];
}

export async function readClusterView(backend: ResourceBackend): Promise<ClusterView> {
  const [deployments, pods, services, endpoints, nodes] = await Promise.all([
    backend.list('Deployment'),
    backend.list('Pod'),
    backend.list('Service'),
    backend.list('Endpoints'),
    backend.list('Node'),
  ]);
  return {
    deployments: deployments.items as Deployment[],
    pods: pods.items as Pod[],
    services: services.items as Service[],
    endpoints: endpoints.items as Endpoints[],
    nodes: nodes.items as Node[],
  };
}

/** `<namespace>/<name>`, the key namespaced objects are matched by (api's namespacedName). */
export const namespacedKey: (resource: Resource) => string = namespacedName;

/** A stored object without its resourceVersion: the write replaces whatever is stored. */
export function withoutVersion<T extends Resource>(resource: T): T {
  const { resourceVersion: _rv, ...metadata } = resource.metadata;
  return { ...resource, metadata };
}
