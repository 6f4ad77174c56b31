// The SQLite engine under the store, chosen once per process: Node's own `node:sqlite` where the
// runtime has it (Node 22.13 and later, no flag), else the `better-sqlite3` addon (Node 20, which
// has no `node:sqlite`). Both are synchronous and speak the same SQL, so the backend sees one
// small interface. `node:sqlite` first because a native addon is tied to the Node ABI it was
// compiled for: one built for Node 20 cannot load on Node 24 (NODE_MODULE_VERSION 115 vs 137),
// which is what a machine whose npm builds addons against Node 20's headers produces.

import { createRequire } from 'node:module';

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

export interface SqliteStatement<Row> {
  run(...params: unknown[]): void;
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
}

export interface SqliteDatabase {
  readonly driver: SqliteDriverName;
  exec(sql: string): void;
  prepare<Row = unknown>(sql: string): SqliteStatement<Row>;
  /** Runs fn in a transaction (a savepoint when nested): committed when it returns, rolled back when it throws. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

/** What either engine's statement object offers; both take positional parameters. */
interface RawStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface RawDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): RawStatement;
  close(): void;
}

const load = createRequire(import.meta.url);

function nodeSqlite(): { DatabaseSync: new (file: string) => RawDatabase } | undefined {
  try {
    // Undefined (Node 20) or throwing (Node 22 before 22.13 without --experimental-sqlite).
    return process.getBuiltinModule?.('node:sqlite') as
      { DatabaseSync: new (file: string) => RawDatabase } | undefined;
  } catch {
    return undefined;
  }
}

/** The engines this process can open, in the order they are preferred. */
export function availableSqliteDrivers(): SqliteDriverName[] {
  const found: SqliteDriverName[] = [];
  if (nodeSqlite() !== undefined) found.push('node:sqlite');
  try {
    const Better = load('better-sqlite3') as new (file: string) => RawDatabase;
    new Better(':memory:').close(); // loading the module is not enough: the binary loads on first open
    found.push('better-sqlite3');
  } catch {
    // not installed, or built for another Node: only node:sqlite (if any) is usable
  }
  return found;
}

function openRaw(
  file: string,
  driver: SqliteDriverName | undefined,
): { raw: RawDatabase; driver: SqliteDriverName } {
  const builtin = nodeSqlite();
  if (driver !== 'better-sqlite3' && builtin !== undefined) {
    return { raw: new builtin.DatabaseSync(file), driver: 'node:sqlite' };
  }
  if (driver === 'node:sqlite') {
    throw new Error(
      `node:sqlite is not available in Node ${process.versions.node} (it needs 22.13 or later)`,
    );
  }
  let Better: new (file: string) => RawDatabase;
  try {
    Better = load('better-sqlite3') as new (file: string) => RawDatabase;
    return { raw: new Better(file), driver: 'better-sqlite3' };
  } catch (err) {
    throw new Error(
      `no SQLite engine: Node ${process.versions.node} has no node:sqlite (22.13 or later has it) and ` +
        `better-sqlite3 did not load (${(err as Error).message.split('\n')[0]}); ` +
        'run `npm rebuild better-sqlite3` with this Node, or use Node 22.13 or later',
      { cause: err },
    );
  }
}

/** Opens (or creates) the database file with the preferred engine, or the one named. */
export function openSqlite(file: string, driver?: SqliteDriverName): SqliteDatabase {
  const opened = openRaw(file, driver);
  const raw = opened.raw;
  let depth = 0;
  let open = true;
  return {
    driver: opened.driver,
    exec: (sql) => void raw.exec(sql),
    prepare: <Row>(sql: string): SqliteStatement<Row> => {
      const statement = raw.prepare(sql);
      return {
        run: (...params) => void statement.run(...params),
        get: (...params) => statement.get(...params) as Row | undefined,
        all: (...params) => statement.all(...params) as Row[],
      };
    },
    transaction: <T>(fn: () => T): T => {
      const savepoint = `sp${depth}`;
      raw.exec(depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`);
      depth++;
      try {
        const result = fn();
        raw.exec(depth === 1 ? 'COMMIT' : `RELEASE ${savepoint}`);
        return result;
      } catch (err) {
        raw.exec(depth === 1 ? 'ROLLBACK' : `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
        throw err;
      } finally {
        depth--;
      }
    },
    close: () => {
      if (!open) return;
      open = false;
      raw.close();
    },
  };
}
