// The CA's check of a PKCS#10 request: it parses, its self-signature holds (proof that the caller
// has the private key), and the key is ECDSA P-256.

import { x509 } from './x509.js';
import { MAX_CSR_PEM_BYTES } from './csr.js';

export type CsrCheck = { ok: true; publicKey: x509.PublicKey } | { ok: false; reason: string };

/** Parses a PEM CSR and verifies its self-signature; a value, never a throw. */
export async function verifyCsr(pem: string): Promise<CsrCheck> {
  if (pem.length === 0) return { ok: false, reason: 'empty CSR' };
  if (pem.length > MAX_CSR_PEM_BYTES) return { ok: false, reason: 'CSR too large' };
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    return { ok: false, reason: `CSR does not parse: ${(err as Error).message}` };
  }
  let valid: boolean;
  try {
    valid = await csr.verify();
  } catch (err) {
    return { ok: false, reason: `CSR signature cannot be checked: ${(err as Error).message}` };
  }
  if (!valid) return { ok: false, reason: 'CSR signature is invalid' };
  const algorithm = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    return { ok: false, reason: 'CSR key must be ECDSA P-256' };
  }
  return { ok: true, publicKey: csr.publicKey };
}
