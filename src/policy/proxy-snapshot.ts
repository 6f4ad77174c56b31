// One-call entry points over SnapshotBuilder.
import type { ProxySnapshot } from '../api/index.js';
import type { MeshState } from './mesh-state.js';
import { SnapshotBuilder } from './snapshot-builder.js';

/** The full config for one pod's sidecar; undefined when the pod is not in the state. */
export function buildProxySnapshot(
  state: MeshState,
  pod: { namespace: string; name: string },
): ProxySnapshot | undefined {
  return new SnapshotBuilder(state).snapshot(pod);
}

/** Snapshots for every pod with a sidecar, keyed `ns/name`. */
export function buildAllSnapshots(state: MeshState): Map<string, ProxySnapshot> {
  return new SnapshotBuilder(state).all();
}
