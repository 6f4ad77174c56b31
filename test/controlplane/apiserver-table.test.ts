import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Resource } from '../../src/api/index.js';
import { matchesFields, parseFieldSelector } from '../../src/controlplane/apiserver/field-selector.js';
import { acceptsTable, toTable } from '../../src/controlplane/apiserver/table.js';
import { namespace, startHarness } from './apiserver-support.js';

const KUBECTL_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

const pod = (name: string, ns: string): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'app', image: 'x' }] },
    status: {
      phase: 'Running',
      podIP: '127.1.0.9',
      containerStatuses: [{ name: 'app', ready: true, restartCount: 2, state: { running: {} } }],
    },
  }) as unknown as Pod;

describe('Table answers', () => {
  it('are chosen only when a v1 Table comes before plain JSON in Accept', () => {
    assert.equal(acceptsTable(KUBECTL_ACCEPT), true);
    assert.equal(acceptsTable('application/json'), false);
    assert.equal(acceptsTable('application/json, application/json;as=Table;v=v1;g=meta.k8s.io'), false);
    assert.equal(acceptsTable('application/json;as=Table;v=v1beta1;g=meta.k8s.io'), false);
    assert.equal(acceptsTable(undefined), false);
  });

  it('give pods kubectl columns, wide ones at priority 1, and each row its metadata', () => {
    const table = toTable('Pod', [pod('web', 'ns1')], {
      nowMs: Date.parse('2026-01-01T00:05:00Z'),
      includeObject: 'Metadata',
    });
    assert.deepEqual(
      table.columnDefinitions.map((c) => `${c.name}:${c.priority}${c.format === 'name' ? ':name' : ''}`),
      [
        'NAME:0:name',
        'READY:0',
        'STATUS:0',
        'RESTARTS:0',
        'AGE:0',
        'IP:1',
        'NODE:1',
        'NOMINATED NODE:1',
        'READINESS GATES:1',
      ],
    );
    assert.deepEqual(table.rows[0]?.cells.slice(0, 6), ['web', '1/1', 'Running', '2', '5m', '127.1.0.9']);
    assert.deepEqual(table.rows[0]?.object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: pod('web', 'ns1').metadata,
    });
  });
});

describe('field selectors', () => {
  const objects: Resource[] = [pod('a', 'x'), pod('b', 'x'), pod('a', 'y')];
  const names = (selector: string) =>
    objects
      .filter((o) => matchesFields(o, parseFieldSelector(selector)))
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

  it('select by metadata.name and metadata.namespace with =, == and !=', () => {
    assert.deepEqual(names('metadata.name=a'), ['x/a', 'y/a']);
    assert.deepEqual(names('metadata.name==a,metadata.namespace=y'), ['y/a']);
    assert.deepEqual(names('metadata.namespace!=x'), ['y/a']);
    assert.deepEqual(names(''), ['x/a', 'x/b', 'y/a']);
  });

  it('refuse other fields and bad syntax, naming them', () => {
    assert.throws(() => parseFieldSelector('spec.nodeName=x'), /field label not supported: spec\.nodeName/);
    assert.throws(() => parseFieldSelector('metadata.name'), /invalid field selector/);
  });

  it('are applied by the API server to lists, watches and collection deletes', async () => {
    const h = await startHarness();
    try {
      await h.client.create(namespace('x'));
      for (const o of objects.slice(0, 2)) await h.store.create(o);
      const listed = await h.raw('GET', '/api/v1/namespaces/x/pods?fieldSelector=metadata.name%3Da');
      assert.deepEqual(
        (listed.json as unknown as { items: Resource[] }).items.map((i) => i.metadata.name),
        ['a'],
      );
      const refused = await h.raw('GET', '/api/v1/pods?fieldSelector=status.phase%3DRunning');
      assert.equal(refused.status, 400);
      assert.equal(refused.json.reason, 'BadRequest');
      const deleted = await h.raw('DELETE', '/api/v1/namespaces/x/pods?fieldSelector=metadata.name%3Db');
      assert.equal(deleted.status, 200);
      assert.deepEqual(
        (await h.store.list('Pod')).items.map((i) => i.metadata.name),
        ['a'],
      );
    } finally {
      await h.close();
    }
  });
});
