import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from '../../src/api/index.js';
import { applyJsonPatch } from '../../src/controlplane/apiserver/patch/json-patch.js';
import { applyMergePatch } from '../../src/controlplane/apiserver/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../../src/controlplane/apiserver/patch/strategic-merge-patch.js';
import { decodeProtobufObject } from '../../src/controlplane/apiserver/protobuf-body.js';
import { httpRequest } from '../../src/controlplane/client/http-request.js';
import { TOKEN, namespace, peerAuthentication, startHarness, type Harness } from './apiserver-support.js';

describe('JSON merge patch (RFC 7386)', () => {
  it('merges objects, removes keys set to null and replaces everything else', () => {
    assert.deepEqual(
      applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2], k: 'v' }, { a: { b: null, d: 3 }, l: [3], k: null }),
      { a: { c: 2, d: 3 }, l: [3] },
    );
    assert.deepEqual(applyMergePatch({ a: 1 }, 'x'), 'x');
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = { metadata: { labels: { a: '1' } }, list: [1, 2, 3] };
  it('adds, removes, replaces, moves, copies and tests without touching its input', () => {
    const result = applyJsonPatch(doc, [
      { op: 'add', path: '/metadata/labels/b~1c', value: '2' },
      { op: 'remove', path: '/list/0' },
      { op: 'replace', path: '/list/0', value: 9 },
      { op: 'add', path: '/list/-', value: 4 },
      { op: 'copy', from: '/metadata/labels/a', path: '/copied' },
      { op: 'move', from: '/copied', path: '/moved' },
      { op: 'test', path: '/moved', value: '1' },
    ]);
    assert.deepEqual(result, {
      ok: true,
      value: { metadata: { labels: { a: '1', 'b/c': '2' } }, list: [9, 3, 4], moved: '1' },
    });
    assert.deepEqual(doc.list, [1, 2, 3]);
  });

  it('fails as a whole, naming the operation, on a missing path, a bad index or a failed test', () => {
    const fail = (ops: unknown[]) => {
      const r = applyJsonPatch(doc, ops);
      return r.ok ? 'ok' : r.message;
    };
    assert.equal(
      fail([{ op: 'remove', path: '/nope' }]),
      'operation 0 (remove): the path "/nope" does not exist',
    );
    assert.equal(
      fail([{ op: 'add', path: '/list/7', value: 1 }]),
      'operation 0 (add): the index in "/list/7" is out of range',
    );
    assert.match(fail([{ op: 'test', path: '/list/0', value: 5 }]), /the test at "\/list\/0" failed/);
    assert.match(fail([{ op: 'frobnicate', path: '' }]), /unknown operation "frobnicate"/);
    assert.equal(fail({} as unknown as unknown[]), 'a JSON patch is a list of operations');
  });
});

/** Protobuf as kubectl's typed client writes it: every string field, empty ones too. */
function field(n: number, bytes: Buffer | string): Buffer {
  const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return Buffer.concat([Buffer.from([(n << 3) | 2, body.length]), body]);
}
function entry(n: number, key: string, value: string): Buffer {
  return field(n, Buffer.concat([field(1, key), field(2, value)]));
}

describe('protobuf bodies', () => {
  it('decode a Namespace as kubectl create namespace sends it', () => {
    const meta = Buffer.concat([field(1, 'team'), field(2, ''), field(3, ''), entry(11, 'a', 'b')]);
    const raw = Buffer.concat([field(1, meta), field(2, Buffer.alloc(0)), field(3, Buffer.alloc(0))]);
    const body = Buffer.concat([
      Buffer.from('k8s\0', 'latin1'),
      field(1, Buffer.concat([field(1, 'v1'), field(2, 'Namespace')])),
      field(2, raw),
    ]);
    assert.deepEqual(decodeProtobufObject(body), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team', labels: { a: 'b' } },
    });
  });

  it('refuse other kinds and malformed bytes with a message', () => {
    const deployment = Buffer.concat([
      Buffer.from('k8s\0', 'latin1'),
      field(1, Buffer.concat([field(1, 'apps/v1'), field(2, 'Deployment')])),
    ]);
    assert.throws(() => decodeProtobufObject(deployment), /Deployment cannot be sent as protobuf here/);
    assert.throws(() => decodeProtobufObject(Buffer.from('{}')), /no k8s protobuf magic/);
    assert.throws(
      () => decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x7f])])),
      /runs past the end/,
    );
  });
});

describe('writes on the API server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.client.create(namespace('w'));
    await h.client.create(peerAuthentication('w', 'p', 'PERMISSIVE'));
  });
  after(() => h.close());

  const patch = async (type: string, body: string) => {
    const response = await httpRequest(
      `${h.server.url}/apis/security.istio.io/v1beta1/namespaces/w/peerauthentications/p`,
      {
        method: 'PATCH',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': type },
        body,
        ca: h.caPem,
      },
    );
    return {
      status: response.status,
      json: JSON.parse(await response.text()) as { reason?: string; spec?: { mtls: { mode: string } } },
    };
  };

  it('patches with a merge patch and a JSON patch, storing a new version', async () => {
    const merged = await patch('application/merge-patch+json', '{"spec":{"mtls":{"mode":"STRICT"}}}');
    assert.equal(merged.status, 200);
    assert.equal(merged.json.spec?.mtls.mode, 'STRICT');
    const json = await patch(
      'application/json-patch+json',
      '[{"op":"replace","path":"/spec/mtls/mode","value":"DISABLE"}]',
    );
    assert.equal(json.json.spec?.mtls.mode, 'DISABLE');
  });

  it('refuses a patch whose result is invalid or renames the object, storing nothing', async () => {
    const before = h.store.revision();
    assert.equal(
      (await patch('application/merge-patch+json', '{"spec":{"mtls":{"mode":"NEVER"}}}')).json.reason,
      'Invalid',
    );
    assert.equal(
      (await patch('application/merge-patch+json', '{"metadata":{"name":"q"}}')).json.reason,
      'Invalid',
    );
    assert.equal((await patch('application/yaml', '{}')).status, 415);
    assert.equal(h.store.revision(), before);
  });

  it('answers AlreadyExists with the group-qualified resource, as kube-apiserver words it', async () => {
    const again = await h.raw(
      'POST',
      '/apis/security.istio.io/v1beta1/namespaces/w/peerauthentications',
      JSON.stringify(peerAuthentication('w', 'p', 'STRICT')),
    );
    assert.equal(again.status, 409);
    assert.equal(again.json.reason, 'AlreadyExists');
    assert.equal(again.json.message, 'peerauthentications.security.istio.io "p" already exists');
  });

  it('injects the sidecar into a Deployment written to a namespace labelled for injection, by any write', async () => {
    await h.client.create({
      ...namespace('inj'),
      metadata: { name: 'inj', labels: { 'istio-injection': 'enabled' } },
    });
    const deployment: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'inj' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'x' }] },
        },
      },
    };
    const created = await h.client.create(deployment);
    assert.deepEqual(
      created.spec?.template?.spec?.containers?.map((c) => c.name),
      ['web', 'istio-proxy'],
    );
    const plain = await h.client.create({ ...deployment, metadata: { name: 'web', namespace: 'w' } });
    assert.deepEqual(
      plain.spec?.template?.spec?.containers?.map((c) => c.name),
      ['web'],
    );
  });
});

describe('strategic merge patch', () => {
  const deployment = {
    kind: 'Deployment',
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'app',
              image: 'a:1',
              ports: [{ containerPort: 80 }, { containerPort: 81 }],
              env: [{ name: 'X', value: '1' }],
            },
            { name: 'istio-proxy', image: 'p:1' },
          ],
        },
      },
    },
    metadata: { finalizers: ['a', 'b'] },
  };
  const containers = (value: unknown) =>
    (value as typeof deployment).spec.template.spec.containers as Record<string, unknown>[];

  it('merges containers by name and their ports by containerPort, as kubectl apply expects', () => {
    const result = applyStrategicMergePatch('Deployment', deployment, {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                image: 'a:2',
                ports: [{ containerPort: 82 }, { containerPort: 81, $patch: 'delete' }],
              },
            ],
          },
        },
      },
    });
    assert.ok(result.ok);
    const [app, proxy] = containers(result.value);
    assert.equal(app?.['image'], 'a:2');
    assert.deepEqual(app?.['ports'], [{ containerPort: 80 }, { containerPort: 82 }]);
    assert.deepEqual(app?.['env'], [{ name: 'X', value: '1' }]);
    assert.equal(proxy?.['name'], 'istio-proxy', 'the other container is kept');
  });

  it('honours $setElementOrder, $patch: delete and replace, $retainKeys and $deleteFromPrimitiveList', () => {
    const result = applyStrategicMergePatch('Deployment', deployment, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'istio-proxy' }, { name: 'app' }],
            containers: [{ name: 'app', $retainKeys: ['name', 'image'], image: 'a:3' }],
          },
        },
      },
    });
    assert.ok(result.ok);
    assert.deepEqual(containers(result.value), [
      { name: 'istio-proxy', image: 'p:1' },
      { name: 'app', image: 'a:3' },
    ]);
    assert.deepEqual((result.value as typeof deployment).metadata.finalizers, ['b']);
    const replaced = applyStrategicMergePatch('Deployment', deployment, {
      spec: { template: { spec: { $patch: 'replace', containers: [{ name: 'only', image: 'o' }] } } },
    });
    assert.ok(replaced.ok);
    assert.deepEqual(containers(replaced.value), [{ name: 'only', image: 'o' }]);
  });

  it('merges service ports by port, replaces lists without a merge key, and fails on a missing key', () => {
    const service = { spec: { ports: [{ port: 80, name: 'http' }], externalIPs: ['1.2.3.4'] } };
    const result = applyStrategicMergePatch('Service', service, {
      spec: { ports: [{ port: 80, targetPort: 8080 }], externalIPs: ['5.6.7.8'] },
    });
    assert.deepEqual(result, {
      ok: true,
      value: { spec: { ports: [{ port: 80, name: 'http', targetPort: 8080 }], externalIPs: ['5.6.7.8'] } },
    });
    assert.deepEqual(applyStrategicMergePatch('Service', service, { spec: { ports: [{ name: 'x' }] } }), {
      ok: false,
      message: 'spec.ports: every item needs its merge key "port"',
    });
  });
});
