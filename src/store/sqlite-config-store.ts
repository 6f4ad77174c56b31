// The default durable ConfigStore: one SQLite file in the state directory.

import { join } from 'node:path';
import { SqliteBackend } from './sqlite-backend.js';
import type { SqliteDriverName } from './sqlite-driver.js';
import { SyncConfigStore, type SyncConfigStoreOptions } from './sync-config-store.js';

/** The store file's name inside the state directory. */
export const STORE_FILE_NAME = 'store.db';

export interface SqliteConfigStoreOptions extends SyncConfigStoreOptions {
  /** The database file; created (with its directory) when missing. */
  file: string;
  /** The SQLite engine; default node:sqlite where Node has it, else better-sqlite3 (sqlite-driver). */
  driver?: SqliteDriverName;
}

export class SqliteConfigStore extends SyncConfigStore {
  readonly file: string;
  /** The engine the file was opened with. */
  readonly driver: SqliteDriverName;

  constructor(options: SqliteConfigStoreOptions) {
    const { file, driver, ...rest } = options;
    const backend = new SqliteBackend(file, driver);
    super(backend, rest);
    this.file = file;
    this.driver = backend.driver;
  }

  /** Opens (or creates) `<stateDir>/store.db`. */
  static inStateDir(stateDir: string, options: SyncConfigStoreOptions = {}): SqliteConfigStore {
    return new SqliteConfigStore({ ...options, file: join(stateDir, STORE_FILE_NAME) });
  }
}
