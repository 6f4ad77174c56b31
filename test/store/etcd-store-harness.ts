// Runs the unchanged compliance suite on the etcd store against real etcd members started here:
// one etcd per test file, a fresh key prefix per store, so each store starts empty.

import { before, after, describe } from 'node:test';
import { randomUUID } from 'node:crypto';
import { EtcdConfigStore, type EtcdConfigStoreOptions } from '../../src/store/index.js';
import { skipWithoutEtcd, startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { runConfigStoreCompliance } from './compliance.js';

export interface EtcdHarness {
  cluster(): EtcdCluster;
  /** A store under a fresh prefix; closed by the caller. */
  open(options?: Partial<EtcdConfigStoreOptions>): Promise<EtcdConfigStore>;
}

/**
 * Starts `size` members before the file's tests and stops them after; the suite (and `extra`) run
 * against them. Without etcd on the PATH, says why and registers one skipped test.
 */
export function withEtcd(size: 1 | 3, extra?: (harness: EtcdHarness) => void): void {
  if (skipWithoutEtcd(`etcd store with ${size} member(s)`)) return;
  let cluster: EtcdCluster | undefined;
  before(async () => {
    cluster = await startEtcdCluster(size);
  });
  after(async () => {
    await cluster?.stop();
  });
  const harness: EtcdHarness = {
    cluster: () => cluster as EtcdCluster,
    open: (options = {}) =>
      EtcdConfigStore.connect({
        endpoints: `etcd://${(cluster as EtcdCluster).endpoints.join(',')}`,
        prefix: `/test/${randomUUID()}`,
        // The coordinated compactor writes a key each round; it is tested on its own, and off
        // here so that no stray revision lands between the suite's writes.
        compactionIntervalMs: 0,
        ...options,
      }),
  };
  describe(`etcd, ${size} member(s)`, () => {
    runConfigStoreCompliance(`etcd (${size} member${size === 1 ? '' : 's'})`, async (options) => {
      const store = await harness.open({ ...options });
      return { store, dispose: () => store.close() };
    });
    extra?.(harness);
  });
}
