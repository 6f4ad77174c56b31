// Node lifecycle: turns the Ready condition of a node whose heartbeats stopped to Unknown (kubectl:
// NotReady), marks its pods Ready=False so the Endpoints controller moves them out of `addresses`,
// and after the eviction timeout deletes them, so the Deployment controller makes new ones and the
// scheduler puts those on a Ready node. Runs on every pass and on a timer (the monitor period),
// since time passing is what it reacts to.

import type { Node, NodeCondition, Pod } from '../../api/index.js';
import { nodeReadyCondition, podIsReady } from '../../api/index.js';
import type { Clock } from '../../identity/index.js';
import type { Logger } from '../../log/index.js';
import { namespacedKey } from './cluster-view.js';
import type { NodeLifecycleConfig, NodeObservation } from './node-health.js';
import { judgeNode } from './node-health.js';
import type { ResourceBackend } from './resource-backend.js';

export class NodeLifecycleController {
  private readonly observed = new Map<string, NodeObservation>();

  constructor(
    private readonly backend: ResourceBackend,
    private readonly config: NodeLifecycleConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Forgets what was seen: a replica that leads again must not judge heartbeats by observations
   * from before it lost the lead (every node would look silent since then).
   */
  forget(): void {
    this.observed.clear();
  }

  async reconcile(view: { nodes: Node[]; pods: Pod[] }): Promise<void> {
    const now = this.clock.now();
    const nodes = new Map(view.nodes.map((n) => [n.metadata.name, n]));
    const names = new Set([...nodes.keys(), ...view.pods.flatMap((p) => p.spec.nodeName ?? [])]);
    for (const name of [...this.observed.keys()]) if (!names.has(name)) this.observed.delete(name);
    for (const name of names) {
      const node = nodes.get(name);
      const verdict = judgeNode(node, this.observed.get(name), now, this.config);
      this.observed.set(name, verdict.observation);
      if (verdict.ready) continue;
      if (verdict.markUnknown && node !== undefined) await this.markUnknown(node, now);
      const pods = view.pods.filter((p) => p.spec.nodeName === name);
      if (verdict.evict) {
        await Promise.all(pods.map((p) => this.evict(p, name)));
      } else {
        await Promise.all(pods.filter(podIsReady).map((p) => this.markPodNotReady(p)));
      }
    }
  }

  private async markUnknown(node: Node, nowMs: number): Promise<void> {
    const previous = nodeReadyCondition(node);
    const unknown: NodeCondition = {
      ...previous,
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'automesh node agent stopped posting node status',
      lastTransitionTime: new Date(nowMs).toISOString(),
    };
    const conditions = (node.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
    try {
      await this.backend.update({
        ...node,
        status: { ...node.status, conditions: [unknown, ...conditions] },
      });
      this.logger.warn('node not ready: heartbeats stopped', { node: node.metadata.name });
    } catch (err) {
      this.logger.debug('node condition not written (changed meanwhile)', { node: node.metadata.name, err });
    }
  }

  private async markPodNotReady(pod: Pod): Promise<void> {
    const conditions = (pod.status?.conditions ?? []).map((c) =>
      c.type === 'Ready' ? { ...c, status: 'False' as const, reason: 'NodeNotReady' } : c,
    );
    try {
      await this.backend.update({ ...pod, status: { ...pod.status, conditions } });
    } catch (err) {
      this.logger.debug('pod condition not written (changed meanwhile)', { pod: namespacedKey(pod), err });
    }
  }

  private async evict(pod: Pod, node: string): Promise<void> {
    await this.backend.delete('Pod', pod.metadata.namespace, pod.metadata.name);
    this.logger.warn('pod evicted from a node that is not ready', { pod: namespacedKey(pod), node });
  }
}
