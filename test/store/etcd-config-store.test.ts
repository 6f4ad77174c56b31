// The etcd store on one real member: the compliance suite, then what only etcd has — compaction
// coordinated between replicas, a compacted watch answered 410 Gone by the API server, prefixes
// that keep stores apart, and a clear error for an etcd that is not there.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { MeshRegistry, startApiServer } from '../../src/controlplane/index.js';
import type { Logger } from '../../src/log/index.js';
import { EtcdConfigStore, isStoreError } from '../../src/store/index.js';
import { ns, svc } from './compliance.js';
import { withEtcd } from './etcd-store-harness.js';
import { httpRequest } from '../../src/controlplane/client/http-request.js';
import { apiTestTls } from '../support/api-tls.js';
import { relay } from '../support/tcp-relay.js';

const TOKEN = 'etcd-test-admin-token-0123456789';

/** A logger that keeps the revisions of the compactions it is told about. */
function compactionLog(): { logger: Logger; compacted: number[] } {
  const compacted: number[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (msg, fields) => {
      if (msg === 'etcd history compacted') compacted.push(Number(fields?.revision));
    },
    warn: () => undefined,
    error: () => undefined,
    child: () => logger,
  };
  return { logger, compacted };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

withEtcd(1, (etcd) => {
  it('keeps stores with different prefixes apart on one etcd', async () => {
    const a = await etcd.open();
    const b = await etcd.open();
    try {
      await a.create(svc('d', 'web'));
      assert.equal(await b.get('Service', 'd', 'web'), undefined);
      assert.equal((await b.list('Service')).items.length, 0);
      await b.create(svc('d', 'web', 81));
      assert.equal(((await a.list('Service')).items[0] as ReturnType<typeof svc>).spec.ports[0]?.port, 80);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('sees the writes of another replica on the same prefix, with no gap between list and watch', async () => {
    const a = await etcd.open();
    const b = await etcd.open({ prefix: a.prefix });
    try {
      await a.create(svc('d', 'one'));
      const listed = await b.list('Service');
      const seen: string[] = [];
      const writes = a.create(svc('d', 'two'));
      const stop = b.watch({ fromRevision: listed.revision }, (e) =>
        seen.push(`${e.type} ${e.object.metadata.name}`),
      );
      await writes;
      await a.update(svc('d', 'one', 81));
      for (let i = 0; i < 60 && seen.length < 2; i++) await sleep(50);
      stop();
      assert.deepEqual(
        listed.items.map((s) => s.metadata.name),
        ['one'],
      );
      assert.deepEqual(seen, ['ADDED two', 'MODIFIED one']);
      assert.ok(b.revision() >= a.revision(), "the watching replica reached the writer's revision");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('compacts once per interval however many replicas run, and another takes over when the winner stops', async () => {
    const intervalMs = 250;
    const logs = [compactionLog(), compactionLog(), compactionLog()];
    const first = await etcd.open({ compactionIntervalMs: intervalMs, logger: logs[0]?.logger });
    const replicas = [first];
    for (const log of logs.slice(1)) {
      replicas.push(
        await etcd.open({ prefix: first.prefix, compactionIntervalMs: intervalMs, logger: log.logger }),
      );
    }
    try {
      const started = Date.now();
      for (let i = 0; Date.now() - started < 2_500; i++) {
        await (replicas[i % 3] as EtcdConfigStore).applyBatch([
          { op: 'apply', resource: svc('d', `s${i % 5}`, 80 + i) },
        ]);
        await sleep(20);
      }
      const elapsed = Date.now() - started;
      const all = logs.flatMap((l) => l.compacted).sort((x, y) => x - y);
      const byReplica = logs.map((l) => l.compacted.length);
      // Uncoordinated, three replicas would compact about 3 × elapsed / interval times.
      assert.ok(all.length >= 3, `compacted ${all.length} times in ${elapsed} ms`);
      assert.ok(
        all.length <= Math.ceil(elapsed / intervalMs) + 1,
        `compacted ${all.length} times (${byReplica.join('/')}) in ${elapsed} ms`,
      );
      assert.equal(new Set(all).size, all.length, 'no revision compacted twice');
      // The replica that wins keeps winning while it lives: stop it, another must take over.
      const winner = byReplica.indexOf(Math.max(...byReplica));
      await (replicas[winner] as EtcdConfigStore).close();
      const before = logs.filter((_, i) => i !== winner).reduce((n, l) => n + l.compacted.length, 0);
      for (let i = 0; i < 40; i++) {
        await (replicas[(winner + 1) % 3] as EtcdConfigStore).applyBatch([
          { op: 'apply', resource: svc('d', 'after', 1000 + i) },
        ]);
        await sleep(50);
        const now = logs.filter((_, j) => j !== winner).reduce((n, l) => n + l.compacted.length, 0);
        if (now >= before + 2) break;
      }
      const after = logs.filter((_, i) => i !== winner).reduce((n, l) => n + l.compacted.length, 0);
      assert.ok(after >= before + 2, `the others compacted ${after - before} times after the winner stopped`);
    } finally {
      for (const r of replicas) await r.close();
    }
  });

  it('answers a watch from a compacted revision with 410 Expired through the API server', async () => {
    // `knows` compacted the history itself; `other` (same prefix) learns it only from etcd.
    const { tls, caPem } = await apiTestTls();
    const knows = await etcd.open({ eventHistory: 5 });
    const other = await etcd.open({ prefix: knows.prefix });
    const servers = [
      await startApiServer({ store: knows, adminToken: TOKEN, tls }),
      await startApiServer({ store: other, adminToken: TOKEN, tls }),
    ];
    try {
      await knows.create(ns('w'));
      for (let i = 0; i < 20; i++) await knows.create(svc('w', `s${i}`));
      const path = '/api/v1/namespaces/w/services?watch=true&resourceVersion=1';
      const get = (url: string) =>
        httpRequest(url + path, {
          method: 'GET',
          headers: { authorization: `Bearer ${TOKEN}` },
          signal: AbortSignal.timeout(10_000),
          ca: caPem,
        });

      const known = await get((servers[0] as { url: string }).url);
      assert.equal(known.status, 410);
      assert.equal((JSON.parse(await known.text()) as { reason: string }).reason, 'Expired');

      // The other replica has already answered 200 when etcd says "compacted": an ERROR event, then the end.
      const learned = await get((servers[1] as { url: string }).url);
      assert.equal(learned.status, 200);
      const lines = (await learned.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; object: { code: number; reason: string } });
      assert.deepEqual(
        lines.map((l) => [l.type, l.object.code, l.object.reason]),
        [['ERROR', 410, 'Expired']],
      );
      // ... after which it knows, and answers 410 at once like the first.
      assert.throws(
        () => other.watch({ fromRevision: 1 }, () => undefined),
        (e) => isStoreError(e, 'AUTOMESH_ERR_STORE_COMPACTED'),
      );
    } finally {
      for (const s of servers) await s.close();
      await knows.close();
      await other.close();
    }
  });

  it('fails to connect to an etcd that is not there within the bound, naming the address', async () => {
    const started = Date.now();
    await assert.rejects(
      EtcdConfigStore.connect({ endpoints: 'etcd://127.0.0.1:1', connectTimeoutMs: 1_000 }),
      (e) =>
        isStoreError(e, 'AUTOMESH_ERR_STORE_IO') &&
        /cannot reach etcd at 127\.0\.0\.1:1 within 1 s/.test(e.message),
    );
    assert.ok(Date.now() - started < 3_000);
    await assert.rejects(
      EtcdConfigStore.connect({ endpoints: 'etcd://127.0.0.1:99999' }),
      (e) =>
        isStoreError(e, 'AUTOMESH_ERR_STORE_INVALID') &&
        /"127\.0\.0\.1:99999" in etcd:\/\/127\.0\.0\.1:99999 is not HOST:PORT/.test(e.message),
    );
  });
  it('ends watches whose history was compacted while the store was cut off, and the registry lists again', async () => {
    const cut = await relay((etcd.cluster().members[0] as { clientPort: number }).clientPort);
    const behind = await etcd.open({ endpoints: `etcd://127.0.0.1:${cut.port}` });
    const writer = await etcd.open({ prefix: behind.prefix, eventHistory: 2 });
    const registry = new MeshRegistry({ store: behind });
    const ended: string[] = [];
    const services = () =>
      registry
        .state()
        .services.map((s) => s.metadata.name)
        .sort();
    try {
      await registry.start();
      await behind.create(ns('r'));
      const stop = behind.watch(
        { fromRevision: behind.revision(), onError: (e) => ended.push(e.code) },
        () => undefined,
      );
      cut.cut();
      // While `behind` cannot reach etcd, another replica writes and compacts past what it saw.
      const names = ['a', 'b', 'c', 'e', 'f', 'g', 'h'];
      for (const name of names) await writer.create(svc('r', name));
      cut.restore();
      for (let i = 0; i < 100 && services().length < names.length; i++) await sleep(100);
      stop();
      assert.deepEqual(
        ended,
        ['AUTOMESH_ERR_STORE_COMPACTED'],
        'the open watch was ended, not left with a gap',
      );
      assert.deepEqual(services(), names, 'the registry listed again');
      await writer.create(svc('r', 'd'));
      for (let i = 0; i < 60 && services().length <= names.length; i++) await sleep(50);
      assert.deepEqual(services(), [...names, 'd'].sort(), 'and follows live changes after');
    } finally {
      registry.stop();
      await behind.close();
      await writer.close();
      await cut.close();
    }
  });
});
