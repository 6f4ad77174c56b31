// A node's readiness as Kubernetes reads it: its Ready condition, True only while its agent
// heartbeats (the node lifecycle controller turns it Unknown when the heartbeats stop).
import type { Node, NodeCondition } from './resources.js';

/** The label every node carries with its own name (nodeSelector on it pins a pod to a node). */
export const NODE_HOSTNAME_LABEL = 'kubernetes.io/hostname';

export function nodeReadyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Ready: the Ready condition is True. */
export function nodeIsReady(node: Node): boolean {
  return nodeReadyCondition(node)?.status === 'True';
}
