import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteConfigStore, availableSqliteDrivers, type ConfigStore } from '../../src/store/index.js';
import { collector, runConfigStoreCompliance, svc } from './compliance.js';

// Each SQLite engine the store can run on passes the whole suite where this Node has it: Node 20
// has only better-sqlite3, Node 24 node:sqlite (and better-sqlite3 when it was built for it).
const available = availableSqliteDrivers();
for (const driver of ['node:sqlite', 'better-sqlite3'] as const) {
  if (!available.includes(driver)) {
    describe(`ConfigStore compliance: sqlite (${driver})`, () => {
      it('runs the suite', { skip: `${driver} cannot be opened in Node ${process.versions.node}` }, () => {});
      if (driver === 'node:sqlite') {
        it('refuses to open with an engine this Node lacks, saying which Node it needs', () => {
          const dir = mkdtempSync(join(tmpdir(), 'automesh-store-'));
          try {
            assert.throws(
              () => new SqliteConfigStore({ file: join(dir, 'store.db'), driver }),
              (err: Error) =>
                err.message.includes(`node:sqlite is not available in Node ${process.versions.node}`) &&
                err.message.includes('22.13'),
            );
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        });
      }
    });
    continue;
  }
  runConfigStoreCompliance(`sqlite (${driver})`, (options) => {
    const dir = mkdtempSync(join(tmpdir(), 'automesh-store-'));
    const store = new SqliteConfigStore({ file: join(dir, 'store.db'), driver, ...options });
    assert.equal(store.driver, driver);
    return Promise.resolve({
      store,
      dispose: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  });
}

describe('SqliteConfigStore on disk', () => {
  const withDir = async (fn: (dir: string) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'automesh-store-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('creates the database file readable only by its owner, in a new state directory', () =>
    withDir(async (dir) => {
      const store = SqliteConfigStore.inStateDir(join(dir, 'state'));
      await store.close();
      assert.equal(statSync(join(dir, 'state', 'store.db')).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, 'state')).mode & 0o777, 0o700);
    }));

  it('keeps the WAL and shared-memory files owner-only too, whatever the umask', () =>
    withDir(async (dir) => {
      const file = join(dir, 'store.db');
      const mask = process.umask(0o022);
      try {
        const store = new SqliteConfigStore({ file });
        for (let i = 0; i < 20; i++) await store.create(svc('default', `web-${i}`));
        const modes = ['', '-wal', '-shm'].map((suffix) => statSync(file + suffix).mode & 0o777);
        await store.close();
        assert.deepEqual(
          modes.map((m) => m.toString(8)),
          ['600', '600', '600'],
        );
      } finally {
        process.umask(mask);
      }
    }));

  it('keeps objects, the revision and the watch history across a reopen', () =>
    withDir(async (dir) => {
      const file = join(dir, 'store.db');
      let store: ConfigStore = new SqliteConfigStore({ file });
      const a = await store.create(svc('d', 'a'));
      await store.create(svc('d', 'b'));
      await store.update(svc('d', 'a', 81));
      const revision = store.revision();
      await store.close();

      store = new SqliteConfigStore({ file });
      try {
        assert.equal(store.revision(), revision);
        assert.equal((await store.list('Service')).items.length, 2);
        const watch = collector();
        const stop = store.watch({ fromRevision: Number(a.metadata.resourceVersion) }, watch.onEvent);
        const next = await store.create(svc('d', 'c'));
        const events = await watch.next(3);
        stop();
        assert.deepEqual(
          events.map((e) => `${e.type} ${e.object.metadata.name}`),
          ['ADDED b', 'MODIFIED a', 'ADDED c'],
        );
        assert.equal(Number(next.metadata.resourceVersion), revision + 1);
      } finally {
        await store.close();
      }
    }));

  it('refuses every call after close with STORE_CLOSED', () =>
    withDir(async (dir) => {
      const store = new SqliteConfigStore({ file: join(dir, 'store.db') });
      await store.close();
      await assert.rejects(store.get('Service', 'd', 'a'), { code: 'AUTOMESH_ERR_STORE_CLOSED' });
    }));
});
