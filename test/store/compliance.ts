// The ConfigStore compliance suite: written once against the interface, run for every backend
// (memory, SQLite, and etcd when it comes). A backend passes when this whole suite passes.

import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, Service } from '../../src/api/index.js';
import { isStoreError, type ConfigStore, type WatchEvent } from '../../src/store/index.js';

export interface StoreFactoryOptions {
  /** Keep at least this many events for replay (backends may keep more). */
  eventHistory?: number;
  /** Where a backend reports a watcher callback that threw. */
  onWatcherError?: (err: unknown) => void;
}

/** Makes a fresh, empty store; `dispose` closes it and removes whatever it left behind. */
export type StoreFactory = (
  options?: StoreFactoryOptions,
) => Promise<{ store: ConfigStore; dispose: () => Promise<void> }>;

export function ns(name: string, labels?: Record<string, string>): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } };
}

export function svc(namespace: string, name: string, port = 80, labels?: Record<string, string>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: { selector: { app: name }, ports: [{ name: 'http', port }] },
  };
}

/** Collects watch events; `next(n)` waits (bounded) until n have arrived. */
export function collector(): {
  events: WatchEvent[];
  onEvent: (e: WatchEvent) => void;
  next: (n: number) => Promise<WatchEvent[]>;
} {
  const events: WatchEvent[] = [];
  let wake: (() => void) | undefined;
  return {
    events,
    onEvent: (e) => {
      events.push(e);
      wake?.();
    },
    next: async (n) => {
      const deadline = Date.now() + 3000;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`waited for ${n} events, got ${events.length}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      return events.slice(0, n);
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

export function runConfigStoreCompliance(backendName: string, factory: StoreFactory): void {
  describe(`ConfigStore compliance: ${backendName}`, () => {
    const disposers: (() => Promise<void>)[] = [];
    const open = async (options?: StoreFactoryOptions): Promise<ConfigStore> => {
      const made = await factory(options);
      disposers.push(made.dispose);
      return made.store;
    };
    afterEach(async () => {
      for (const dispose of disposers.splice(0)) await dispose();
    });

    describe('create and get', () => {
      it('stamps uid, creationTimestamp, generation 1 and a resourceVersion on create', async () => {
        const store = await open();
        const created = await store.create(svc('default', 'web'));
        assert.match(created.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
        assert.match(created.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.equal(created.metadata.generation, 1);
        assert.equal(created.metadata.resourceVersion, String(store.revision()));
        assert.deepEqual(await store.get('Service', 'default', 'web'), created);
      });

      it('ignores client-supplied server metadata on create', async () => {
        const store = await open();
        const input = svc('default', 'web');
        input.metadata.uid = 'mine';
        input.metadata.generation = 7;
        const created = await store.create(input);
        assert.notEqual(created.metadata.uid, 'mine');
        assert.equal(created.metadata.generation, 1);
      });

      it('refuses a second create of the same kind/namespace/name with STORE_EXISTS', async () => {
        const store = await open();
        await store.create(svc('default', 'web'));
        await assert.rejects(store.create(svc('default', 'web', 81)), (e) =>
          isStoreError(e, 'AUTOMESH_ERR_STORE_EXISTS'),
        );
        const kept = await store.get('Service', 'default', 'web');
        assert.equal((kept as Service).spec.ports[0]?.port, 80);
      });

      it('keeps the same name apart across kinds and namespaces', async () => {
        const store = await open();
        await store.create(svc('a', 'web'));
        await store.create(svc('b', 'web'));
        await store.create(ns('web'));
        assert.equal((await store.list('Service')).items.length, 2);
        assert.equal((await store.get('Namespace', undefined, 'web'))?.kind, 'Namespace');
        assert.equal(await store.get('Service', 'c', 'web'), undefined);
      });

      it('returns copies: mutating a returned object does not change the store', async () => {
        const store = await open();
        const created = (await store.create(svc('default', 'web'))) as Service;
        created.spec.ports[0]!.port = 9999;
        const got = (await store.get('Service', 'default', 'web')) as Service;
        got.metadata.name = 'other';
        const again = (await store.get('Service', 'default', 'web')) as Service;
        assert.equal(again.spec.ports[0]?.port, 80);
        assert.equal(again.metadata.name, 'web');
      });

      it('refuses an object without a name with STORE_INVALID', async () => {
        const store = await open();
        const bad = svc('default', '');
        await assert.rejects(store.create(bad), (e) => isStoreError(e, 'AUTOMESH_ERR_STORE_INVALID'));
        assert.equal(store.revision(), 0);
      });
    });

    describe('update', () => {
      it('moves resourceVersion and generation when the spec changes, keeping uid and creationTimestamp', async () => {
        const store = await open();
        const created = await store.create(svc('default', 'web'));
        const updated = await store.update(svc('default', 'web', 8080));
        assert.equal(updated.metadata.uid, created.metadata.uid);
        assert.equal(updated.metadata.creationTimestamp, created.metadata.creationTimestamp);
        assert.equal(updated.metadata.generation, 2);
        assert.ok(Number(updated.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
      });

      it('keeps generation when only labels change', async () => {
        const store = await open();
        await store.create(svc('default', 'web'));
        const updated = await store.update(svc('default', 'web', 80, { tier: 'front' }));
        assert.equal(updated.metadata.generation, 1);
        assert.deepEqual(updated.metadata.labels, { tier: 'front' });
      });

      it('answers STORE_CONFLICT when the given resourceVersion is stale, and changes nothing', async () => {
        const store = await open();
        const created = await store.create(svc('default', 'web'));
        const first = svc('default', 'web', 81);
        first.metadata.resourceVersion = created.metadata.resourceVersion;
        await store.update(first);
        const stale = svc('default', 'web', 82);
        stale.metadata.resourceVersion = created.metadata.resourceVersion;
        const before = store.revision();
        await assert.rejects(store.update(stale), (e) => isStoreError(e, 'AUTOMESH_ERR_STORE_CONFLICT'));
        assert.equal(store.revision(), before);
        assert.equal(((await store.get('Service', 'default', 'web')) as Service).spec.ports[0]?.port, 81);
      });

      it('answers STORE_NOT_FOUND for an update of a missing object', async () => {
        const store = await open();
        await assert.rejects(store.update(svc('default', 'nope')), (e) =>
          isStoreError(e, 'AUTOMESH_ERR_STORE_NOT_FOUND'),
        );
      });

      it('does not write (no new revision) when nothing changed', async () => {
        const store = await open();
        const created = await store.create(svc('default', 'web'));
        const same = await store.update(svc('default', 'web'));
        assert.equal(same.metadata.resourceVersion, created.metadata.resourceVersion);
        assert.equal(store.revision(), Number(created.metadata.resourceVersion));
      });

      it('keeps the stored status when an update omits it', async () => {
        const store = await open();
        const withStatus: Namespace = { ...ns('team'), status: { phase: 'Active' } };
        await store.create(withStatus);
        const updated = (await store.update(ns('team', { x: 'y' }))) as Namespace;
        assert.deepEqual(updated.status, { phase: 'Active' });
      });
    });

    describe('delete', () => {
      it('deletes and returns the last state; a second delete returns undefined', async () => {
        const store = await open();
        await store.create(svc('default', 'web'));
        const deleted = await store.delete('Service', 'default', 'web');
        assert.equal(deleted?.metadata.name, 'web');
        assert.equal(deleted?.metadata.resourceVersion, String(store.revision()));
        assert.equal(await store.get('Service', 'default', 'web'), undefined);
        assert.equal(await store.delete('Service', 'default', 'web'), undefined);
      });

      it('deleting a Namespace deletes everything in it and nothing outside it', async () => {
        const store = await open();
        await store.create(ns('foo'));
        await store.create(ns('bar'));
        await store.create(svc('foo', 'a'));
        await store.create(svc('foo', 'b'));
        await store.create(svc('bar', 'a'));
        const watch = collector();
        const stop = store.watch({}, watch.onEvent);
        await store.delete('Namespace', undefined, 'foo');
        const events = await watch.next(3);
        stop();
        assert.deepEqual(events.map((e) => `${e.type} ${e.object.kind} ${e.object.metadata.name}`).sort(), [
          'DELETED Namespace foo',
          'DELETED Service a',
          'DELETED Service b',
        ]);
        assert.deepEqual(
          (await store.list('Service')).items.map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
          ['bar/a'],
        );
        assert.equal(await store.get('Namespace', undefined, 'foo'), undefined);
      });
    });

    describe('list', () => {
      it('lists one kind, sorted by namespace then name, with the current revision', async () => {
        const store = await open();
        await store.create(svc('b', 'x'));
        await store.create(svc('a', 'z'));
        await store.create(svc('a', 'y'));
        await store.create(ns('a'));
        const listed = await store.list('Service');
        assert.deepEqual(
          listed.items.map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
          ['a/y', 'a/z', 'b/x'],
        );
        assert.equal(listed.revision, store.revision());
        assert.deepEqual((await store.list('Service', { namespace: 'a' })).items.length, 2);
      });

      it('filters by label selector with kubectl semantics', async () => {
        const store = await open();
        await store.create(svc('d', 'v1', 80, { app: 'x', version: 'v1', env: 'prod' }));
        await store.create(svc('d', 'v2', 80, { app: 'x', version: 'v2', env: 'dev' }));
        await store.create(svc('d', 'other', 80, { app: 'y' }));
        const names = async (selector: string) =>
          (await store.list('Service', { labelSelector: selector })).items.map((s) => s.metadata.name);
        assert.deepEqual(await names('app=x'), ['v1', 'v2']);
        assert.deepEqual(await names('app=x,version!=v2'), ['v1']);
        assert.deepEqual(await names('env in (prod,staging)'), ['v1']);
        assert.deepEqual(await names('env notin (prod)'), ['other', 'v2']);
        assert.deepEqual(await names('!env'), ['other']);
        assert.deepEqual(await names('version'), ['v1', 'v2']);
        await assert.rejects(names('app in (x'), (e) => isStoreError(e, 'AUTOMESH_ERR_STORE_INVALID'));
      });
    });

    describe('list at a past revision', () => {
      it('answers the objects as they were at that revision, with that revision', async () => {
        const store = await open();
        await store.create(svc('a', 'x', 80));
        await store.create(svc('b', 'y', 80));
        await store.create(ns('a'));
        const then = await store.list('Service');
        await store.update({ ...svc('a', 'x', 8080) });
        await store.delete('Service', 'b', 'y');
        await store.create(svc('a', 'w'));
        const past = await store.list('Service', { atRevision: then.revision });
        assert.equal(past.revision, then.revision);
        assert.deepEqual(past.items, then.items);
        const inA = await store.list('Service', { namespace: 'a', atRevision: then.revision });
        assert.deepEqual(
          inA.items.map((s) => s.metadata.name),
          ['x'],
        );
        assert.equal((await store.list('Service')).items.length, 2);
      });

      it('answers STORE_COMPACTED for a revision from before the kept history', async () => {
        const store = await open({ eventHistory: 5 });
        const first = await store.create(svc('d', 'first'));
        for (let i = 0; i < 40; i++) await store.create(svc('d', `s${i}`));
        await assert.rejects(
          store.list('Service', { atRevision: Number(first.metadata.resourceVersion) }),
          (e) => isStoreError(e, 'AUTOMESH_ERR_STORE_COMPACTED'),
        );
      });
    });

    describe('applyBatch', () => {
      it('reports created, configured and unchanged like kubectl apply', async () => {
        const store = await open();
        const first = await store.applyBatch([
          { op: 'apply', resource: svc('d', 'a') },
          { op: 'apply', resource: svc('d', 'b') },
        ]);
        assert.deepEqual(
          first.map((r) => r.outcome),
          ['created', 'created'],
        );
        const second = await store.applyBatch([
          { op: 'apply', resource: svc('d', 'a') },
          { op: 'apply', resource: svc('d', 'b', 81) },
        ]);
        assert.deepEqual(
          second.map((r) => r.outcome),
          ['unchanged', 'configured'],
        );
        assert.equal(second[1]?.resource.metadata.generation, 2);
      });

      it('is all-or-nothing: one failing op leaves no trace (objects, revision, events)', async () => {
        const store = await open();
        await store.create(svc('d', 'exists'));
        const before = store.revision();
        const watch = collector();
        const stop = store.watch({}, watch.onEvent);
        await assert.rejects(
          store.applyBatch([
            { op: 'create', resource: svc('d', 'new1') },
            { op: 'apply', resource: svc('d', 'exists', 90) },
            { op: 'create', resource: svc('d', 'exists') },
          ]),
          (e) => isStoreError(e, 'AUTOMESH_ERR_STORE_EXISTS'),
        );
        await settle();
        stop();
        assert.equal(store.revision(), before);
        assert.equal(await store.get('Service', 'd', 'new1'), undefined);
        assert.equal(((await store.get('Service', 'd', 'exists')) as Service).spec.ports[0]?.port, 80);
        assert.equal(watch.events.length, 0);
        // and the history has no gap or phantom: a replay from before sees nothing either
        const replay = collector();
        const stopReplay = store.watch({ fromRevision: before }, replay.onEvent);
        await settle();
        stopReplay();
        assert.equal(replay.events.length, 0);
      });

      it('rolls back the watch history too when a failed batch would have compacted it', async () => {
        const store = await open({ eventHistory: 5 });
        for (let i = 0; i < 5; i++) await store.create(svc('d', `s${i}`));
        const before = store.revision();
        const ops = Array.from(
          { length: 20 },
          (_, i) => ({ op: 'create', resource: svc('d', `n${i}`) }) as const,
        );
        await assert.rejects(store.applyBatch([...ops, { op: 'create', resource: svc('d', 's0') }]), (e) =>
          isStoreError(e, 'AUTOMESH_ERR_STORE_EXISTS'),
        );
        assert.equal(store.revision(), before);
        const replay = collector();
        const stop = store.watch({ fromRevision: before - 4 }, replay.onEvent);
        await replay.next(4);
        await settle();
        stop();
        assert.deepEqual(
          replay.events.map((e) => e.object.metadata.name),
          ['s1', 's2', 's3', 's4'],
        );
      });

      it('deletes inside a batch, and a missing target fails the batch with STORE_NOT_FOUND', async () => {
        const store = await open();
        await store.create(svc('d', 'a'));
        await assert.rejects(
          store.applyBatch([
            { op: 'delete', kind: 'Service', namespace: 'd', name: 'a' },
            { op: 'delete', kind: 'Service', namespace: 'd', name: 'missing' },
          ]),
          (e) => isStoreError(e, 'AUTOMESH_ERR_STORE_NOT_FOUND'),
        );
        assert.ok(await store.get('Service', 'd', 'a'));
        const done = await store.applyBatch([{ op: 'delete', kind: 'Service', namespace: 'd', name: 'a' }]);
        assert.equal(done[0]?.outcome, 'deleted');
      });
    });

    describe('watch', () => {
      it('streams live ADDED, MODIFIED, DELETED in revision order, never synchronously', async () => {
        const store = await open();
        const watch = collector();
        const stop = store.watch({}, watch.onEvent);
        const pending = store.create(svc('d', 'a'));
        assert.equal(watch.events.length, 0, 'delivered inside the write');
        const created = await pending;
        await store.update(svc('d', 'a', 81));
        await store.delete('Service', 'd', 'a');
        const events = await watch.next(3);
        stop();
        assert.deepEqual(
          events.map((e) => e.type),
          ['ADDED', 'MODIFIED', 'DELETED'],
        );
        assert.equal(events[0]?.revision, Number(created.metadata.resourceVersion));
        assert.ok(events.every((e, i) => i === 0 || e.revision > events[i - 1]!.revision));
        assert.ok(events.every((e) => String(e.revision) === e.object.metadata.resourceVersion));
      });

      it('replays every change after fromRevision, then continues live, without gaps or repeats', async () => {
        const store = await open();
        const a = await store.create(svc('d', 'a'));
        await store.create(svc('d', 'b'));
        await store.update(svc('d', 'a', 81));
        const watch = collector();
        const stop = store.watch({ fromRevision: Number(a.metadata.resourceVersion) }, watch.onEvent);
        await store.create(svc('d', 'c'));
        const events = await watch.next(3);
        await settle();
        stop();
        assert.deepEqual(
          watch.events.map((e) => `${e.type} ${e.object.metadata.name}`),
          ['ADDED b', 'MODIFIED a', 'ADDED c'],
        );
        assert.equal(events.length, 3);
      });

      it('filters by kind and by namespace', async () => {
        const store = await open();
        const byKind = collector();
        const byNs = collector();
        const stops = [
          store.watch({ kinds: ['Namespace'] }, byKind.onEvent),
          store.watch({ namespace: 'x' }, byNs.onEvent),
        ];
        await store.create(svc('y', 'a'));
        await store.create(svc('x', 'b'));
        await store.create(ns('x'));
        await byKind.next(1);
        await byNs.next(1);
        await settle();
        for (const stop of stops) stop();
        assert.deepEqual(
          byKind.events.map((e) => e.object.metadata.name),
          ['x'],
        );
        assert.deepEqual(
          byNs.events.map((e) => e.object.metadata.name),
          ['b'],
        );
      });

      it('reports progress past unwanted changes, in order with the wanted events', async () => {
        const store = await open();
        const seen: string[] = [];
        const stop = store.watch(
          { kinds: ['Service'], onProgress: (revision) => seen.push(`progress ${revision}`) },
          (e) => seen.push(`${e.type} ${e.revision}`),
        );
        const a = await store.create(ns('a'));
        const b = await store.create(ns('b'));
        const s = await store.create(svc('a', 'x'));
        const c = await store.create(ns('c'));
        const rv = (r: { metadata: { resourceVersion?: string } }) => r.metadata.resourceVersion;
        const deadline = Date.now() + 3000;
        while (!seen.includes(`progress ${rv(c)}`) && Date.now() < deadline) await settle();
        stop();
        // Runs of unwanted changes may be reported once or per change; never out of order.
        const expected = [`ADDED ${rv(s)}`, `progress ${rv(c)}`];
        assert.deepEqual(seen.slice(-2), expected);
        const before = seen.slice(0, -2);
        assert.ok(
          before.every((x) => x === `progress ${rv(a)}` || x === `progress ${rv(b)}`) && before.length >= 1,
          seen.join(', '),
        );
      });

      it('stops delivering after unsubscribe', async () => {
        const store = await open();
        const watch = collector();
        const stop = store.watch({}, watch.onEvent);
        await store.create(svc('d', 'a'));
        await watch.next(1);
        stop();
        await store.create(svc('d', 'b'));
        await settle();
        assert.equal(watch.events.length, 1);
      });

      it('keeps delivering to others when one watcher throws, and reports the throw', async () => {
        const reported: unknown[] = [];
        const store = await open({ onWatcherError: (err) => reported.push(err) });
        const good = collector();
        const stops = [
          store.watch({}, () => {
            throw new Error('boom');
          }),
          store.watch({}, good.onEvent),
        ];
        await store.create(svc('d', 'a'));
        await store.create(svc('d', 'b'));
        await good.next(2);
        for (const stop of stops) stop();
        assert.equal(reported.length, 2);
      });

      it('answers STORE_COMPACTED for a replay from before the kept history', async () => {
        const store = await open({ eventHistory: 5 });
        for (let i = 0; i < 40; i++) await store.create(svc('d', `s${i}`));
        assert.throws(
          () => store.watch({ fromRevision: 1 }, () => undefined),
          (e) => isStoreError(e, 'AUTOMESH_ERR_STORE_COMPACTED'),
        );
        const recent = collector();
        const stop = store.watch({ fromRevision: store.revision() - 3 }, recent.onEvent);
        await recent.next(3);
        stop();
      });
    });
  });
}
