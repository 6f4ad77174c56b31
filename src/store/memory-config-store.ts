// The in-memory ConfigStore: same semantics as the durable ones, nothing survives the process.

import { MemoryBackend } from './memory-backend.js';
import { SyncConfigStore, type SyncConfigStoreOptions } from './sync-config-store.js';

export class MemoryConfigStore extends SyncConfigStore {
  constructor(options: SyncConfigStoreOptions = {}) {
    super(new MemoryBackend(), options);
  }
}
