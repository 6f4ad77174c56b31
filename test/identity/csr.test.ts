// The sidecar's CSR is built by hand in DER (src/identity/csr.ts): it must be a request that
// other parsers read as we meant it, not only the CA's own check.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { createCsr, generateKeyPair, verifyCsr } from '../../src/identity/index.js';
import { x509 } from '../../src/identity/index.js';

const SPIFFE_ID = 'spiffe://cluster.local/ns/full/sa/sleep';

function requestedSan(csr: x509.Pkcs10CertificateRequest): x509.SubjectAlternativeNameExtension | undefined {
  const extension = csr.getExtension('2.5.29.17');
  return extension === null ? undefined : new x509.SubjectAlternativeNameExtension(extension.rawData);
}

describe('createCsr (DER by hand)', () => {
  it('passes the CA check, carries our public key and asks for the SPIFFE ID as a critical URI SAN', async () => {
    const keys = await generateKeyPair();
    const pem = createCsr(keys, SPIFFE_ID);
    const check = await verifyCsr(pem);
    assert.equal(check.ok, true, check.ok ? '' : check.reason);
    const csr = new x509.Pkcs10CertificateRequest(pem);
    const ours = createPublicKey(keys.privateKeyPem).export({ type: 'spki', format: 'der' });
    assert.deepEqual(Buffer.from(csr.publicKey.rawData), ours);
    const san = requestedSan(csr);
    assert.ok(san, 'SAN extension requested');
    assert.equal(san.critical, true);
    assert.deepEqual(
      san.names.items.map((n): [string, string] => [n.type, n.value]),
      [['url', SPIFFE_ID]],
    );
    assert.equal(csr.subject, '');
  });

  it('without a SPIFFE ID asks for no extension', async () => {
    const csr = new x509.Pkcs10CertificateRequest(createCsr(await generateKeyPair()));
    assert.equal(csr.extensions.length, 0);
    assert.equal(await csr.verify(), true);
  });

  it('is a valid request to openssl, signature included', async () => {
    const pem = createCsr(await generateKeyPair(), SPIFFE_ID);
    const text = execFileSync('openssl', ['req', '-noout', '-verify', '-text'], { input: pem }).toString();
    assert.match(text, /URI:spiffe:\/\/cluster\.local\/ns\/full\/sa\/sleep/);
    assert.match(text, /ecdsa-with-SHA256/);
    assert.match(text, /ASN1 OID: prime256v1/);
  });

  it('a long SPIFFE ID (length in more than one byte) still parses', async () => {
    const long = `spiffe://cluster.local/ns/${'n'.repeat(60)}/sa/${'s'.repeat(200)}`;
    const csr = new x509.Pkcs10CertificateRequest(createCsr(await generateKeyPair(), long));
    assert.equal(await csr.verify(), true);
    const san = requestedSan(csr);
    assert.equal(san?.names.items[0]?.value, long);
  });
});
