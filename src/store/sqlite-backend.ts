// SyncBackend on one SQLite file (node:sqlite or better-sqlite3, see sqlite-driver; synchronous). Durability: WAL journal with
// synchronous=FULL, so a transaction is fsynced to the WAL before the call returns; an
// acknowledged write survives kill -9 and power loss. Objects, the revision counter and the event
// log change in the same transaction, so a restart finds them consistent and watch can replay.

import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Resource, ResourceKind } from '../api/index.js';
import type { WatchEvent } from './config-store.js';
import { openSqlite } from './sqlite-driver.js';
import type { SqliteDatabase, SqliteDriverName } from './sqlite-driver.js';
import { StoreError } from './store-error.js';
import type { SyncBackend } from './sync-backend.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (kind, namespace, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS objects_by_namespace ON objects (namespace);
CREATE TABLE IF NOT EXISTS events (
  revision INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Cluster-scoped objects are stored with namespace '' (a real namespace is never empty). */
const ns = (namespace: string | undefined): string => namespace ?? '';

interface BodyRow {
  body: string;
}
interface EventRow {
  revision: number;
  type: WatchEvent['type'];
  body: string;
}

/** The files SQLite keeps beside the database in WAL mode; the WAL holds recent writes in full. */
const WAL_SIDE_FILES = ['-wal', '-shm'] as const;

/**
 * Makes the database file owner-only before SQLite opens it. SQLite creates `-wal` and `-shm`
 * with the mode of the database file, so creating that file 0600 first (rather than chmod after
 * open) leaves no moment in which a side file is readable by others. Side files left by a crash
 * of an earlier version, made under the umask, are tightened too.
 */
function ownerOnly(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  for (const suffix of WAL_SIDE_FILES) if (existsSync(file + suffix)) chmodSync(file + suffix, 0o600);
}

export class SqliteBackend implements SyncBackend {
  private readonly db: SqliteDatabase;
  private rev: number;
  private compacted: number;
  private readonly stmt: ReturnType<SqliteBackend['prepare']>;

  constructor(file: string, driver?: SqliteDriverName) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      ownerOnly(file);
      this.db = openSqlite(file, driver);
      this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
      this.db.exec(SCHEMA);
    } catch (err) {
      throw new StoreError('AUTOMESH_ERR_STORE_IO', `cannot open the store at ${file}: ${String(err)}`, {
        cause: err,
      });
    }
    this.stmt = this.prepare();
    this.checkSchemaVersion(file);
    this.rev = this.readMeta('revision');
    this.compacted = this.readMeta('compacted');
  }

  private prepare() {
    const db = this.db;
    return {
      get: db.prepare<BodyRow>('SELECT body FROM objects WHERE kind = ? AND namespace = ? AND name = ?'),
      listAll: db.prepare<BodyRow>('SELECT body FROM objects WHERE kind = ? ORDER BY namespace, name'),
      listNs: db.prepare<BodyRow>('SELECT body FROM objects WHERE kind = ? AND namespace = ? ORDER BY name'),
      inNamespace: db.prepare<BodyRow>('SELECT body FROM objects WHERE namespace = ? ORDER BY kind, name'),
      put: db.prepare(
        'INSERT INTO objects (kind, namespace, name, body) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (kind, namespace, name) DO UPDATE SET body = excluded.body',
      ),
      remove: db.prepare('DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?'),
      appendEvent: db.prepare('INSERT INTO events (revision, type, body) VALUES (?, ?, ?)'),
      eventsAfter: db.prepare<EventRow>(
        'SELECT revision, type, body FROM events WHERE revision > ? ORDER BY revision',
      ),
      dropEvents: db.prepare('DELETE FROM events WHERE revision <= ?'),
      readMeta: db.prepare<{ value: number }>('SELECT value FROM meta WHERE key = ?'),
      writeMeta: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
    };
  }

  private checkSchemaVersion(file: string): void {
    const found = this.stmt.readMeta.get('schema_version')?.value;
    if (found === undefined) this.stmt.writeMeta.run('schema_version', SCHEMA_VERSION);
    else if (found !== SCHEMA_VERSION) {
      throw new StoreError(
        'AUTOMESH_ERR_STORE_IO',
        `${file} has store schema ${found}; this automesh reads ${SCHEMA_VERSION}`,
      );
    }
  }

  private readMeta(key: string): number {
    return this.stmt.readMeta.get(key)?.value ?? 0;
  }

  get(kind: ResourceKind, namespace: string | undefined, name: string): Resource | undefined {
    const row = this.stmt.get.get(kind, ns(namespace), name);
    return row === undefined ? undefined : (JSON.parse(row.body) as Resource);
  }

  list(kind: ResourceKind, namespace?: string): Resource[] {
    const rows =
      namespace === undefined ? this.stmt.listAll.all(kind) : this.stmt.listNs.all(kind, namespace);
    return rows.map((row) => JSON.parse(row.body) as Resource);
  }

  listInNamespace(namespace: string): Resource[] {
    return this.stmt.inNamespace.all(namespace).map((row) => JSON.parse(row.body) as Resource);
  }

  put(resource: Resource): void {
    const { kind, metadata } = resource;
    this.stmt.put.run(kind, ns(metadata.namespace), metadata.name, JSON.stringify(resource));
  }

  remove(kind: ResourceKind, namespace: string | undefined, name: string): void {
    this.stmt.remove.run(kind, ns(namespace), name);
  }

  appendEvent(event: WatchEvent): void {
    this.stmt.appendEvent.run(event.revision, event.type, JSON.stringify(event.object));
  }

  eventsAfter(after: number): WatchEvent[] {
    return this.stmt.eventsAfter
      .all(after)
      .map((row) => ({ type: row.type, revision: row.revision, object: JSON.parse(row.body) as Resource }));
  }

  compact(keep: number): void {
    // Every revision has exactly one event, so the kept window is (compacted, revision]. Compact in
    // steps of a tenth of the window, not on every write.
    const slack = Math.max(1, Math.floor(keep / 10));
    if (this.rev - this.compacted <= keep + slack) return;
    const cutoff = this.rev - keep;
    this.stmt.dropEvents.run(cutoff);
    this.compacted = cutoff;
    this.stmt.writeMeta.run('compacted', cutoff);
  }

  compactedRevision(): number {
    return this.compacted;
  }

  revision(): number {
    return this.rev;
  }

  setRevision(revision: number): void {
    this.stmt.writeMeta.run('revision', revision);
    this.rev = revision;
  }

  get driver(): SqliteDriverName {
    return this.db.driver;
  }

  transaction<T>(fn: () => T): T {
    const savedRev = this.rev;
    const savedCompacted = this.compacted;
    try {
      return this.db.transaction(fn);
    } catch (err) {
      // SQLite rolled back; the cached counters must follow.
      this.rev = savedRev;
      this.compacted = savedCompacted;
      throw err;
    }
  }

  close(): void {
    this.db.close();
  }
}
