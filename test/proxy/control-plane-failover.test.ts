// A sidecar given every control-plane replica's address: the discovery stream and certificate
// requests go to one replica and move to the next when it cannot be reached; a stream that moved
// resyncs there (a full snapshot, later changes too) and asks for a renewal there.
import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startCaServer, type CaServer } from '../../src/controlplane/ca/index.js';
import { startDiscoveryServer, type DiscoveryServer } from '../../src/controlplane/discovery/index.js';
import { MeshRegistry } from '../../src/controlplane/registry/index.js';
import { PodTokenIssuer } from '../../src/identity/index.js';
import { silentLogger } from '../../src/log/index.js';
import { startDiscoveryClient } from '../../src/proxy/discovery/index.js';
import { CaClientCertificateSource } from '../../src/proxy/identity/index.js';
import type { ProxySnapshot } from '../../src/api/index.js';
import { startDiscoveryHarness, waitFor, type DiscoveryHarness } from '../support/discovery-harness.js';
import { StaticCertificateSource, TRUST_DOMAIN } from '../support/discovery-pki.js';
import { namespace, peerAuthentication, pod } from '../support/mesh-fixtures.js';
import { tempDir } from '../identity/support.js';

async function closedAddress(): Promise<string> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(`127.0.0.1:${typeof address === 'object' && address ? address.port : 1}`));
    });
  });
}

describe('discovery across control-plane replicas', () => {
  let h: DiscoveryHarness;
  let second: { registry: MeshRegistry; server: DiscoveryServer };
  before(async () => {
    h = await startDiscoveryHarness();
    await h.store.create(namespace('a'));
    await h.store.create(pod('a', 'a1', { sa: 'sa-a' }));
    // A second replica over the same store, as two control planes on one etcd are.
    const registry = new MeshRegistry({ store: h.store, settings: { trustDomain: TRUST_DOMAIN } });
    await registry.start();
    const server = await startDiscoveryServer({
      source: registry,
      tls: h.pki.serving,
      trustDomain: TRUST_DOMAIN,
      debounceMs: 20,
      maxDelayMs: 200,
    });
    second = { registry, server };
  });
  after(async () => {
    second.registry.stop();
    await second.server.close();
    await h.close();
  });

  it('resyncs on the next replica when its replica dies, and gets later changes there', async () => {
    const applied: ProxySnapshot[] = [];
    const changes: { address: string; index: number }[] = [];
    const cert = await h.pki.svid('a', 'sa-a', {
      pod: 'a1',
      podUid: (await h.store.get('Pod', 'a', 'a1'))?.metadata.uid ?? '',
    });
    const client = startDiscoveryClient({
      address: `${h.server.address},${second.server.address}`,
      caRootPem: h.pki.rootPem,
      certificateSource: new StaticCertificateSource(cert),
      pod: 'a1',
      namespace: 'a',
      backoff: { initialMs: 20, maxMs: 200 },
      sink: { apply: (s) => (applied.push(s), { ok: true }) },
      onReplicaChange: (change) => changes.push(change),
    });
    try {
      await client.firstSnapshot();
      assert.equal(client.status().address, h.server.address);
      const before = applied.length;
      await h.stopControlPlane();
      await waitFor(
        () => client.status().connected && client.status().address === second.server.address,
        'the stream on the second replica',
        5000,
      );
      assert.ok(applied.length > before, 'a full snapshot again from the second replica');
      assert.deepEqual(changes, [{ address: second.server.address, index: 1, previous: h.server.address }]);
      const resynced = applied.at(-1)?.version;
      await h.store.create(peerAuthentication('a', 'strict', 'STRICT'));
      await waitFor(
        () => applied.at(-1)?.version !== resynced,
        'the change through the second replica',
        5000,
      );
    } finally {
      await client.close();
      await h.restartControlPlane();
    }
  });

  it('skips a replica that is not there', async () => {
    const cert = await h.pki.svid('a', 'sa-a', {
      pod: 'a1',
      podUid: (await h.store.get('Pod', 'a', 'a1'))?.metadata.uid ?? '',
    });
    const client = startDiscoveryClient({
      address: [await closedAddress(), second.server.address],
      caRootPem: h.pki.rootPem,
      certificateSource: new StaticCertificateSource(cert),
      pod: 'a1',
      namespace: 'a',
      backoff: { initialMs: 20, maxMs: 200 },
      sink: { apply: () => ({ ok: true }) },
    });
    try {
      await client.firstSnapshot();
      assert.equal(client.status().address, second.server.address);
      assert.equal(client.status().reconnects, 1);
    } finally {
      await client.close();
    }
  });
});

describe('certificates across CA replicas', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let ca: CaServer;
  let issuer: PodTokenIssuer;
  before(async () => {
    dir = await tempDir();
    issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
    ca = await startCaServer({
      stateDir: dir.path,
      trustDomain: TRUST_DOMAIN,
      tokenVerifier: issuer,
      logger: silentLogger,
    });
  });
  after(async () => {
    await ca.close();
    await dir.remove();
  });

  it('asks the next replica when one cannot be reached, and renews where it is told', async () => {
    const tokenPath = join(dir.path, 'sleep.token');
    await writeFile(
      tokenPath,
      issuer.mint({ namespace: 'full', serviceAccount: 'sleep', pod: 'sleep-1', podUid: 'uid-sleep' }, 60),
    );
    const dead = await closedAddress();
    const source = new CaClientCertificateSource();
    try {
      const first = await source.start({
        caAddress: [dead, ca.address],
        caRootPem: ca.rootCertPem,
        tokenPath,
        ttlSeconds: 3600,
        logger: silentLogger,
      });
      assert.equal(source.issuer(), ca.address);
      // Told to renew at the dead one (index 0): it falls through to the live one, at once.
      source.renewAt(0, 10);
      await waitFor(() => source.current()?.serialNumber !== first.serialNumber, 'a renewal', 5000);
      assert.equal(source.issuer(), ca.address);
    } finally {
      await source.close();
    }
  });
});
