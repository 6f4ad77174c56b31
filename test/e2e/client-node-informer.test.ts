// The JavaScript Kubernetes client (@kubernetes/client-node 1.x, the last line that runs on Node
// 20) against automesh's API server over HTTPS with the admin kubeconfig `up` writes, on a real
// SQLite store: an informer over ConfigMaps keeps its cache equal to the store across (1) watches
// the server ends on its own (kube-apiserver's --min-request-timeout, 1 s here), (2) an API-server
// restart with writes made while it was down, and (3) a restart after the store compacted past the
// informer's resourceVersion, where the watch answers 410 Gone and the informer lists again.
// Restarting on error is the client's documented pattern: its informer stops on a connection error.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { ConfigMap, Namespace } from '../../src/api/index.js';
import { ensureAdminCredential, startApiServer, type ApiServer } from '../../src/controlplane/index.js';
import { httpRequest } from '../../src/controlplane/client/http-request.js';
import { SqliteConfigStore } from '../../src/store/index.js';
import { apiTestTls } from '../support/api-tls.js';
import { waitFor } from '../support/wait-for.js';

const NS = 'informed';
/** Small, so a few dozen writes while the server is down compact the informer's revision away. */
const EVENT_HISTORY = 20;

const configMap = (name: string, data: Record<string, string> = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS },
  data,
});

describe('@kubernetes/client-node informers against the API server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'automesh-informer-'));
  const store = SqliteConfigStore.inStateDir(dir, { eventHistory: EVENT_HISTORY });
  let server: ApiServer | undefined;
  let port = 0;
  let caPem = '';
  let token = '';
  let informer: (k8s.Informer<k8s.V1ConfigMap> & k8s.ObjectCache<k8s.V1ConfigMap>) | undefined;
  let stopped = false;
  let connects = 0;
  let errors = 0;

  const serve = async (): Promise<void> => {
    const { tls } = await apiTestTls();
    server = await startApiServer({ store, adminToken: token, tls, port, minRequestTimeoutSeconds: 1 });
    port = server.port;
  };
  /** The informer's cache as `name=data`, sorted, against the store's list. */
  const cached = (): string[] =>
    (informer?.list(NS) ?? []).map((c) => `${c.metadata?.name}=${JSON.stringify(c.data ?? {})}`).sort();
  const stored = async (): Promise<string[]> =>
    (await store.list('ConfigMap', { namespace: NS })).items
      .map((c) => `${c.metadata.name}=${JSON.stringify((c as ConfigMap).data ?? {})}`)
      .sort();
  const converged = async (what: string): Promise<void> => {
    const want = await stored();
    await waitFor(what, () => JSON.stringify(cached()) === JSON.stringify(want) || undefined, 15_000);
  };

  before(async () => {
    const { caPem: ca } = await apiTestTls();
    caPem = ca;
    token = (await ensureAdminCredential(dir)).token;
    await serve();
    await ensureAdminCredential(dir, { server: server!.url, certificateAuthorityPem: caPem });
    const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } };
    await store.create(ns);
    await store.create(configMap('a', { v: '1' }));
    await store.create(configMap('b'));

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(join(dir, 'admin.kubeconfig'));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    informer = k8s.makeInformer(kc, `/api/v1/namespaces/${NS}/configmaps`, () =>
      core.listNamespacedConfigMap({ namespace: NS }),
    );
    informer.on('connect', () => connects++);
    informer.on('error', () => {
      errors++;
      if (!stopped) setTimeout(() => void informer?.start().catch(() => undefined), 200);
    });
    await informer.start();
  });

  after(async () => {
    stopped = true;
    await informer?.stop();
    await server?.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists what is there and follows changes across watches the server ends', async () => {
    await converged('the first list');
    const before = connects;
    await store.create(configMap('c', { v: 'c' }));
    await store.update({ ...(await store.get('ConfigMap', NS, 'a'))!, data: { v: '2' } } as ConfigMap);
    await store.delete('ConfigMap', NS, 'b');
    // Each watch lasts 1-2 s; wait for two of them to end and be resumed.
    await waitFor('two resumed watches', () => connects >= before + 2 || undefined, 15_000);
    await store.create(configMap('d'));
    await converged('changes across resumed watches');
    assert.deepEqual(cached(), ['a={"v":"2"}', 'c={"v":"c"}', 'd={}']);
  });

  it('resumes after an API-server restart and sees what changed while it was down', async () => {
    const errorsBefore = errors;
    await server!.close();
    await store.delete('ConfigMap', NS, 'c');
    await store.create(configMap('e', { v: 'e' }));
    await waitFor('the informer noticing the outage', () => errors > errorsBefore || undefined, 15_000);
    await serve();
    await converged('changes made while the API server was down');
    assert.deepEqual(cached(), ['a={"v":"2"}', 'd={}', 'e={"v":"e"}']);
  });

  it('lists again after a 410 when the store compacted past its resourceVersion', async () => {
    const ours = (informer as unknown as { latestResourceVersion(): string }).latestResourceVersion();
    assert.match(ours, /^\d+$/);
    const errorsBefore = errors;
    await server!.close();
    await waitFor('the informer noticing the outage', () => errors > errorsBefore || undefined, 15_000);
    // More writes than the event history keeps: objects that come and go, and a change to `a`.
    for (let i = 0; i < EVENT_HISTORY; i++) {
      await store.create(configMap(`x${i}`));
      await store.delete('ConfigMap', NS, `x${i}`);
    }
    await store.update({ ...(await store.get('ConfigMap', NS, 'a'))!, data: { v: '3' } } as ConfigMap);
    await store.delete('ConfigMap', NS, 'd');
    await serve();
    // The informer's revision is gone: a watch from it is 410 Gone (so the informer must relist).
    const gone = await httpRequest(
      `${server!.url}/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${ours}`,
      { method: 'GET', headers: { authorization: `Bearer ${token}` }, ca: caPem },
    );
    assert.equal(gone.status, 410, await gone.text());
    await converged('the relist after 410');
    assert.deepEqual(cached(), ['a={"v":"3"}', 'e={"v":"e"}']);
  });
});
