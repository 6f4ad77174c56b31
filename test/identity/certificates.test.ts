import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { stat, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CertificateAuthority,
  loadCaSigner,
  ROOT_CERT_FILE,
  ROOT_KEY_FILE,
} from '../../src/controlplane/ca/index.js';
import { createCsr, generateKeyPair, verifyPeerSvid } from '../../src/identity/index.js';
import { makeOpensslCacerts, openssl, tempDir, x509Text } from './support.js';

const TD = 'cluster.local';
const SLEEP = { namespace: 'full', serviceAccount: 'sleep' };

async function issueFor(ca: CertificateAuthority, ttlSeconds?: number, askFor?: string) {
  const keys = await generateKeyPair();
  const result = await ca.issue({ csrPem: createCsr(keys, askFor), identity: SLEEP, ttlSeconds });
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result;
}

describe('self-signed mesh root', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    dir = await tempDir();
  });
  after(async () => dir.remove());

  it('creates a 10-year ECDSA P-256 root with O=<trust domain> and an owner-only key file', async () => {
    const signer = await loadCaSigner({ stateDir: dir.path, trustDomain: TD });
    const text = await x509Text(dir.path, signer.certPem);
    assert.match(text, /Subject: O ?= ?cluster\.local/);
    assert.match(text, /ASN1 OID: prime256v1/);
    assert.match(text, /CA:TRUE/);
    assert.match(text, /Certificate Sign, CRL Sign/);
    const cert = new X509Certificate(signer.certPem);
    const years = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (365.25 * 24 * 3600 * 1000);
    assert.ok(years > 9.9 && years < 10.1, `validity ${years} years`);
    assert.equal((await stat(join(dir.path, ROOT_KEY_FILE))).mode & 0o777, 0o600);
    assert.equal(await readFile(join(dir.path, ROOT_CERT_FILE), 'utf8'), signer.certPem);
  });

  it('loads the same root on a later start', async () => {
    const first = await loadCaSigner({ stateDir: dir.path, trustDomain: TD });
    const second = await loadCaSigner({ stateDir: dir.path, trustDomain: TD });
    assert.equal(second.certPem, first.certPem);
    assert.equal(second.keys.privateKeyPem, first.keys.privateKeyPem);
  });

  it('issues SVIDs with exactly the contract fields, which openssl verifies against the root', async () => {
    const ca = new CertificateAuthority(await loadCaSigner({ stateDir: dir.path, trustDomain: TD }));
    const before = Date.now();
    const issued = await issueFor(ca);
    assert.equal(issued.certChainPem.length, 1);
    const leafPem = issued.certChainPem[0] ?? '';
    const text = await x509Text(dir.path, leafPem, 'leaf.pem');
    assert.match(text, /Subject: *\n/, 'empty subject');
    assert.match(
      text,
      /X509v3 Subject Alternative Name: critical\s+URI:spiffe:\/\/cluster\.local\/ns\/full\/sa\/sleep\s*\n/,
    );
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
    assert.match(
      text,
      /X509v3 Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/,
    );
    assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text, /ecdsa-with-SHA256/);
    const cert = new X509Certificate(leafPem);
    assert.match(cert.serialNumber, /^[0-7][0-9A-F]{31}$/i, 'positive 128-bit serial');
    const notBefore = Date.parse(cert.validFrom);
    const notAfter = Date.parse(cert.validTo);
    assert.ok(Math.abs(before - 120_000 - notBefore) < 5_000, 'back-dated 2 minutes');
    assert.ok(Math.abs(notAfter - before - 24 * 3600_000) < 5_000, 'default TTL 24 h');
    await writeFile(join(dir.path, 'root.pem'), issued.trustBundlePem.join(''));
    assert.match(await openssl(['verify', '-CAfile', 'root.pem', 'leaf.pem'], dir.path), /leaf\.pem: OK/);
  });

  it('gives each certificate a different random serial', async () => {
    const ca = new CertificateAuthority(await loadCaSigner({ stateDir: dir.path, trustDomain: TD }));
    const serials = new Set<string>();
    for (let i = 0; i < 5; i++)
      serials.add(new X509Certificate((await issueFor(ca)).certChainPem[0] ?? '').serialNumber);
    assert.equal(serials.size, 5);
  });

  it('ignores the SAN the CSR asks for: the certificate carries the authenticated identity', async () => {
    const ca = new CertificateAuthority(await loadCaSigner({ stateDir: dir.path, trustDomain: TD }));
    const issued = await issueFor(ca, undefined, 'spiffe://cluster.local/ns/istio-system/sa/admin');
    assert.equal(
      new X509Certificate(issued.certChainPem[0] ?? '').subjectAltName,
      'URI:spiffe://cluster.local/ns/full/sa/sleep',
    );
  });

  it('honours a requested TTL, caps it at the maximum and never past the signer', async () => {
    const signer = await loadCaSigner({ stateDir: dir.path, trustDomain: TD });
    const ca = new CertificateAuthority(signer, { maxTtlSeconds: 3600 });
    const short = new X509Certificate((await issueFor(ca, 600)).certChainPem[0] ?? '');
    assert.ok(Math.abs(Date.parse(short.validTo) - Date.now() - 600_000) < 5_000);
    const capped = new X509Certificate((await issueFor(ca, 86_400)).certChainPem[0] ?? '');
    assert.ok(Math.abs(Date.parse(capped.validTo) - Date.now() - 3_600_000) < 5_000);
    const huge = new CertificateAuthority(signer, { maxTtlSeconds: 20 * 365 * 86_400 });
    const longest = new X509Certificate((await issueFor(huge, 20 * 365 * 86_400)).certChainPem[0] ?? '');
    assert.equal(Date.parse(longest.validTo), signer.cert.notAfter.getTime());
  });

  it('refuses a CSR whose signature was tampered with', async () => {
    const ca = new CertificateAuthority(await loadCaSigner({ stateDir: dir.path, trustDomain: TD }));
    const csr = createCsr(await generateKeyPair());
    const body = csr.replace(/-----[^-]+-----/g, '').replace(/\s/g, '');
    const der = Buffer.from(body, 'base64');
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const result = await ca.issue({ csrPem: tampered, identity: SLEEP });
    assert.equal(result.ok, false);
  });
});

describe('plugged-in intermediate CA (Istio cacerts layout)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    dir = await tempDir();
    await makeOpensslCacerts(dir.path);
  });
  after(async () => dir.remove());

  it('signs with the intermediate and puts it in every issued chain; openssl verifies up to the root', async () => {
    const signer = await loadCaSigner({ stateDir: dir.path, trustDomain: TD, pluggedInCaDir: dir.path });
    const issued = await issueFor(new CertificateAuthority(signer));
    assert.equal(issued.certChainPem.length, 2, 'leaf + intermediate (root only in the trust bundle)');
    assert.equal(issued.certChainPem[1], await readFile(join(dir.path, 'ca-cert.pem'), 'utf8'));
    assert.equal(issued.trustBundlePem.join(''), await readFile(join(dir.path, 'root-cert.pem'), 'utf8'));
    await writeFile(join(dir.path, 'leaf.pem'), issued.certChainPem[0] ?? '');
    await writeFile(join(dir.path, 'untrusted.pem'), issued.certChainPem.slice(1).join(''));
    const ok = await openssl(
      ['verify', '-CAfile', 'root-cert.pem', '-untrusted', 'untrusted.pem', 'leaf.pem'],
      dir.path,
    );
    assert.match(ok, /leaf\.pem: OK/);
    await assert.rejects(
      openssl(['verify', '-CAfile', 'root-cert.pem', 'leaf.pem'], dir.path),
      'the intermediate is needed',
    );
    const check = verifyPeerSvid(issued.certChainPem[0] ?? '', issued.trustBundlePem, TD, {
      intermediatesPem: issued.certChainPem.slice(1),
    });
    assert.ok(check.ok && check.spiffeId === 'spiffe://cluster.local/ns/full/sa/sleep');
  });

  it('signs with an RSA intermediate (like Istio samples/certs), the leaf staying ECDSA P-256', async () => {
    const rsa = await tempDir();
    try {
      await makeOpensslCacerts(rsa.path, TD, 'rsa');
      const signer = await loadCaSigner({ stateDir: rsa.path, trustDomain: TD, pluggedInCaDir: rsa.path });
      const issued = await issueFor(new CertificateAuthority(signer));
      const text = await x509Text(rsa.path, issued.certChainPem[0] ?? '', 'leaf.pem');
      assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
      assert.match(text, /ASN1 OID: prime256v1/);
      await writeFile(join(rsa.path, 'untrusted.pem'), issued.certChainPem.slice(1).join(''));
      const ok = await openssl(
        ['verify', '-CAfile', 'root-cert.pem', '-untrusted', 'untrusted.pem', 'leaf.pem'],
        rsa.path,
      );
      assert.match(ok, /leaf\.pem: OK/);
    } finally {
      await rsa.remove();
    }
  });

  it('refuses a ca-key.pem that does not match ca-cert.pem', async () => {
    const other = await tempDir();
    try {
      await makeOpensslCacerts(other.path);
      await writeFile(join(other.path, 'ca-key.pem'), await readFile(join(dir.path, 'ca-key.pem')));
      await assert.rejects(
        loadCaSigner({ stateDir: other.path, trustDomain: TD, pluggedInCaDir: other.path }),
        { code: 'AUTOMESH_ERR_CA_PLUGGED_IN' },
      );
    } finally {
      await other.remove();
    }
  });
});
