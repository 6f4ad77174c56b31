// One value the control-plane replicas of a store share and must agree on (the cluster's sealed
// secrets): written once by whoever comes first, then only read. The store keeps it opaque; what
// it holds and how it is sealed is the control plane's business (controlplane/cluster-secrets).

import type { ConfigStore } from './config-store.js';
import { EtcdConfigStore } from './etcd/etcd-config-store.js';

export interface SecretSlot {
  /** Where the value lives, for messages (`etcd at 127.0.0.1:2379, key /automesh/secrets/cluster`). */
  readonly location: string;
  /** The value, or undefined while nobody wrote it. */
  read(): Promise<Buffer | undefined>;
  /**
   * Writes `value` only if the slot is empty (one compare-and-put: of replicas racing, one wins);
   * answers what the slot holds afterwards: `value` with created = true, or the winner's.
   */
  createIfAbsent(value: Buffer): Promise<{ created: boolean; value: Buffer }>;
}

/** The slot of the cluster's shared secrets: etcd's; undefined on a store one process opens. */
export function clusterSecretsSlotOf(store: ConfigStore): SecretSlot | undefined {
  return store instanceof EtcdConfigStore ? store.clusterSecretsSlot() : undefined;
}
