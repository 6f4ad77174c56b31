// The etcd store on a three-member cluster, its client given every member: the compliance suite,
// then a crash of the member it is connected to, which is also the leader.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { svc } from './compliance.js';
import { withEtcd } from './etcd-store-harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

withEtcd(3, (etcd) => {
  it('keeps taking writes when the leader it talks to is killed, losing none it acknowledged', async () => {
    const cluster = etcd.cluster();
    // grpc-js talks to the first reachable member (pick_first): make that one the leader, then kill it.
    await cluster.makeLeader(0);
    const store = await etcd.open();
    const acked: string[] = [];
    const failed: string[] = [];
    const added = new Map<string, number>();
    const stop = store.watch({ kinds: ['Service'] }, (e) => {
      if (e.type === 'ADDED') added.set(e.object.metadata.name, (added.get(e.object.metadata.name) ?? 0) + 1);
    });
    let killedAt = 0;
    let worstMs = 0;
    try {
      const started = Date.now();
      for (let i = 0; Date.now() - started < 6_000; i++) {
        if (killedAt === 0 && Date.now() - started > 1_500) {
          await cluster.kill(0);
          killedAt = Date.now();
        }
        const name = `w${i}`;
        const t0 = Date.now();
        try {
          await store.create(svc('f', name));
          acked.push(name);
        } catch {
          failed.push(name);
        }
        worstMs = Math.max(worstMs, Date.now() - t0);
        await sleep(10);
      }
      const listed = new Set(
        (await store.list('Service', { namespace: 'f' })).items.map((s) => s.metadata.name),
      );
      for (let i = 0; i < 100 && [...acked].some((n) => !added.has(n)); i++) await sleep(50);
      console.log(
        `# etcd 3 members, connected leader SIGKILLed: sent ${acked.length + failed.length}, ` +
          `acknowledged ${acked.length}, failed ${failed.length}, slowest write ${worstMs} ms`,
      );
      assert.equal(failed.length, 0, `failed: ${failed.join(',')}`);
      assert.deepEqual(
        acked.filter((n) => !listed.has(n)),
        [],
        'acknowledged writes lost',
      );
      assert.ok(acked.length > 20);
      // The watch moved with the client: every acknowledged create seen, none twice.
      assert.deepEqual(
        acked.filter((n) => added.get(n) !== 1),
        [],
        'watch missed or repeated a write',
      );
    } finally {
      stop();
      await store.close();
    }
  });
});
