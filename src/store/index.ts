// Public surface of the store module: the ConfigStore contract and its backends.
export type {
  BatchOp,
  BatchOutcome,
  BatchResult,
  ConfigStore,
  ListOptions,
  ListResult,
  Unsubscribe,
  WatchEvent,
  WatchEventType,
  WatchOptions,
} from './config-store.js';
export { StoreError, isStoreError, type StoreErrorCode } from './store-error.js';
export { MemoryConfigStore } from './memory-config-store.js';
export { SqliteConfigStore, STORE_FILE_NAME, type SqliteConfigStoreOptions } from './sqlite-config-store.js';
export {
  EtcdConfigStore,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type EtcdConfigStoreOptions,
} from './etcd/etcd-config-store.js';
export { parseEtcdUrl, ETCD_URL_SCHEME, type EtcdEndpoint } from './etcd/etcd-endpoints.js';
export { DEFAULT_ETCD_PREFIX } from './etcd/etcd-keys.js';
export { DEFAULT_COMPACTION_INTERVAL_MS, type CompactionRound } from './etcd/etcd-compactor.js';
export { availableSqliteDrivers, type SqliteDriverName } from './sqlite-driver.js';
export { DEFAULT_EVENT_HISTORY, type SyncConfigStoreOptions } from './sync-config-store.js';
export {
  parseLabelSelector,
  matchesLabelSelector,
  type LabelRequirement,
  type LabelSelectorParse,
} from './label-selector.js';
export { resourceKey, describeRef, refOf, type ResourceRef } from './resource-key.js';
export { canonicalJson, applyOutcome } from './resource-writes.js';
export { AlwaysLeader, type LeaderElection, type StartWork, type StopWork } from './leader-election.js';
export {
  EtcdLeaderElection,
  DEFAULT_LEASE_TTL_SECONDS,
  DEFAULT_CAMPAIGN_RETRY_MS,
  type EtcdLeaderElectionOptions,
} from './etcd/etcd-leader-election.js';
export { leaderElectionFor, type LeaderElectionOptions } from './leader-election-for.js';
export { clusterSecretsSlotOf, type SecretSlot } from './secret-slot.js';
export {
  LocalReplicaRoster,
  replicaRosterFor,
  type ReplicaRoster,
  type ReplicaRosterOptions,
} from './replica-roster.js';
export { EtcdReplicaRoster, DEFAULT_ROSTER_LEASE_TTL_SECONDS } from './etcd/etcd-replica-roster.js';
