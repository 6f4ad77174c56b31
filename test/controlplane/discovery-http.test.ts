import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { proxyStatusHandler } from '../../src/controlplane/discovery/index.js';
import type { DiscoveryHarness } from '../support/discovery-harness.js';
import { startDiscoveryHarness, waitFor } from '../support/discovery-harness.js';
import { namespace, peerAuthentication, pod } from '../support/mesh-fixtures.js';

describe('proxy status over HTTP', () => {
  let h: DiscoveryHarness;
  let http: Server;
  let base: string;
  before(async () => {
    h = await startDiscoveryHarness();
    await h.store.create(namespace('a'));
    await h.store.create(pod('a', 'a1', { sa: 'sa-a' }));
    await h.sidecar('a', 'a1', { sa: 'sa-a' });
    await waitFor(() => h.server.proxyStatus()[0]?.synced === true, 'a1 synced');
    const handle = proxyStatusHandler(h.server);
    http = createServer((req, res) => {
      if (!handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => http.close(resolve));
    await h.close();
  });

  it('lists every connected proxy with its versions and last ack', async () => {
    const res = await fetch(`${base}/debug/proxy-status`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      kind: string;
      items: { pod: string; synced: boolean; lastAckAt?: string }[];
    };
    assert.equal(body.kind, 'ProxyStatusList');
    assert.deepEqual(
      body.items.map((i) => [i.pod, i.synced]),
      [['a1', true]],
    );
    assert.ok(body.items[0]?.lastAckAt);
  });

  it('answers a sync request once every proxy has acked the latest write', async () => {
    await h.store.create(peerAuthentication('a', 'default', 'STRICT'));
    const res = await fetch(`${base}/debug/sync?timeoutMs=5000`);
    const body = (await res.json()) as { converged: boolean; proxies: number; notSynced: unknown[] };
    assert.deepEqual([body.converged, body.proxies, body.notSynced], [true, 1, []]);
    assert.equal(h.sidecars[0]?.applied.at(-1)?.inbound[0]?.mode, 'STRICT');
  });

  it('leaves other paths to the caller and refuses writes', async () => {
    assert.equal((await fetch(`${base}/api/v1/pods`)).status, 404);
    assert.equal((await fetch(`${base}/debug/proxy-status`, { method: 'POST' })).status, 405);
  });
});
