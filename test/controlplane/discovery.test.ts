import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DiscoveryHarness } from '../support/discovery-harness.js';
import { sleep, startDiscoveryHarness, waitFor } from '../support/discovery-harness.js';
import { issueSvid } from '../support/discovery-pki.js';
import { createTestPki } from '../support/discovery-pki.js';
import { namespace, peerAuthentication, pod, service } from '../support/mesh-fixtures.js';

/** Two namespaces: `a` has two pods and no service; `b` has one pod behind service `web`. */
async function seed(h: DiscoveryHarness): Promise<void> {
  await h.store.create(namespace('a'));
  await h.store.create(namespace('b'));
  await h.store.create(pod('a', 'a1', { sa: 'sa-a', ip: '127.0.0.11' }));
  await h.store.create(pod('a', 'a2', { sa: 'sa-a', ip: '127.0.0.12' }));
  await h.store.create(pod('b', 'b1', { sa: 'sa-b', ip: '127.0.0.21', app: 'web' }));
  await h.store.create(service('b', 'web', 'web'));
}

function inboundMode(h: DiscoveryHarness, podName: string): string | undefined {
  const sidecar = h.sidecars.find((s) => s.pod === podName);
  return sidecar?.applied.at(-1)?.inbound[0]?.mode;
}

describe('configuration push', () => {
  let h: DiscoveryHarness;
  before(async () => {
    h = await startDiscoveryHarness();
    await seed(h);
    await h.sidecar('a', 'a1', { sa: 'sa-a' });
    await h.sidecar('a', 'a2', { sa: 'sa-a' });
    await h.sidecar('b', 'b1', { sa: 'sa-b' });
    await waitFor(() => h.sidecars.every((s) => s.applied.length === 1), 'first snapshots');
  });
  after(async () => h.close());

  it('sends the full snapshot on hello and records the ack', async () => {
    assert.equal(inboundMode(h, 'a1'), 'PERMISSIVE');
    assert.deepEqual(
      h.sidecars.find((s) => s.pod === 'a1')?.applied[0]?.proxy.spiffeId,
      'spiffe://cluster.local/ns/a/sa/sa-a',
    );
    await waitFor(() => h.server.proxyStatus().every((s) => s.synced), 'every proxy synced');
    const status = h.server.proxyStatus();
    assert.deepEqual(
      status.map((s) => `${s.namespace}/${s.pod}`),
      ['a/a1', 'a/a2', 'b/b1'],
    );
    for (const s of status) {
      assert.equal(s.ackedVersion, h.sidecars.find((c) => c.pod === s.pod)?.applied[0]?.version);
      assert.ok(s.lastAckAt !== undefined);
    }
  });

  it('pushes a policy change to every affected proxy and to no other', async () => {
    const before = new Map(h.sidecars.map((s) => [s.pod, s.applied.length]));
    await h.store.create(peerAuthentication('a', 'default', 'STRICT'));
    const result = await h.server.waitForConvergence({ timeoutMs: 5000 });
    assert.equal(result.converged, true, JSON.stringify(result.notSynced));
    assert.equal(inboundMode(h, 'a1'), 'STRICT');
    assert.equal(inboundMode(h, 'a2'), 'STRICT');
    const b1 = h.sidecars.find((s) => s.pod === 'b1')!;
    assert.equal(b1.applied.length, before.get('b1'), 'the proxy in namespace b got nothing');
    for (const s of h.server.proxyStatus()) {
      const sidecar = h.sidecars.find((c) => c.pod === s.pod)!;
      assert.equal(s.ackedVersion, sidecar.applied.at(-1)?.version);
      assert.equal(s.synced, true);
    }
  });

  it('turns a burst of writes into one push', async () => {
    const a1 = h.sidecars.find((s) => s.pod === 'a1')!;
    const count = a1.applied.length;
    const pushesBefore = h.server.counters().pushes;
    for (const mode of ['DISABLE', 'PERMISSIVE', 'DISABLE', 'PERMISSIVE', 'DISABLE'] as const) {
      const current = await h.store.get('PeerAuthentication', 'a', 'default');
      await h.store.update({ ...current!, spec: { mtls: { mode } } } as typeof current & object);
    }
    const result = await h.server.waitForConvergence({ timeoutMs: 5000 });
    assert.equal(result.converged, true);
    assert.equal(inboundMode(h, 'a1'), 'DISABLE');
    assert.equal(a1.applied.length, count + 1, 'one snapshot for five writes');
    assert.equal(h.server.counters().pushes - pushesBefore, 2, 'one push to each of a1 and a2');
  });

  it('keeps a proxy on its old version when it refuses a snapshot, and reports it', async () => {
    const a2 = h.sidecars.find((s) => s.pod === 'a2')!;
    const good = a2.applied.at(-1)!.version;
    a2.refuse = () => 'listener on port 8080 failed to bind';
    try {
      const current = await h.store.get('PeerAuthentication', 'a', 'default');
      await h.store.update({ ...current!, spec: { mtls: { mode: 'STRICT' } } } as typeof current & object);
      const result = await h.server.waitForConvergence({ timeoutMs: 3000 });
      assert.equal(result.converged, false);
      assert.deepEqual(
        result.notSynced.map((s) => s.pod),
        ['a2'],
      );
      const status = h.server.proxyStatus().find((s) => s.pod === 'a2')!;
      assert.equal(status.ackedVersion, good);
      assert.equal(status.synced, false);
      assert.equal(status.nackError, 'listener on port 8080 failed to bind');
      assert.equal(status.nackedVersion, status.desiredVersion);
      assert.equal(a2.client.status().version, good);
      assert.ok(h.server.counters().nacks >= 1);
    } finally {
      a2.refuse = () => undefined;
    }
  });

  it('never gives a sidecar another pod’s snapshot', async () => {
    const otherNamespace = await h.sidecar('a', 'a1', { cert: await h.pki.svid('b', 'sa-b') });
    const otherAccount = await h.sidecar('a', 'a1', { cert: await h.pki.svid('a', 'intruder') });
    const foreignPki = await createTestPki();
    const foreignCa = await h.sidecar('a', 'a1', {
      cert: await issueSvid(foreignPki.signer, 'spiffe://cluster.local/ns/a/sa/sa-a'),
    });
    const otherDomain = await h.sidecar('a', 'a1', {
      cert: await issueSvid(h.pki.signer, 'spiffe://evil.example/ns/a/sa/sa-a'),
      serverSpiffeId: 'spiffe://cluster.local/ns/istio-system/sa/automesh-controlplane',
    });
    const refused = [otherNamespace, otherAccount, foreignCa, otherDomain];
    await waitFor(() => refused.every((s) => s.client.status().lastError !== undefined), 'every refusal');
    await sleep(100);
    for (const s of refused)
      assert.equal(s.applied.length, 0, `${s.namespace}/${s.pod}: ${s.client.status().lastError}`);
    assert.match(otherNamespace.client.status().lastError ?? '', /PERMISSION_DENIED/);
    assert.match(otherAccount.client.status().lastError ?? '', /PERMISSION_DENIED/);
    assert.match(
      foreignCa.client.status().lastError ?? '',
      /UNAVAILABLE/,
      'refused during the TLS handshake',
    );
    assert.match(otherDomain.client.status().lastError ?? '', /UNAUTHENTICATED/);
    for (const s of refused) {
      await s.client.close();
      h.sidecars.splice(h.sidecars.indexOf(s), 1);
    }
  });

  it('resyncs every sidecar after the control plane restarts, keeping the last snapshot meanwhile', async () => {
    await waitFor(() => h.server.proxyStatus().length === 3, 'refused streams gone');
    const versions = new Map(h.sidecars.map((s) => [s.pod, s.client.status().version]));
    await h.stopControlPlane();
    await waitFor(() => h.sidecars.every((s) => !s.client.status().connected), 'clients notice the loss');
    for (const s of h.sidecars)
      assert.equal(s.client.status().version, versions.get(s.pod), 'last good kept');
    const current = await h.store.get('PeerAuthentication', 'a', 'default');
    await h.store.update({ ...current!, spec: { mtls: { mode: 'PERMISSIVE' } } } as typeof current & object);
    await h.restartControlPlane();
    await waitFor(() => h.server.proxyStatus().length === 3, 'all three reconnect');
    const result = await h.server.waitForConvergence({ timeoutMs: 5000 });
    assert.equal(result.converged, true, JSON.stringify(result.notSynced));
    assert.equal(inboundMode(h, 'a1'), 'PERMISSIVE');
    assert.equal(inboundMode(h, 'a2'), 'PERMISSIVE');
    for (const s of h.sidecars) assert.ok(s.client.status().reconnects >= 1);
  });
});
