import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadCaSigner } from '../../src/controlplane/ca/index.js';
import type { CaSigner } from '../../src/identity/index.js';
import { generateKeyPair, signLeafCertificate, verifyPeerSvid } from '../../src/identity/index.js';
import { tempDir } from './support.js';

const ID = 'spiffe://cluster.local/ns/full/sa/sleep';

describe('verifyPeerSvid', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let signer: CaSigner;
  let foreign: CaSigner;

  before(async () => {
    dir = await tempDir();
    signer = await loadCaSigner({ stateDir: `${dir.path}/a`, trustDomain: 'cluster.local' });
    foreign = await loadCaSigner({ stateDir: `${dir.path}/b`, trustDomain: 'cluster.local' });
  });
  after(async () => dir.remove());

  async function leaf(
    uris: string[],
    from: CaSigner = signer,
    nowMs = Date.now(),
    ttlMs = 3_600_000,
  ): Promise<string> {
    const keys = await generateKeyPair();
    return (await signLeafCertificate({ signer: from, publicKey: keys.publicKey, uris, ttlMs, nowMs }))
      .certPem;
  }

  it('accepts an SVID from the mesh root and returns its identity', async () => {
    const check = verifyPeerSvid(await leaf([ID]), signer.rootsPem, 'cluster.local');
    assert.ok(check.ok);
    assert.equal(check.spiffeId, ID);
    assert.deepEqual(check.identity, {
      trustDomain: 'cluster.local',
      namespace: 'full',
      serviceAccount: 'sleep',
    });
  });

  it('refuses an SVID from a foreign root', async () => {
    assert.deepEqual(verifyPeerSvid(await leaf([ID], foreign), signer.rootsPem, 'cluster.local'), {
      ok: false,
      reason: 'certificate does not chain to the mesh root',
    });
  });

  it('refuses an expired SVID', async () => {
    const pem = await leaf([ID], signer, Date.now() - 7_200_000, 60_000);
    assert.equal(verifyPeerSvid(pem, signer.rootsPem, 'cluster.local').ok, false);
  });

  it('refuses another trust domain, two SPIFFE IDs, or none', async () => {
    assert.equal(
      verifyPeerSvid(await leaf(['spiffe://other.local/ns/full/sa/sleep']), signer.rootsPem, 'cluster.local')
        .ok,
      false,
    );
    assert.equal(
      verifyPeerSvid(await leaf([ID, 'spiffe://cluster.local/ns/x/sa/y']), signer.rootsPem, 'cluster.local')
        .ok,
      false,
    );
    assert.equal(
      verifyPeerSvid(await leaf(['https://example.com/']), signer.rootsPem, 'cluster.local').ok,
      false,
    );
  });

  it('refuses the root itself and garbage', () => {
    assert.equal(verifyPeerSvid(signer.certPem, signer.rootsPem, 'cluster.local').ok, false);
    assert.equal(verifyPeerSvid('not a certificate', signer.rootsPem, 'cluster.local').ok, false);
  });
});
