// The scheduler: binds every pod without spec.nodeName to a node (schedulePod decides), writing
// spec.nodeName with the pod's resourceVersion so a pod changed meanwhile is decided again in the
// next pass. A pod that fits nowhere stays Pending with a PodScheduled=False condition that says
// why, as kubectl describe shows it. Pods that name their node are left as they are.

import type { Pod, PodCondition } from '../../api/index.js';
import type { Logger } from '../../log/index.js';
import type { ClusterView } from './cluster-view.js';
import { namespacedKey } from './cluster-view.js';
import { ownerKey } from './pod-factory.js';
import type { ResourceBackend } from './resource-backend.js';
import { NodeLoad, schedulePod } from './schedule-pod.js';

export class Scheduler {
  constructor(
    private readonly backend: ResourceBackend,
    private readonly logger: Logger,
  ) {}

  async reconcile(view: ClusterView): Promise<void> {
    const load = new NodeLoad();
    for (const pod of view.pods) {
      if (pod.spec.nodeName !== undefined) load.add(pod.spec.nodeName, ownerKey(pod));
    }
    const pending = view.pods
      .filter((p) => p.spec.nodeName === undefined)
      .sort((a, b) => (namespacedKey(a) < namespacedKey(b) ? -1 : 1));
    for (const pod of pending) {
      const owner = ownerKey(pod);
      const placement = schedulePod(pod, view.nodes, load, owner);
      if (placement.ok) {
        load.add(placement.node, owner);
        await this.bind(pod, placement.node);
      } else {
        await this.markUnschedulable(pod, placement.message);
      }
    }
  }

  private async bind(pod: Pod, node: string): Promise<void> {
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    const bound: Pod = {
      ...pod,
      spec: { ...pod.spec, nodeName: node },
      status: { ...pod.status, conditions: [...conditions, { type: 'PodScheduled', status: 'True' }] },
    };
    try {
      await this.backend.update(bound);
      this.logger.info('pod scheduled', { pod: namespacedKey(pod), node });
    } catch (err) {
      this.logger.debug('pod not bound (changed meanwhile)', { pod: namespacedKey(pod), err });
    }
  }

  private async markUnschedulable(pod: Pod, message: string): Promise<void> {
    const previous = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (previous?.status === 'False' && previous.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
    };
    const others = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    try {
      await this.backend.update({
        ...pod,
        status: { phase: 'Pending', ...pod.status, conditions: [...others, condition] },
      });
      this.logger.info('pod unschedulable', { pod: namespacedKey(pod), message });
    } catch (err) {
      this.logger.debug('pod condition not written', { pod: namespacedKey(pod), err });
    }
  }
}
