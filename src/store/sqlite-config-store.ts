// The default durable ConfigStore: one SQLite file in the state directory.

import { join } from 'node:path';
import { SqliteBackend } from './sqlite-backend.js';
import { SyncConfigStore, type SyncConfigStoreOptions } from './sync-config-store.js';

/** The store file's name inside the state directory. */
export const STORE_FILE_NAME = 'store.db';

export interface SqliteConfigStoreOptions extends SyncConfigStoreOptions {
  /** The database file; created (with its directory) when missing. */
  file: string;
}

export class SqliteConfigStore extends SyncConfigStore {
  readonly file: string;

  constructor(options: SqliteConfigStoreOptions) {
    const { file, ...rest } = options;
    super(new SqliteBackend(file), rest);
    this.file = file;
  }

  /** Opens (or creates) `<stateDir>/store.db`. */
  static inStateDir(stateDir: string, options: SyncConfigStoreOptions = {}): SqliteConfigStore {
    return new SqliteConfigStore({ ...options, file: join(stateDir, STORE_FILE_NAME) });
  }
}
