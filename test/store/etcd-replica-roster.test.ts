// The replica roster on a real etcd member: each replica is listed once it announced and while it
// lives; one that closes drops out at once; one whose lease etcd expired (cut off longer than the
// TTL) is listed again once it reaches etcd; the local roster holds only this replica.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EtcdReplicaRoster, LocalReplicaRoster } from '../../src/store/index.js';
import { skipWithoutEtcd, startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { relay } from '../support/tcp-relay.js';
import { waitFor } from '../support/wait-for.js';

const TTL_SECONDS = 2;

describe('the local replica roster', () => {
  it('lists this replica alone once it announced, and none after close', async () => {
    const roster = new LocalReplicaRoster();
    assert.deepEqual([...(await roster.members()).values()], []);
    await roster.announce('me');
    assert.deepEqual([...(await roster.members()).values()], ['me']);
    await roster.close();
    assert.equal((await roster.members()).size, 0);
  });
});

describe('the etcd replica roster', { timeout: 60_000 }, () => {
  if (skipWithoutEtcd()) return;
  let cluster: EtcdCluster | undefined;
  before(async () => {
    cluster = await startEtcdCluster(1);
  });
  after(async () => {
    await cluster?.stop();
  });
  const roster = (endpoint: string, prefix: string): EtcdReplicaRoster =>
    new EtcdReplicaRoster({ endpoints: [endpoint], prefix, leaseTtlSeconds: TTL_SECONDS });
  const values = async (r: EtcdReplicaRoster): Promise<string[]> => [...(await r.members()).values()].sort();

  it('lists every live replica, and drops one that closes at once', async () => {
    const prefix = `/test/${randomUUID()}`;
    const endpoint = (cluster as EtcdCluster).endpoints[0] as string;
    const a = roster(endpoint, prefix);
    const b = roster(endpoint, prefix);
    try {
      await a.announce('a');
      await b.announce('b');
      assert.deepEqual(await values(a), ['a', 'b']);
      await b.announce('b2');
      assert.deepEqual(await values(a), ['a', 'b2'], 'announcing again replaces the value');
      // Kept alive past several TTLs.
      await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 1500));
      assert.deepEqual(await values(a), ['a', 'b2']);
      await b.close();
      assert.deepEqual(await values(a), ['a']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('drops a replica cut off past its TTL and lists it again once it is back', async () => {
    const prefix = `/test/${randomUUID()}`;
    const port = (cluster as EtcdCluster).members[0]?.clientPort as number;
    const cuttable = await relay(port);
    const cut = roster(`127.0.0.1:${cuttable.port}`, prefix);
    const watcher = roster(`127.0.0.1:${port}`, prefix);
    try {
      await cut.announce('cut-off');
      assert.deepEqual(await values(watcher), ['cut-off']);
      cuttable.cut();
      await waitFor('the lease to expire', async () => (await values(watcher)).length === 0, 10_000, 100);
      cuttable.restore();
      await waitFor('announced again', async () => (await values(watcher)).includes('cut-off'), 15_000, 100);
    } finally {
      await cut.close();
      await watcher.close();
      await cuttable.close();
    }
  });
});
