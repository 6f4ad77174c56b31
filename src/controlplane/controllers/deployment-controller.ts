// The Deployment controller (the ReplicaSet controller folded in): makes and removes the Pod
// objects of each Deployment (`<deploy>-<template hash>-<suffix>`, unscheduled: the scheduler
// places them), removes pods whose Deployment is gone, and writes each Deployment's replica counts.
// It never runs anything: node agents run the pods bound to their node.

import { stableJson, namespaceOf } from '../../api/index.js';
import type { Deployment, Pod } from '../../api/index.js';
import type { Logger } from '../../log/index.js';
import type { ClusterView } from './cluster-view.js';
import { namespacedKey } from './cluster-view.js';
import { planDeployment } from './deployment-plan.js';
import { ownerKey } from './pod-factory.js';
import type { ResourceBackend } from './resource-backend.js';

export class DeploymentController {
  constructor(
    private readonly backend: ResourceBackend,
    private readonly logger: Logger,
  ) {}

  async reconcile(view: ClusterView): Promise<void> {
    const byOwner = new Map<string, Pod[]>();
    for (const pod of view.pods) {
      const key = ownerKey(pod);
      if (key === undefined) continue;
      const owned = byOwner.get(key);
      if (owned === undefined) byOwner.set(key, [pod]);
      else owned.push(pod);
    }
    const names = new Set(view.pods.map(namespacedKey));
    for (const d of view.deployments) {
      const key = namespacedKey(d);
      const ns = namespaceOf(d);
      const plan = planDeployment(d, byOwner.get(key) ?? [], (name) => names.has(`${ns}/${name}`));
      byOwner.delete(key);
      await Promise.all(plan.remove.map((p) => this.deletePod(p, 'replaced or scaled down')));
      for (const pod of plan.create) {
        await this.backend.create(pod);
        this.logger.info('pod created', { deployment: key, pod: pod.metadata.name });
      }
      await this.writeStatus(d, plan.status);
    }
    // What is left has no Deployment any more (deleted, or gone while no control plane ran).
    for (const pods of byOwner.values()) {
      await Promise.all(pods.map((p) => this.deletePod(p, 'its Deployment is gone')));
    }
  }

  private async deletePod(pod: Pod, why: string): Promise<void> {
    await this.backend.delete('Pod', pod.metadata.namespace, pod.metadata.name);
    this.logger.info('pod deleted', { pod: namespacedKey(pod), why });
  }

  /** Updates `status` when the counts changed; a concurrent change of the Deployment wins. */
  private async writeStatus(d: Deployment, status: NonNullable<Deployment['status']>): Promise<void> {
    if (stableJson(status) === stableJson(d.status ?? {})) return;
    try {
      // resourceVersion kept: if someone changed the Deployment meanwhile this fails, and the
      // pass their change starts writes the status again.
      await this.backend.update({ ...d, status });
    } catch (err) {
      this.logger.debug('deployment status not written', { deployment: namespacedKey(d), err });
    }
  }
}
