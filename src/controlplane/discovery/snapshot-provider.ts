// How discovery gets snapshots: from the pure policy engine, for the pods that have a proxy
// connected. An interface so tests and benchmarks can stand in a simple engine.

import type { ProxySnapshot } from '../../api/index.js';
import type { MeshState } from '../../policy/index.js';
import { SnapshotBuilder } from '../../policy/index.js';

export interface PodRef {
  namespace: string;
  name: string;
}

export interface SnapshotProvider {
  /** The snapshot of each pod (key `namespace/name`) that exists in `state`; absent pods are left out. */
  buildFor(state: MeshState, pods: readonly PodRef[]): Map<string, ProxySnapshot>;
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * The policy engine. One builder per state (the registry hands out the same state object until
 * something changes), so the index and each namespace's outbound config are built once and shared
 * by every Hello and rebuild that sees that state.
 */
export function policySnapshotProvider(): SnapshotProvider {
  let last: { state: MeshState; builder: SnapshotBuilder } | undefined;
  const builderFor = (state: MeshState): SnapshotBuilder => {
    if (last?.state !== state) last = { state, builder: new SnapshotBuilder(state) };
    return last.builder;
  };
  return { buildFor: (state, pods) => buildWith(builderFor(state), pods) };
}

function buildWith(builder: SnapshotBuilder, pods: readonly PodRef[]): Map<string, ProxySnapshot> {
  const out = new Map<string, ProxySnapshot>();
  for (const pod of pods) {
    const snapshot = builder.snapshot(pod);
    if (snapshot !== undefined) out.set(podKey(pod.namespace, pod.name), snapshot);
  }
  return out;
}
