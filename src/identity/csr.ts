// PKCS#10 certificate signing requests. The sidecar makes one with its own key; the CA only
// takes the public key from it (after checking the proof of possession) and ignores the rest.

import { x509 } from './x509.js';
import type { KeyPair } from './key-pair.js';

/** Maximum accepted CSR size: a P-256 CSR is well under 1 KiB, RSA-4096 under 4 KiB. */
export const MAX_CSR_PEM_BYTES = 8192;

/** A CSR with an empty subject and, when given, the SPIFFE ID the caller believes it has. */
export async function createCsr(keys: KeyPair, spiffeId?: string): Promise<string> {
  const extensions =
    spiffeId === undefined
      ? []
      : [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true)];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions,
  });
  return csr.toString('pem') + '\n';
}

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
