// Where one pod goes, as kube-scheduler's default plugins would put it in a small cluster: only
// Ready, schedulable nodes whose labels match the pod's nodeSelector; among them the node with the
// fewest pods of the same owner (so a Deployment's replicas spread), then the fewest pods, then
// by name (deterministic). Pure: the caller counts the pods already placed.

import { labelsMatch, nodeIsReady } from '../../api/index.js';
import type { Node, Pod } from '../../api/index.js';

export type Placement = { ok: true; node: string } | { ok: false; message: string };

/** Pods per node, and per (owner, node): what spreading looks at. */
export class NodeLoad {
  private readonly total = new Map<string, number>();
  private readonly byOwner = new Map<string, number>();

  add(node: string, owner: string | undefined): void {
    this.total.set(node, (this.total.get(node) ?? 0) + 1);
    if (owner !== undefined) this.byOwner.set(`${owner}@${node}`, this.ownerCount(node, owner) + 1);
  }

  totalOn(node: string): number {
    return this.total.get(node) ?? 0;
  }

  ownerCount(node: string, owner: string | undefined): number {
    return owner === undefined ? 0 : (this.byOwner.get(`${owner}@${node}`) ?? 0);
  }
}

const plural = (n: number, what: string): string => `${n} node(s) ${what}`;

/** `owner`: what the pod's siblings share (`<ns>/<deployment>`), undefined for a bare pod. */
export function schedulePod(pod: Pod, nodes: readonly Node[], load: NodeLoad, owner?: string): Placement {
  let notReady = 0;
  let unschedulable = 0;
  let selector = 0;
  const feasible: string[] = [];
  for (const node of nodes) {
    if (!nodeIsReady(node)) notReady++;
    else if (node.spec?.unschedulable === true) unschedulable++;
    else if (!labelsMatch(pod.spec.nodeSelector, node.metadata.labels ?? {})) selector++;
    else feasible.push(node.metadata.name);
  }
  if (feasible.length === 0) {
    const reasons = [
      ...(selector > 0 ? [plural(selector, "didn't match Pod's node affinity/selector")] : []),
      ...(notReady > 0 ? [plural(notReady, 'were not ready')] : []),
      ...(unschedulable > 0 ? [plural(unschedulable, 'were unschedulable')] : []),
    ];
    const why = reasons.length > 0 ? ` ${reasons.join(', ')}.` : '';
    return { ok: false, message: `0/${nodes.length} nodes are available:${why}` };
  }
  feasible.sort(
    (a, b) =>
      load.ownerCount(a, owner) - load.ownerCount(b, owner) ||
      load.totalOn(a) - load.totalOn(b) ||
      (a < b ? -1 : a > b ? 1 : 0),
  );
  return { ok: true, node: feasible[0]! };
}
