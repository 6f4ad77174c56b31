// The pure half of an etcd write: what one transaction compares and writes for a batch.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../src/api/index.js';
import { planBatch, type BatchSnapshot } from '../../src/store/etcd/etcd-batch-plan.js';
import { parseEtcdUrl } from '../../src/store/index.js';
import { ns, svc } from './compliance.js';

const ctx = { now: '2026-01-01T00:00:00Z', newUid: () => '00000000-0000-0000-0000-000000000000' };

function snapshot(objects: Resource[], namespaces: Record<string, Resource[]> = {}): BatchSnapshot {
  return {
    revision: 10,
    objects: new Map(
      objects.map((r) => [
        `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`,
        { resource: r, modRevision: 7 },
      ]),
    ),
    namespaceContents: new Map(Object.entries(namespaces)),
  };
}

const writesOf = (plan: ReturnType<typeof planBatch>) =>
  plan.writes.map(
    (w) => `${w.resource === undefined ? 'delete' : 'put'} ${w.kind} ${w.namespace ?? ''}/${w.name}`,
  );

describe('etcd batch plan', () => {
  it('compares a created key with mod_revision 0 and an updated one with the revision read', () => {
    const plan = planBatch(
      [
        { op: 'create', resource: svc('d', 'new') },
        { op: 'apply', resource: svc('d', 'old', 81) },
      ],
      snapshot([svc('d', 'old')]),
      ctx,
    );
    assert.deepEqual(
      plan.expected.map((e) => `${e.name} ${e.modRevision}`),
      ['new 0', 'old 7'],
    );
    assert.deepEqual(writesOf(plan), ['put Service d/new', 'put Service d/old']);
  });

  it('writes nothing for an object made and removed within the batch', () => {
    const plan = planBatch(
      [
        { op: 'create', resource: svc('d', 'a') },
        { op: 'delete', kind: 'Service', namespace: 'd', name: 'a' },
      ],
      snapshot([]),
      ctx,
    );
    assert.deepEqual(writesOf(plan), []);
    assert.deepEqual(
      plan.results.map((r) => r.outcome),
      ['created', 'deleted'],
    );
  });

  it('deletes what a Namespace holds, and asks that nothing in it changed since the read', () => {
    const plan = planBatch(
      [
        { op: 'delete', kind: 'Namespace', namespace: undefined, name: 'foo' },
        { op: 'create', resource: svc('foo', 'again') },
      ],
      snapshot([ns('foo')], { foo: [svc('foo', 'a'), svc('foo', 'b')] }),
      ctx,
    );
    assert.deepEqual(writesOf(plan).sort(), [
      'delete Namespace /foo',
      'delete Service foo/a',
      'delete Service foo/b',
      'put Service foo/again',
    ]);
    assert.deepEqual(plan.unchangedNamespaces, ['foo']);
  });

  it('fails the whole batch with the first failing op', () => {
    assert.throws(
      () =>
        planBatch(
          [
            { op: 'create', resource: svc('d', 'a') },
            { op: 'create', resource: svc('d', 'a') },
          ],
          snapshot([]),
          ctx,
        ),
      { code: 'AUTOMESH_ERR_STORE_EXISTS' },
    );
  });
});

describe('etcd addresses', () => {
  it('parses every member of etcd://HOST:PORT,...', () => {
    assert.deepEqual(parseEtcdUrl('etcd://127.0.0.1:2379,etcd-b:2380,[::1]:2381'), [
      { host: '127.0.0.1', port: 2379 },
      { host: 'etcd-b', port: 2380 },
      { host: '::1', port: 2381 },
    ]);
  });

  it('names the part that is not HOST:PORT', () => {
    assert.throws(() => parseEtcdUrl('etcd://a:1,b'), /"b" in etcd:\/\/a:1,b is not HOST:PORT/);
    assert.throws(() => parseEtcdUrl('etcd://'), /names no etcd member/);
    assert.throws(() => parseEtcdUrl('http://a:1'), /is not an etcd address/);
  });
});
