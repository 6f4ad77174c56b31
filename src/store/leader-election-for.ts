// The election a store's replicas share: etcd's lease election when the store is etcd (replicas
// may run), the always-leader otherwise (SQLite and memory are opened by one process).

import type { ConfigStore } from './config-store.js';
import { EtcdConfigStore } from './etcd/etcd-config-store.js';
import { EtcdLeaderElection, type EtcdLeaderElectionOptions } from './etcd/etcd-leader-election.js';
import { AlwaysLeader, type LeaderElection } from './leader-election.js';

export type LeaderElectionOptions = Omit<EtcdLeaderElectionOptions, 'endpoints' | 'prefix'>;

export function leaderElectionFor(store: ConfigStore, options: LeaderElectionOptions = {}): LeaderElection {
  if (store instanceof EtcdConfigStore) {
    return new EtcdLeaderElection({ ...options, endpoints: store.endpoints, prefix: store.prefix });
  }
  return new AlwaysLeader();
}
