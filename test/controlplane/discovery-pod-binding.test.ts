// A discovery stream speaks for the one pod its SVID was issued to, and only while that pod is
// there: a certificate of a service account cannot open a stream as another pod of the account
// (which would show in proxy-status as a second row), and deleting the pod or its namespace ends
// the streams it had open.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DiscoveryHarness, SimulatedSidecar } from '../support/discovery-harness.js';
import { sleep, startDiscoveryHarness, waitFor } from '../support/discovery-harness.js';
import { namespace, pod } from '../support/mesh-fixtures.js';

function rows(h: DiscoveryHarness): string[] {
  return h.server.proxyStatus().map((s) => `${s.namespace}/${s.pod}`);
}

async function uidOf(h: DiscoveryHarness, ns: string, name: string): Promise<string> {
  const stored = await h.store.get('Pod', ns, name);
  assert.ok(stored?.metadata.uid);
  return stored.metadata.uid;
}

async function drop(h: DiscoveryHarness, sidecar: SimulatedSidecar): Promise<void> {
  await sidecar.client.close();
  h.sidecars.splice(h.sidecars.indexOf(sidecar), 1);
}

describe('discovery streams bound to their live pod', () => {
  let h: DiscoveryHarness;
  before(async () => {
    h = await startDiscoveryHarness({ podChecks: true });
    await h.store.create(namespace('shop'));
    await h.store.create(namespace('gone'));
    for (const name of ['web-1', 'web-2', 'web-3']) await h.store.create(pod('shop', name, { sa: 'web' }));
    await h.store.create(pod('gone', 'web-9', { sa: 'web' }));
    await h.sidecar('shop', 'web-1', { sa: 'web' });
    await h.sidecar('shop', 'web-3', { sa: 'web' });
    await h.sidecar('gone', 'web-9', { sa: 'web' });
    await waitFor(() => h.sidecars.every((s) => s.applied.length === 1), 'first snapshots');
  });
  after(async () => h.close());

  it('refuses a stream for another pod of the same account, and shows no row for it', async () => {
    const web1Cert = await h.pki.svid('shop', 'web', {
      pod: 'web-1',
      podUid: await uidOf(h, 'shop', 'web-1'),
    });
    const impostor = await h.sidecar('shop', 'web-2', { cert: web1Cert });
    await waitFor(() => impostor.client.status().lastError !== undefined, 'the refusal');
    await sleep(100);
    assert.match(impostor.client.status().lastError ?? '', /PERMISSION_DENIED.*web-1.*web-2/);
    assert.equal(impostor.applied.length, 0);
    assert.deepEqual(
      rows(h).filter((r) => r === 'shop/web-2'),
      [],
      'no fake row in proxy-status',
    );
    await drop(h, impostor);
  });

  it('refuses a certificate that names no pod', async () => {
    const unbound = await h.sidecar('shop', 'web-2', { cert: await h.pki.svid('shop', 'web') });
    await waitFor(() => unbound.client.status().lastError !== undefined, 'the refusal');
    assert.match(unbound.client.status().lastError ?? '', /PERMISSION_DENIED.*names no pod/);
    assert.equal(unbound.applied.length, 0);
    await drop(h, unbound);
  });

  it('refuses a certificate of a pod since re-created under the same name', async () => {
    const old = await h.pki.svid('shop', 'web', { pod: 'web-2', podUid: 'uid-of-an-earlier-web-2' });
    const stale = await h.sidecar('shop', 'web-2', { cert: old });
    await waitFor(() => stale.client.status().lastError !== undefined, 'the refusal');
    assert.match(stale.client.status().lastError ?? '', /PERMISSION_DENIED.*gone or replaced/);
    await drop(h, stale);
  });

  it('closes the streams of a deleted namespace and of a deleted pod', async () => {
    const web9 = h.sidecars.find((s) => s.pod === 'web-9');
    const web3 = h.sidecars.find((s) => s.pod === 'web-3');
    assert.ok(web9 && web3);
    assert.ok(rows(h).includes('gone/web-9') && rows(h).includes('shop/web-3'));
    await h.store.delete('Namespace', undefined, 'gone');
    await h.store.delete('Pod', 'shop', 'web-3');
    await waitFor(
      () => !rows(h).includes('gone/web-9') && !rows(h).includes('shop/web-3'),
      'both streams closed',
      3000,
    );
    await waitFor(() => /PERMISSION_DENIED/.test(web9.client.status().lastError ?? ''), 'web-9 told why');
    assert.match(web9.client.status().lastError ?? '', /gone\/web-9.*gone or replaced/);
    // Reconnecting does not bring them back.
    await sleep(300);
    assert.deepEqual(rows(h), ['shop/web-1']);
  });
});
