// Lists paged as kube-apiserver pages them (limit, continue, remainingItemCount, 410 on an expired
// token) and watch bookmarks, through the real API server over HTTPS.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { httpRequest } from '../../src/controlplane/client/http-request.js';
import { TOKEN, namespace, service, startHarness, type Harness } from './apiserver-support.js';

interface ListBody {
  kind?: string;
  reason?: string;
  code?: number;
  message?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items?: { metadata: { name: string; resourceVersion: string }; spec: { ports: { port: number }[] } }[];
  rows?: { cells: string[] }[];
}

async function get(h: Harness, path: string, accept?: string): Promise<{ status: number; body: ListBody }> {
  const response = await httpRequest(h.server.url + path, {
    method: 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, ...(accept === undefined ? {} : { accept }) },
    ca: h.caPem,
  });
  return { status: response.status, body: JSON.parse(await response.text()) as ListBody };
}

const names = (body: ListBody): string[] => (body.items ?? []).map((i) => i.metadata.name);

/** Every line of a watch stream that ends by itself (timeoutSeconds), while `during` runs. */
async function watchLines(h: Harness, path: string, during: () => Promise<void>): Promise<unknown[]> {
  const response = await httpRequest(h.server.url + path, {
    method: 'GET',
    headers: { authorization: `Bearer ${TOKEN}` },
    ca: h.caPem,
  });
  assert.equal(response.status, 200);
  const text = response.text();
  await during();
  return (await text)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('API server paged lists', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ eventHistory: 50, bookmarkIntervalMs: 100 });
    await h.client.create(namespace('pg'));
    for (const name of ['a', 'b', 'c', 'd', 'e']) await h.client.create(service('pg', name));
  });
  after(() => h.close());

  it('pages with limit and continue at the first page’s resourceVersion, counting what remains', async () => {
    const first = await get(h, '/api/v1/namespaces/pg/services?limit=2');
    assert.equal(first.status, 200);
    assert.deepEqual(names(first.body), ['a', 'b']);
    assert.equal(first.body.metadata.remainingItemCount, 3);
    const token = first.body.metadata.continue;
    assert.ok(token !== undefined && token !== '');
    // Changes between pages do not show: every page is the list at the first page's revision.
    await h.client.create(service('pg', 'bb'));
    await h.client.update({ ...service('pg', 'c', 8080) });
    await h.client.delete('Service', 'd', { namespace: 'pg' });
    const second = await get(h, `/api/v1/namespaces/pg/services?limit=2&continue=${token}`);
    assert.equal(second.status, 200);
    assert.deepEqual(names(second.body), ['c', 'd']);
    assert.equal(second.body.items?.[0]?.spec.ports[0]?.port, 80);
    assert.equal(second.body.metadata.resourceVersion, first.body.metadata.resourceVersion);
    assert.equal(second.body.metadata.remainingItemCount, 1);
    const last = await get(
      h,
      `/api/v1/namespaces/pg/services?limit=2&continue=${second.body.metadata.continue}`,
    );
    assert.deepEqual(names(last.body), ['e']);
    assert.equal(last.body.metadata.continue, undefined);
    assert.equal(last.body.metadata.remainingItemCount, undefined);
    // A fresh list sees the changes.
    assert.deepEqual(names((await get(h, '/api/v1/namespaces/pg/services')).body), [
      'a',
      'b',
      'bb',
      'c',
      'e',
    ]);
    await h.client.delete('Service', 'bb', { namespace: 'pg' });
    await h.client.create(service('pg', 'd'));
  });

  it('pages across namespaces and as Tables, leaving the count out when a selector chose', async () => {
    const table = await get(
      h,
      '/api/v1/services?limit=3&labelSelector=',
      'application/json;as=Table;v=v1;g=meta.k8s.io',
    );
    assert.equal(table.body.kind, 'Table');
    assert.equal(table.body.rows?.length, 3);
    assert.ok(table.body.metadata.continue);
    const selected = await get(h, '/api/v1/services?limit=1&fieldSelector=metadata.namespace%3Dpg');
    assert.deepEqual(names(selected.body), ['a']);
    assert.ok(selected.body.metadata.continue);
    assert.equal(selected.body.metadata.remainingItemCount, undefined);
  });

  it('answers 410 Expired, with a token to go on at the latest revision, once the revision is gone', async () => {
    const first = await get(h, '/api/v1/namespaces/pg/services?limit=2');
    for (let i = 0; i < 80; i++) await h.client.create(namespace(`churn-${i}`));
    await h.client.delete('Service', 'c', { namespace: 'pg' });
    const expired = await get(
      h,
      `/api/v1/namespaces/pg/services?limit=2&continue=${first.body.metadata.continue}`,
    );
    assert.equal(expired.status, 410);
    assert.equal(expired.body.reason, 'Expired');
    assert.match(expired.body.message ?? '', /continue parameter is too old to display a consistent list/);
    const onward = expired.body.metadata.continue;
    assert.ok(onward);
    const rest = await get(h, `/api/v1/namespaces/pg/services?continue=${onward}`);
    assert.equal(rest.status, 200);
    assert.deepEqual(names(rest.body), ['d', 'e']);
    await h.client.create(service('pg', 'c'));
  });

  it('refuses a malformed token, and a resourceVersion beside a token, as bad requests', async () => {
    const bad = await get(h, '/api/v1/namespaces/pg/services?limit=2&continue=bm90LWpzb24');
    assert.equal(bad.status, 400);
    assert.match(bad.body.message ?? '', /^invalid continue token/);
    const first = await get(h, '/api/v1/namespaces/pg/services?limit=2');
    const both = await get(
      h,
      `/api/v1/namespaces/pg/services?continue=${first.body.metadata.continue}&resourceVersion=5`,
    );
    assert.equal(both.status, 400);
    assert.match(both.body.message ?? '', /resource version is not allowed when using continue/);
  });
});

describe('API server watch bookmarks', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ bookmarkIntervalMs: 100 });
    await h.client.create(namespace('bm'));
  });
  after(() => h.close());

  it('sends a BOOKMARK past changes the watch does not select, only when asked', async () => {
    const from = h.store.revision();
    let lastNamespace = '';
    const churn = async () => {
      await sleep(150);
      for (let i = 0; i < 3; i++)
        lastNamespace = (await h.client.create(namespace(`bm-${i}`))).metadata.resourceVersion!;
      await sleep(1500);
    };
    const lines = await watchLines(
      h,
      `/api/v1/namespaces/bm/services?watch=true&resourceVersion=${from}&allowWatchBookmarks=true&timeoutSeconds=2`,
      churn,
    );
    const bookmarks = lines.filter((l) => (l as { type: string }).type === 'BOOKMARK') as {
      object: { kind: string; apiVersion: string; metadata: { resourceVersion: string } };
    }[];
    assert.ok(bookmarks.length >= 1, JSON.stringify(lines));
    assert.deepEqual(bookmarks[bookmarks.length - 1]?.object, {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { resourceVersion: lastNamespace },
    });
    // Without allowWatchBookmarks: none.
    const plain = await watchLines(
      h,
      `/api/v1/namespaces/bm/services?watch=true&resourceVersion=${h.store.revision()}&timeoutSeconds=1`,
      async () => {
        await h.client.create(namespace('bm-quiet'));
        await sleep(300);
      },
    );
    assert.deepEqual(plain, []);
  });

  it('ends the initial events of sendInitialEvents with an annotated BOOKMARK', async () => {
    await h.client.create(service('bm', 'one'));
    const lines = (await watchLines(
      h,
      '/api/v1/namespaces/bm/services?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1',
      () => Promise.resolve(),
    )) as {
      type: string;
      object: { metadata: { name?: string; resourceVersion: string; annotations?: Record<string, string> } };
    }[];
    assert.deepEqual(
      lines.map((l) => l.type),
      ['ADDED', 'BOOKMARK'],
    );
    assert.deepEqual(lines[1]?.object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
    assert.equal(lines[1]?.object.metadata.resourceVersion, String(h.store.revision()));
  });
});
