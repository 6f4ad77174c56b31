// Whether a node is alive, judged as Kubernetes' node lifecycle controller does: by when this
// controller last SAW its heartbeat change (its own clock), never by the timestamp the node wrote,
// so clock skew between hosts does not matter. A node whose heartbeat has not changed for the grace
// period is NotReady; one NotReady for the eviction timeout has its pods evicted. Pure.

import { nodeIsReady, nodeReadyCondition } from '../../api/index.js';
import type { Node } from '../../api/index.js';

export interface NodeLifecycleConfig {
  /** A heartbeat unchanged this long makes the node NotReady. */
  gracePeriodMs: number;
  /** A node NotReady this long has its pods deleted, so their owners recreate them elsewhere. */
  evictionTimeoutMs: number;
}

/** What the controller remembers of one node between passes. */
export interface NodeObservation {
  heartbeat: string;
  /** When the heartbeat was last seen to change (controller's clock). */
  seenAtMs: number;
  /** Since when the node has been NotReady; undefined while it is Ready. */
  notReadySinceMs?: number;
}

export interface NodeJudgement {
  observation: NodeObservation;
  ready: boolean;
  /** The stored Ready condition still says True but the heartbeats stopped: write Unknown. */
  markUnknown: boolean;
  evict: boolean;
}

/** `node` undefined: pods name a node that does not exist (deleted, or renamed); never Ready. */
export function judgeNode(
  node: Node | undefined,
  previous: NodeObservation | undefined,
  nowMs: number,
  config: NodeLifecycleConfig,
): NodeJudgement {
  const condition = node === undefined ? undefined : nodeReadyCondition(node);
  const heartbeat = `${condition?.lastHeartbeatTime ?? ''}`;
  const seenAtMs = previous !== undefined && previous.heartbeat === heartbeat ? previous.seenAtMs : nowMs;
  const stale = nowMs - seenAtMs > config.gracePeriodMs;
  const storedReady = node !== undefined && nodeIsReady(node);
  const ready = storedReady && !stale;
  const notReadySinceMs = ready ? undefined : (previous?.notReadySinceMs ?? nowMs);
  return {
    observation: { heartbeat, seenAtMs, ...(notReadySinceMs !== undefined ? { notReadySinceMs } : {}) },
    ready,
    markUnknown: storedReady && stale,
    evict: notReadySinceMs !== undefined && nowMs - notReadySinceMs >= config.evictionTimeoutMs,
  };
}
