import 'reflect-metadata';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { CaServer } from '../../src/controlplane/ca/index.js';
import { loadCaSigner, startCaServer } from '../../src/controlplane/ca/index.js';
import { PodTokenIssuer, generateKeyPair, signLeafCertificate } from '../../src/identity/index.js';
import { createLogger } from '../../src/log/index.js';
import { makeOpensslCacerts, openssl, tempDir } from './support.js';
import { leafOf, rawCall } from './ca-call.js';

const TD = 'cluster.local';
const SLEEP_POD = { namespace: 'full', serviceAccount: 'sleep', pod: 'sleep-1', podUid: 'uid-sleep-1' };
const SLEEP_ID = 'spiffe://cluster.local/ns/full/sa/sleep';

describe('CA server (CertificateService over TLS)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: CaServer;
  let issuer: PodTokenIssuer;
  const currentPods = new Set<string>(['full/sleep-1/uid-sleep-1', 'full/other-1/uid-other-1']);
  const logLines: string[] = [];

  before(async () => {
    dir = await tempDir();
    issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
    server = await startCaServer({
      stateDir: dir.path,
      trustDomain: TD,
      tokenVerifier: issuer,
      isPodCurrent: (ns, pod, uid) => currentPods.has(`${ns}/${pod}/${uid}`),
      logger: createLogger({ component: 'ca', write: (line) => logLines.push(line) }),
    });
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  it('issues an SVID for the pod named by a valid token, chained to the root', async () => {
    const result = await rawCall(server, { token: issuer.mint(SLEEP_POD, 300) });
    const leaf = leafOf(result);
    assert.equal(leaf.subjectAltName, `URI:${SLEEP_ID}`);
    assert.ok(result.ok);
    assert.deepEqual(result.res.trust_bundle, server.trustBundlePem);
    await writeFile(join(dir.path, 'leaf.pem'), result.res.cert_chain[0] ?? '');
    await writeFile(join(dir.path, 'root.pem'), server.rootCertPem);
    assert.match(await openssl(['verify', '-CAfile', 'root.pem', 'leaf.pem'], dir.path), /OK/);
  });

  it('gives the caller its own identity when the CSR asks for another SAN', async () => {
    const result = await rawCall(server, {
      token: issuer.mint(SLEEP_POD, 300),
      csrSpiffeId: 'spiffe://cluster.local/ns/istio-system/sa/admin',
    });
    assert.equal(leafOf(result).subjectAltName, `URI:${SLEEP_ID}`);
  });

  it('refuses a call with no credential (UNAUTHENTICATED) and logs why', async () => {
    const result = await rawCall(server, {});
    assert.deepEqual(result.ok ? 'issued' : result.code, grpc.status.UNAUTHENTICATED);
    assert.ok(logLines.some((l) => l.includes('no credential')));
  });

  it('refuses a tampered token without logging it', async () => {
    const token = issuer.mint(SLEEP_POD, 300);
    const tampered = `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const result = await rawCall(server, { token: tampered });
    assert.equal(result.ok ? 'issued' : result.code, grpc.status.UNAUTHENTICATED);
    assert.ok(!logLines.some((l) => l.includes(tampered) || l.includes(token)), 'token never logged');
    assert.ok(logLines.some((l) => l.includes('bad-signature')));
  });

  it('refuses a token signed by another key', async () => {
    const foreign = new PodTokenIssuer(PodTokenIssuer.generateKey());
    const result = await rawCall(server, { token: foreign.mint(SLEEP_POD, 300) });
    assert.equal(result.ok ? 'issued' : result.code, grpc.status.UNAUTHENTICATED);
  });

  it('refuses an expired token', async () => {
    const past = new PodTokenIssuer(Buffer.alloc(32, 7), { now: () => Date.now() - 3_600_000 });
    const verifier = new PodTokenIssuer(Buffer.alloc(32, 7));
    const other = await startCaServer({
      stateDir: dir.path,
      trustDomain: TD,
      tokenVerifier: verifier,
      logger: createLogger({ component: 'ca', write: () => undefined }),
    });
    try {
      const result = await rawCall(other, { token: past.mint(SLEEP_POD, 600) });
      assert.equal(result.ok ? 'issued' : result.code, grpc.status.UNAUTHENTICATED);
      assert.ok(!result.ok && result.details.includes('expired'));
      assert.ok(
        (await rawCall(other, { token: verifier.mint(SLEEP_POD, 600) })).ok,
        'a fresh token from the same key works',
      );
    } finally {
      await other.close();
    }
  });

  it('refuses a token with the wrong audience', async () => {
    const result = await rawCall(server, { token: issuer.mint(SLEEP_POD, 300, 'kubernetes') });
    assert.equal(result.ok ? 'issued' : result.code, grpc.status.UNAUTHENTICATED);
  });

  it('refuses the token of a deleted or replaced pod (PERMISSION_DENIED)', async () => {
    const replaced = { ...SLEEP_POD, podUid: 'uid-sleep-0' };
    const result = await rawCall(server, { token: issuer.mint(replaced, 300) });
    assert.equal(result.ok ? 'issued' : result.code, grpc.status.PERMISSION_DENIED);
    const deleted = { ...SLEEP_POD, pod: 'sleep-gone' };
    const second = await rawCall(server, { token: issuer.mint(deleted, 300) });
    assert.equal(second.ok ? 'issued' : second.code, grpc.status.PERMISSION_DENIED);
  });

  it('refuses a CSR that does not parse (INVALID_ARGUMENT)', async () => {
    const result = await rawCall(server, { token: issuer.mint(SLEEP_POD, 300), csr: 'not a csr' });
    assert.equal(result.ok ? 'issued' : result.code, grpc.status.INVALID_ARGUMENT);
  });

  it('renews with the current SVID as client certificate, keeping that identity', async () => {
    const first = await rawCall(server, { token: issuer.mint(SLEEP_POD, 300) });
    assert.ok(first.ok);
    const renewed = await rawCall(server, {
      clientCert: { privateKeyPem: first.keyPem, certChainPem: first.res.cert_chain },
      csrSpiffeId: 'spiffe://cluster.local/ns/istio-system/sa/admin',
    });
    const leaf = leafOf(renewed);
    assert.equal(leaf.subjectAltName, `URI:${SLEEP_ID}`);
    assert.ok(logLines.some((l) => l.includes('"via":"certificate"')));
  });

  it('refuses a renewal with an expired certificate from the mesh root', async () => {
    const keys = await generateKeyPair();
    const expired = await signLeafCertificate({
      signer: server.signer,
      publicKey: keys.publicKey,
      uris: [SLEEP_ID],
      ttlMs: 60_000,
      nowMs: Date.now() - 3_600_000,
    });
    const result = await rawCall(server, {
      clientCert: { privateKeyPem: keys.privateKeyPem, certChainPem: [expired.certPem] },
    });
    assert.equal(result.ok ? 'issued' : result.code, grpc.status.UNAUTHENTICATED);
  });

  it('refuses a renewal with a certificate from a foreign CA', async () => {
    const foreignDir = await tempDir();
    try {
      const foreign = await loadCaSigner({ stateDir: foreignDir.path, trustDomain: TD });
      const keys = await generateKeyPair();
      const cert = await signLeafCertificate({
        signer: foreign,
        publicKey: keys.publicKey,
        uris: [SLEEP_ID],
        ttlMs: 3_600_000,
        nowMs: Date.now(),
      });
      const result = await rawCall(server, {
        clientCert: { privateKeyPem: keys.privateKeyPem, certChainPem: [cert.certPem] },
      });
      assert.equal(result.ok ? 'issued' : result.code, grpc.status.UNAUTHENTICATED);
    } finally {
      await foreignDir.remove();
    }
  });
});

describe('CA server with a plugged-in intermediate', () => {
  it('returns leaf + intermediate, and renewals through the intermediate are accepted', async () => {
    const dir = await tempDir();
    const issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
    await makeOpensslCacerts(dir.path);
    const server = await startCaServer({
      stateDir: dir.path,
      trustDomain: TD,
      tokenVerifier: issuer,
      pluggedInCaDir: dir.path,
      logger: createLogger({ component: 'ca', write: () => undefined }),
    });
    try {
      const first = await rawCall(server, { token: issuer.mint(SLEEP_POD, 300) });
      assert.ok(first.ok, first.ok ? '' : first.details);
      assert.equal(first.res.cert_chain.length, 2);
      await writeFile(join(dir.path, 'leaf.pem'), first.res.cert_chain[0] ?? '');
      await writeFile(join(dir.path, 'chain.pem'), first.res.cert_chain[1] ?? '');
      assert.match(
        await openssl(
          ['verify', '-CAfile', 'root-cert.pem', '-untrusted', 'chain.pem', 'leaf.pem'],
          dir.path,
        ),
        /OK/,
      );
      const renewed = await rawCall(server, {
        clientCert: { privateKeyPem: first.keyPem, certChainPem: first.res.cert_chain },
      });
      assert.equal(leafOf(renewed).subjectAltName, `URI:${SLEEP_ID}`);
    } finally {
      await server.close();
      await dir.remove();
    }
  });
});
