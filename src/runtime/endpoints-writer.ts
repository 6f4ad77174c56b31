// Writes what the endpoints controller and the deployment controller would: one Endpoints object
// per Service (ready pods under `addresses`, others under `notReadyAddresses`) and each
// Deployment's replica counts. Writes only what changed since the last write.

import type { Deployment, Endpoints } from '../api/index.js';
import type { Logger } from '../log/index.js';
import { stableJson } from './pod-naming.js';
import type { RuntimeBackend } from './runtime-backend.js';
import type { ServiceTable } from './service-table.js';

const keyOf = (ns: string | undefined, name: string): string => `${ns ?? 'default'}/${name}`;

export interface ReplicaCount {
  replicas: number;
  ready: number;
}

export class EndpointsWriter {
  private readonly written = new Map<string, string>();

  constructor(
    private readonly backend: RuntimeBackend,
    private readonly logger: Logger,
  ) {}

  /** Deletes Endpoints whose Service is gone (left from an earlier run). */
  async removeOrphans(serviceKeys: ReadonlySet<string>): Promise<void> {
    const endpoints = (await this.backend.list('Endpoints')).items;
    const orphans = endpoints.filter((e) => !serviceKeys.has(keyOf(e.metadata.namespace, e.metadata.name)));
    await Promise.all(
      orphans.map((e) => this.backend.delete('Endpoints', e.metadata.namespace, e.metadata.name)),
    );
  }

  async writeEndpoints(table: ServiceTable): Promise<void> {
    const live = new Set<string>();
    // Services without a selector keep the Endpoints their owner writes, as in Kubernetes.
    for (const service of table.allServices().filter((s) => Object.keys(s.spec.selector ?? {}).length > 0)) {
      const endpoints: Endpoints = table.endpointsFor(service);
      const key = keyOf(endpoints.metadata.namespace, endpoints.metadata.name);
      live.add(key);
      const json = stableJson(endpoints);
      if (this.written.get(key) === json) continue;
      const existing = await this.backend.get(
        'Endpoints',
        endpoints.metadata.namespace,
        endpoints.metadata.name,
      );
      if (existing === undefined) await this.backend.create(endpoints);
      else await this.backend.update(endpoints);
      this.written.set(key, json);
    }
    for (const key of [...this.written.keys()]) {
      if (live.has(key)) continue;
      this.written.delete(key);
      const [ns, name] = key.split('/') as [string, string];
      await this.backend.delete('Endpoints', ns, name);
    }
  }

  /** Updates `status` of each Deployment whose counts changed; a concurrent change wins. */
  async writeDeploymentStatus(
    deployments: Deployment[],
    count: (d: Deployment) => ReplicaCount,
  ): Promise<void> {
    for (const d of deployments) {
      const { replicas, ready } = count(d);
      const status = { replicas, updatedReplicas: replicas, readyReplicas: ready, availableReplicas: ready };
      if (stableJson(status) === stableJson(d.status ?? {})) continue;
      try {
        // resourceVersion kept: if someone changed the Deployment meanwhile this fails, and the
        // reconcile their change triggers writes the status again.
        Object.assign(d, await this.backend.update({ ...d, status }));
      } catch (err) {
        this.logger.debug('deployment status not written', {
          deployment: keyOf(d.metadata.namespace, d.metadata.name),
          err,
        });
      }
    }
  }
}
