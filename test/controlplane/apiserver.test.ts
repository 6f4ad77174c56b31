import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { ApiClientError, type ClientWatchEvent } from '../../src/controlplane/index.js';
import type { Service } from '../../src/api/index.js';
import {
  TOKEN,
  namespace,
  peerAuthentication,
  service,
  startHarness,
  type Harness,
} from './apiserver-support.js';
import { httpRequest } from '../../src/controlplane/client/http-request.js';

const rejectsWith = async (
  promise: Promise<unknown>,
  httpStatus: number,
  reason?: string,
  message?: RegExp,
) =>
  assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiClientError, String(err));
    assert.equal(err.httpStatus, httpStatus, err.message);
    if (reason !== undefined) assert.equal(err.reason, reason);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });

describe('API server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ eventHistory: 50 });
  });
  after(async () => {
    await h.close();
  });

  describe('access', () => {
    it('answers 401 with a Status to a request without the admin token', async () => {
      const res = await h.raw('GET', '/api/v1/namespaces', undefined, null);
      assert.equal(res.status, 401);
      assert.equal(res.json.kind, 'Status');
      assert.equal(res.json.reason, 'Unauthorized');
    });

    it('answers 401 to a wrong token, even for an unknown path', async () => {
      assert.equal((await h.raw('GET', '/api/v1/namespaces', undefined, 'nope')).status, 401);
      assert.equal((await h.raw('GET', '/no/such/thing', undefined, 'nope')).status, 401);
    });

    it('listens on loopback only by default', () => {
      assert.equal(h.server.host, '127.0.0.1');
    });

    it('creates the default namespace at start', async () => {
      assert.ok(await h.client.find('Namespace', 'default'));
    });
  });

  describe('CRUD', () => {
    it('creates, gets, lists, updates and deletes a namespaced object with server-maintained metadata', async () => {
      await h.client.create(namespace('crud'));
      const created = await h.client.create(service('crud', 'web'));
      assert.ok(created.metadata.uid);
      assert.ok(created.metadata.creationTimestamp);
      assert.equal(created.metadata.generation, 1);
      assert.deepEqual(await h.client.get('Service', 'web', { namespace: 'crud' }), created);

      const list = await h.client.list('Service', { namespace: 'crud' });
      assert.equal(list.kind, 'ServiceList');
      assert.deepEqual(
        list.items.map((s) => s.metadata.name),
        ['web'],
      );

      const changed = {
        ...created,
        spec: { ...created.spec, ports: [{ name: 'http', port: 8080 }] },
      };
      const updated = await h.client.update(changed);
      assert.equal(updated.metadata.generation, 2);
      assert.equal(updated.metadata.uid, created.metadata.uid);

      const deleted = await h.client.delete('Service', 'web', { namespace: 'crud' });
      assert.equal(deleted.metadata.name, 'web');
      await rejectsWith(
        h.client.get('Service', 'web', { namespace: 'crud' }),
        404,
        'NotFound',
        /services "web" not found/,
      );
    });

    it('answers 409 Conflict to an update with a stale resourceVersion, and keeps the newer object', async () => {
      await h.client.create(namespace('occ'));
      const v1 = await h.client.create(service('occ', 'web'));
      await h.client.update({ ...service('occ', 'web', 81), metadata: { ...v1.metadata } });
      await rejectsWith(
        h.client.update({ ...service('occ', 'web', 82), metadata: { ...v1.metadata } }),
        409,
        'Conflict',
        /has been modified/,
      );
      const kept = await h.client.get<Service>('Service', 'web', { namespace: 'occ' });
      assert.equal(kept.spec.ports[0]?.port, 81);
    });

    it('answers 409 AlreadyExists to a second create', async () => {
      await h.client.create(namespace('dup'));
      await h.client.create(service('dup', 'web'));
      await rejectsWith(h.client.create(service('dup', 'web')), 409, 'AlreadyExists');
    });

    it('refuses an object in a namespace that does not exist, naming it', async () => {
      await rejectsWith(
        h.client.create(service('ghost', 'web')),
        404,
        'NotFound',
        /namespaces "ghost" not found/,
      );
    });

    it('filters lists with kubectl label selectors, across all namespaces', async () => {
      await h.client.create(namespace('sel-a'));
      await h.client.create(namespace('sel-b'));
      await h.client.create(service('sel-a', 'one', 80, { app: 'sel', version: 'v1', env: 'prod' }));
      await h.client.create(service('sel-b', 'two', 80, { app: 'sel', version: 'v2', env: 'dev' }));
      const names = async (labelSelector: string) =>
        (await h.client.list('Service', { labelSelector })).items.map(
          (s) => `${s.metadata.namespace}/${s.metadata.name}`,
        );
      assert.deepEqual(await names('app=sel'), ['sel-a/one', 'sel-b/two']);
      assert.deepEqual(await names('app=sel,version!=v2'), ['sel-a/one']);
      assert.deepEqual(await names('app=sel,env in (dev,staging)'), ['sel-b/two']);
      await rejectsWith(names('env in (dev'), 400, 'BadRequest', /invalid label selector/);
    });

    it('serves cluster-scoped kinds without a namespace, and kinds under their other group versions', async () => {
      const mesh = {
        apiVersion: 'authentication.istio.io/v1alpha1',
        kind: 'MeshPolicy',
        metadata: { name: 'default' },
        spec: { peers: [{ mtls: { mode: 'PERMISSIVE' } }] },
      };
      const res = await h.raw(
        'POST',
        '/apis/authentication.istio.io/v1alpha1/meshpolicies',
        JSON.stringify(mesh),
      );
      assert.equal(res.status, 201, JSON.stringify(res.json));
      assert.equal(res.json.metadata.namespace, undefined);
      const got = await h.raw('GET', '/apis/authentication.istio.io/v1alpha1/meshpolicies/default');
      assert.equal(got.json.spec.peers[0]?.mtls.mode, 'PERMISSIVE');
      const list = await h.raw('GET', '/apis/extensions/v1beta1/deployments');
      assert.equal(list.status, 200);
      assert.equal(list.json.kind, 'DeploymentList');
    });

    it('deletes a collection by label selector', async () => {
      await h.client.create(namespace('coll'));
      await h.client.create(service('coll', 'a', 80, { drop: 'yes' }));
      await h.client.create(service('coll', 'b', 80, { drop: 'yes' }));
      await h.client.create(service('coll', 'c'));
      const gone = await h.client.deleteCollection('Service', {
        namespace: 'coll',
        labelSelector: 'drop=yes',
      });
      assert.deepEqual(
        gone.items.map((s) => s.metadata.name),
        ['a', 'b'],
      );
      assert.deepEqual(
        (await h.client.list('Service', { namespace: 'coll' })).items.map((s) => s.metadata.name),
        ['c'],
      );
    });
  });

  describe('namespace cascade', () => {
    it('deleting a namespace deletes everything in it and nothing else', async () => {
      await h.client.apply([
        namespace('doomed'),
        namespace('kept'),
        service('doomed', 'a'),
        peerAuthentication('doomed', 'default', 'STRICT'),
        service('kept', 'a'),
      ]);
      await h.client.delete('Namespace', 'doomed');
      assert.equal((await h.client.list('Service', { namespace: 'doomed' })).items.length, 0);
      assert.equal((await h.client.list('PeerAuthentication', { namespace: 'doomed' })).items.length, 0);
      assert.equal((await h.client.list('Service', { namespace: 'kept' })).items.length, 1);
      assert.equal(await h.client.find('Namespace', 'doomed'), undefined);
    });
  });

  describe('validation and malformed requests', () => {
    it('answers 422 in the Status shape with every problem and its field path, storing nothing', async () => {
      const before = h.store.revision();
      const bad = peerAuthentication('default', 'bad', 'STRICTT');
      (bad.spec as Record<string, unknown>).unknownField = 1;
      const res = await h.raw(
        'POST',
        '/apis/security.istio.io/v1beta1/namespaces/default/peerauthentications',
        JSON.stringify(bad),
      );
      assert.equal(res.status, 422);
      assert.equal(res.json.kind, 'Status');
      assert.equal(res.json.apiVersion, 'v1');
      assert.equal(res.json.status, 'Failure');
      assert.equal(res.json.reason, 'Invalid');
      assert.equal(res.json.code, 422);
      const fields = res.json.details.causes.map((c) => c.field);
      assert.ok(fields.includes('spec.mtls.mode'), JSON.stringify(res.json));
      assert.ok(fields.length >= 2, `expected every problem, got ${JSON.stringify(fields)}`);
      assert.match(res.json.message, /STRICTT/);
      assert.equal(h.store.revision(), before);
    });

    it('answers 400 to malformed JSON, naming the parse error', async () => {
      const res = await h.raw('POST', '/api/v1/namespaces', '{"apiVersion": "v1", kind:');
      assert.equal(res.status, 400);
      assert.equal(res.json.reason, 'BadRequest');
      assert.match(res.json.message, /not valid JSON/);
    });

    it('answers 400 when the object names another namespace than the path', async () => {
      await rejectsWith(
        h
          .raw('POST', '/api/v1/namespaces/default/services', JSON.stringify(service('other', 'x')))
          .then((r) => {
            if (r.status !== 201)
              throw new ApiClientError('AUTOMESH_ERR_CLIENT_STATUS', r.json.message, {
                httpStatus: r.status,
                status: r.json,
              });
          }),
        400,
        'BadRequest',
        /does not match the namespace/,
      );
    });

    it('answers 404 to an unknown path or kind, listing the supported kinds', async () => {
      const res = await h.raw('GET', '/apis/example.com/v1/namespaces/default/widgets');
      assert.equal(res.status, 404);
      assert.match(res.json.message, /peerauthentications \(PeerAuthentication/);
      assert.equal((await h.raw('GET', '/nothing')).status, 404);
    });

    it('answers 405 to an unsupported method', async () => {
      assert.equal((await h.raw('OPTIONS', '/api/v1/namespaces/default')).status, 405);
      assert.equal((await h.raw('PATCH', '/api/v1/namespaces')).status, 405);
    });

    it('answers 415 to a PATCH that is no patch type it knows, naming the four it takes', async () => {
      const answer = await h.raw('PATCH', '/api/v1/namespaces/default', '{}');
      assert.equal(answer.status, 415);
      assert.match(
        answer.json.message,
        /application\/merge-patch\+json, application\/json-patch\+json, application\/strategic-merge-patch\+json or application\/apply-patch\+yaml/,
      );
    });
  });

  describe('batch apply', () => {
    it('creates, configures and leaves unchanged, with kubectl-style lines', async () => {
      await h.client.create(namespace('app'));
      const first = await h.client.apply([
        service('app', 'web'),
        peerAuthentication('app', 'default', 'STRICT'),
      ]);
      assert.deepEqual(
        first.items.map((i) => i.message),
        ['service/web created', 'peerauthentication.security.istio.io/default created'],
      );
      const second = await h.client.apply([
        service('app', 'web', 81),
        peerAuthentication('app', 'default', 'STRICT'),
      ]);
      assert.deepEqual(
        second.items.map((i) => i.outcome),
        ['configured', 'unchanged'],
      );
      assert.equal(Number(second.metadata.resourceVersion), h.store.revision());
    });

    it('puts objects without a namespace in the request namespace and refuses a mismatch', async () => {
      await h.client.create(namespace('into'));
      const { metadata: _m, ...rest } = service('x', 'plain');
      const result = await h.client.apply([{ ...rest, metadata: { name: 'plain' } }], { namespace: 'into' });
      assert.equal(result.items[0]?.object.metadata.namespace, 'into');
      await rejectsWith(
        h.client.apply([service('app', 'x')], { namespace: 'into' }),
        400,
        'BadRequest',
        /--namespace=app/,
      );
    });

    it('rejects a multi-document apply with one bad document whole: 422, every problem, nothing stored', async () => {
      const before = h.store.revision();
      await rejectsWith(
        h.client.apply([
          namespace('batch'),
          service('batch', 'ok'),
          peerAuthentication('batch', 'default', 'MAYBE'),
          service('batch', 'ok2'),
        ]),
        422,
        'Invalid',
        /document 3 \(PeerAuthentication\/default\): spec\.mtls\.mode/,
      );
      assert.equal(h.store.revision(), before);
      assert.equal(await h.client.find('Namespace', 'batch'), undefined);
      await assert.rejects(
        h.client.apply([
          service('default', 'ok'),
          { kind: 'Widget', apiVersion: 'v1', metadata: { name: 'w' } },
        ]),
        (err: unknown) => {
          assert.ok(err instanceof ApiClientError);
          assert.deepEqual(
            err.status?.details?.causes?.map((c) => c.field),
            ['items[1].kind'],
          );
          return true;
        },
      );
      assert.equal(h.store.revision(), before);
    });

    it('previews without storing on dryRun', async () => {
      const before = h.store.revision();
      const result = await h.client.apply([namespace('dry'), service('dry', 'web')], { dryRun: true });
      assert.deepEqual(
        result.items.map((i) => i.message),
        ['namespace/dry created (dry run)', 'service/web created (dry run)'],
      );
      assert.equal(h.store.revision(), before);
    });
  });

  describe('watch', () => {
    it('streams every change after a resourceVersion, in order, then live changes', async () => {
      await h.client.create(namespace('w1'));
      const first = await h.client.create(service('w1', 'a'));
      await h.client.create(service('w1', 'b'));
      await h.client.delete('Service', 'a', { namespace: 'w1' });
      const events: ClientWatchEvent[] = [];
      let wake: () => void = () => undefined;
      const handle = h.client.watch(
        'Service',
        { namespace: 'w1', resourceVersion: first.metadata.resourceVersion! },
        (e) => {
          events.push(e);
          wake();
        },
      );
      const waitFor = async (n: number) => {
        for (let i = 0; i < 100 && events.length < n; i++)
          await new Promise<void>((r) => ((wake = r), setTimeout(r, 50)));
      };
      await waitFor(2);
      await h.client.create(service('w1', 'c'));
      await waitFor(3);
      handle.stop();
      await handle.done;
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.object.metadata.name}`),
        ['ADDED b', 'DELETED a', 'ADDED c'],
      );
    });

    it('starts with an ADDED per existing object when no resourceVersion is given, filtered by selector', async () => {
      await h.client.create(namespace('w2'));
      await h.client.create(service('w2', 'x', 80, { team: 'a' }));
      await h.client.create(service('w2', 'y', 80, { team: 'b' }));
      const events: ClientWatchEvent[] = [];
      const handle = h.client.watch(
        'Service',
        { namespace: 'w2', labelSelector: 'team=a', timeoutSeconds: 1 },
        (e) => events.push(e),
      );
      await handle.done;
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.object.metadata.name}`),
        ['ADDED x'],
      );
    });

    it('answers 410 Expired to a watch from a compacted resourceVersion', async () => {
      await h.client.create(namespace('w3'));
      await h.client.apply(Array.from({ length: 70 }, (_, i) => service('w3', `s${i}`)));
      const handle = h.client.watch('Service', { resourceVersion: '1' }, () => undefined);
      await rejectsWith(handle.done, 410, 'Expired');
    });

    it('ends open watches when the server closes', async () => {
      const own = await startHarness();
      const handle = own.client.watch('Namespace', {}, () => undefined);
      await new Promise((r) => setTimeout(r, 50));
      await own.close();
      await handle.done;
    });
  });

  describe('extra handlers', () => {
    it('mounts extra handlers behind the same credential check', async () => {
      const own = await startHarness({
        extraHandlers: [
          (req, res) => {
            if (req.url !== '/debug/hello') return false;
            res.end('hi');
            return true;
          },
        ],
      });
      try {
        assert.equal((await own.raw('GET', '/debug/hello', undefined, null)).status, 401);
        const res = await httpRequest(`${own.server.url}/debug/hello`, {
          method: 'GET',
          headers: { authorization: `Bearer ${TOKEN}` },
          ca: own.caPem,
        });
        assert.equal(await res.text(), 'hi');
        assert.equal((await own.raw('GET', '/debug/other')).status, 404);
      } finally {
        await own.close();
      }
    });
  });

  describe('limits', () => {
    it('answers 413 to a body over the limit', async () => {
      const small = await startHarness({ bodyLimitBytes: 1024 });
      try {
        const big = JSON.stringify({
          ...service('default', 'big'),
          metadata: { name: 'big', annotations: { x: 'y'.repeat(5000) } },
        });
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(`${small.server.url}/api/v1/namespaces/default/services`, {
            method: 'POST',
            ca: small.caPem,
            headers: {
              authorization: `Bearer test-admin-token-0123456789abcdef`,
              'content-type': 'application/json',
            },
          });
          req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end(big);
        });
        assert.equal(status, 413);
        assert.equal(small.store.revision(), 1);
      } finally {
        await small.close();
      }
    });
  });
});
