// Gives each Node without a pod range one from the cluster pod range (pod-cidr-plan.ts) when pods
// are routed between hosts. A write lost to a heartbeat (Conflict) is tried again next pass.

import type { Node } from '../../api/index.js';
import type { Logger } from '../../log/index.js';
import type { ClusterView } from './cluster-view.js';
import { planPodCidrs, type Ipv4Cidr } from './pod-cidr-plan.js';
import type { ResourceBackend } from './resource-backend.js';

export class NodeIpamController {
  constructor(
    private readonly backend: ResourceBackend,
    private readonly cluster: Ipv4Cidr,
    private readonly maskSize: number,
    private readonly logger: Logger,
  ) {}

  async reconcile(view: Pick<ClusterView, 'nodes'>): Promise<void> {
    const { assign, exhausted } = planPodCidrs(this.cluster, this.maskSize, view.nodes);
    if (exhausted.length > 0) this.logger.warn('the cluster pod range is full', { nodes: exhausted });
    for (const node of view.nodes) {
      const podCIDR = assign.get(node.metadata.name);
      if (podCIDR === undefined) continue;
      const next: Node = { ...node, spec: { ...node.spec, podCIDR, podCIDRs: [podCIDR] } };
      try {
        await this.backend.update(next);
        this.logger.info('node pod range assigned', { node: node.metadata.name, podCIDR });
      } catch (err) {
        this.logger.debug('node pod range not written; next pass', { node: node.metadata.name, err });
      }
    }
  }
}
