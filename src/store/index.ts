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
