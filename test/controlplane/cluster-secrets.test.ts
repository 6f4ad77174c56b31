// The cluster's shared secrets on a real etcd: the first control plane seals them under a new
// certificate key (kept 0600 in its state directory, never in etcd); a replica with the key opens
// the same CA, pod-token key and admin token; a wrong, missing or malformed key fails with a clear
// error and writes nothing; replicas starting together agree on one winner; a plugged-in cacerts
// is read by each replica and must have the cluster's roots. Nothing secret is readable in etcd.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClusterSecretsError,
  loadClusterSecrets,
  type LoadedClusterSecrets,
} from '../../src/controlplane/index.js';
import { EtcdConfigStore, clusterSecretsSlotOf, type SecretSlot } from '../../src/store/index.js';
import { skipWithoutEtcd, startEtcdCluster, type EtcdCluster } from '../support/etcd-cluster.js';
import { makeOpensslCacerts } from '../identity/support.js';

const TRUST_DOMAIN = 'cluster.local';

function fingerprint(loaded: LoadedClusterSecrets): string {
  return loaded.signer.rootsPem.join('');
}

describe('cluster secrets shared through etcd', { timeout: 120_000 }, () => {
  if (skipWithoutEtcd()) return;
  let cluster: EtcdCluster | undefined;
  const stores: EtcdConfigStore[] = [];
  const root = mkdtempSync(join(tmpdir(), 'automesh-cluster-secrets-'));
  const home = (): string => mkdtempSync(join(root, 'home-'));
  before(async () => {
    cluster = await startEtcdCluster(1);
  });
  after(async () => {
    for (const store of stores) await store.close();
    await cluster?.stop();
    rmSync(root, { recursive: true, force: true });
  });
  async function freshSlot(prefix = `/secrets-test/${randomUUID()}`): Promise<SecretSlot> {
    const store = await EtcdConfigStore.connect({
      endpoints: (cluster as EtcdCluster).url,
      prefix,
      compactionIntervalMs: 0,
    });
    stores.push(store);
    return clusterSecretsSlotOf(store) as SecretSlot;
  }

  it('seals them under a new key the first time and opens the same ones on another replica', async () => {
    const slot = await freshSlot();
    const first = home();
    const a = await loadClusterSecrets({ stateDir: first, trustDomain: TRUST_DOMAIN, slot });
    assert.equal(a.certificateKey?.created, true);
    assert.match(a.certificateKey?.hex ?? '', /^[0-9a-f]{64}$/);
    assert.equal(statSync(join(first, 'certificate-key')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(first).sort(), ['certificate-key'], 'no root key on disk with etcd');

    const stored = (await slot.read())?.toString() ?? '';
    assert.doesNotMatch(stored, /PRIVATE KEY/, 'the root key is sealed');
    assert.ok(!stored.includes(a.adminToken), 'the admin token is sealed');
    assert.ok(!stored.includes(a.certificateKey?.hex ?? 'x'), 'the certificate key is not in etcd');
    assert.ok(!stored.includes(a.podTokenKey.toString('base64')), 'the pod-token key is sealed');

    const second = home();
    const b = await loadClusterSecrets({
      stateDir: second,
      trustDomain: TRUST_DOMAIN,
      slot,
      certificateKey: a.certificateKey?.hex ?? '',
    });
    assert.equal(b.certificateKey?.created, false);
    assert.equal(fingerprint(b), fingerprint(a));
    assert.equal(b.signer.keys.privateKeyPem, a.signer.keys.privateKeyPem);
    assert.ok(b.podTokenKey.equals(a.podTokenKey));
    assert.equal(b.adminToken, a.adminToken);
    assert.ok(b.adminTokenSha256.equals(a.adminTokenSha256));
    // A restart of either needs no flag: the key is in its state directory.
    const again = await loadClusterSecrets({ stateDir: second, trustDomain: TRUST_DOMAIN, slot });
    assert.equal(fingerprint(again), fingerprint(a));
  });

  it('refuses a wrong, missing or malformed key with a clear error and writes nothing', async () => {
    const slot = await freshSlot();
    await loadClusterSecrets({ stateDir: home(), trustDomain: TRUST_DOMAIN, slot });
    const before = (await slot.read())?.toString();
    const cases: [string | undefined, string, RegExp][] = [
      [
        'ab'.repeat(32),
        'AUTOMESH_ERR_CLUSTER_SECRETS_KEY_WRONG',
        /does not open the cluster secrets in etcd at .*secrets\/cluster/,
      ],
      [undefined, 'AUTOMESH_ERR_CLUSTER_SECRETS_KEY_MISSING', /are sealed: start with --certificate-key/],
      ['not-a-key', 'AUTOMESH_ERR_CLUSTER_SECRETS_KEY_FORMAT', /--certificate-key must be 64 hex digits/],
    ];
    for (const [certificateKey, code, message] of cases) {
      const dir = home();
      await assert.rejects(
        loadClusterSecrets({
          stateDir: dir,
          trustDomain: TRUST_DOMAIN,
          slot,
          ...(certificateKey === undefined ? {} : { certificateKey }),
        }),
        (err: unknown) => {
          assert.ok(err instanceof ClusterSecretsError);
          assert.equal(err.code, code);
          assert.match(err.message, message);
          assert.ok(!err.message.includes('ab'.repeat(32)), 'the key given is not echoed');
          return true;
        },
      );
      assert.deepEqual(readdirSync(dir), [], `nothing written for ${code}`);
    }
    assert.equal((await slot.read())?.toString(), before, 'etcd unchanged');
  });

  it('has replicas that start together agree on one set', async () => {
    const prefix = `/secrets-test/${randomUUID()}`;
    const key = 'cd'.repeat(32);
    const slots = await Promise.all([1, 2, 3, 4, 5].map(() => freshSlot(prefix)));
    const loaded = await Promise.all(
      slots.map((slot) =>
        loadClusterSecrets({ stateDir: home(), trustDomain: TRUST_DOMAIN, slot, certificateKey: key }),
      ),
    );
    assert.equal(new Set(loaded.map(fingerprint)).size, 1, 'one root for all');
    assert.equal(new Set(loaded.map((l) => l.adminToken)).size, 1, 'one admin token for all');
    assert.equal(new Set(loaded.map((l) => l.podTokenKey.toString('hex'))).size, 1);
  });

  it("tells a replica that lost the race with a key of its own to use the winner's", async () => {
    const prefix = `/secrets-test/${randomUUID()}`;
    const slots = await Promise.all([1, 2, 3].map(() => freshSlot(prefix)));
    const homes = slots.map(() => home());
    const outcomes = await Promise.allSettled(
      slots.map((slot, i) =>
        loadClusterSecrets({ stateDir: homes[i] as string, trustDomain: TRUST_DOMAIN, slot }),
      ),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    assert.equal(won.length, 1, 'one replica creates the secrets');
    for (const [i, o] of outcomes.entries()) {
      if (o.status === 'fulfilled') continue;
      assert.match(
        String(o.reason),
        /another control plane created the cluster secrets .* at the same time|are sealed: start with --certificate-key/,
      );
      assert.deepEqual(readdirSync(homes[i] as string), [], 'its own key is not left behind');
    }
  });

  it('reads a plugged-in cacerts on each replica and refuses one with other roots', async () => {
    const slot = await freshSlot();
    const cacerts = home();
    await makeOpensslCacerts(cacerts, TRUST_DOMAIN);
    const a = await loadClusterSecrets({
      stateDir: home(),
      trustDomain: TRUST_DOMAIN,
      slot,
      pluggedInCaDir: cacerts,
    });
    assert.doesNotMatch((await slot.read())?.toString() ?? '', /PRIVATE KEY|root-cert/);
    const key = a.certificateKey?.hex ?? '';
    const b = await loadClusterSecrets({
      stateDir: home(),
      trustDomain: TRUST_DOMAIN,
      slot,
      pluggedInCaDir: cacerts,
      certificateKey: key,
    });
    assert.equal(fingerprint(b), fingerprint(a));
    assert.equal(b.adminToken, a.adminToken);

    const other = home();
    await makeOpensslCacerts(other, TRUST_DOMAIN);
    await assert.rejects(
      loadClusterSecrets({
        stateDir: home(),
        trustDomain: TRUST_DOMAIN,
        slot,
        pluggedInCaDir: other,
        certificateKey: key,
      }),
      /other roots than the cluster's/,
    );
    await assert.rejects(
      loadClusterSecrets({ stateDir: home(), trustDomain: TRUST_DOMAIN, slot, certificateKey: key }),
      /is plugged in \(Istio cacerts\): give this replica the same cacerts directory/,
    );
  });
});
