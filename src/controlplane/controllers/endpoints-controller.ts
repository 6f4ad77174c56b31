// The Endpoints controller: one Endpoints object per Service with a selector, from the stored pods
// (api's endpointsFor: Ready pods under `addresses`, the others under `notReadyAddresses`), written
// only when it differs from what is stored. Endpoints whose Service is gone are deleted: on the
// first pass every such one (left from an earlier run), afterwards those this controller wrote,
// since a Service without a selector keeps the Endpoints its owner writes, as in Kubernetes.

import { endpointPodOf, endpointsFor, stableJson } from '../../api/index.js';
import type { EndpointPod, Endpoints } from '../../api/index.js';
import type { Logger } from '../../log/index.js';
import type { ClusterView } from './cluster-view.js';
import { namespacedKey } from './cluster-view.js';
import type { ResourceBackend } from './resource-backend.js';

const content = (e: Endpoints): string =>
  stableJson({ labels: e.metadata.labels ?? {}, subsets: e.subsets ?? [] });

export class EndpointsController {
  private readonly written = new Set<string>();
  private firstPass = true;

  constructor(
    private readonly backend: ResourceBackend,
    private readonly logger: Logger,
  ) {}

  async reconcile(view: ClusterView): Promise<void> {
    const pods = view.pods.map(endpointPodOf).filter((p): p is EndpointPod => p !== undefined);
    const stored = new Map(view.endpoints.map((e) => [namespacedKey(e), e]));
    const services = new Set(view.services.map(namespacedKey));
    for (const service of view.services) {
      if (Object.keys(service.spec.selector ?? {}).length === 0) continue;
      const wanted = endpointsFor(service, pods);
      const key = namespacedKey(wanted);
      this.written.add(key);
      const existing = stored.get(key);
      if (existing !== undefined && content(existing) === content(wanted)) continue;
      if (existing === undefined) await this.backend.create(wanted);
      else await this.backend.update(wanted);
      this.logger.debug('endpoints written', { service: key });
    }
    for (const [key, endpoints] of stored) {
      if (services.has(key) || !(this.firstPass || this.written.has(key))) continue;
      this.written.delete(key);
      await this.backend.delete('Endpoints', endpoints.metadata.namespace, endpoints.metadata.name);
    }
    this.firstPass = false;
  }
}
