// PKCS#10 certificate signing requests (RFC 2986), made by the sidecar with its own key. Built
// here with node:crypto and a few DER encodings because this runs in every sidecar, where an X.509
// library and its polyfill would cost more memory than the rest of the identity code (the CA
// checks requests with one: verify-csr.ts). The CA takes only the public key from a request, after
// checking the proof of possession, and ignores the rest.

import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { der } from './der.js';

/** Maximum accepted CSR size: a P-256 CSR is well under 1 KiB, RSA-4096 under 4 KiB. */
export const MAX_CSR_PEM_BYTES = 8192;

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
};
const URI_GENERAL_NAME = 6;

/** The extensionRequest attribute asking for one critical URI SAN (the subject is empty). */
function uriSanRequest(uri: string): Buffer {
  const generalNames = der.sequence(der.contextPrimitive(URI_GENERAL_NAME, Buffer.from(uri, 'ascii')));
  const extension = der.sequence(
    der.objectIdentifier(OID.subjectAltName),
    der.boolean(true),
    der.octetString(generalNames),
  );
  return der.sequence(der.objectIdentifier(OID.extensionRequest), der.set(der.sequence(extension)));
}

function pem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * A CSR signed with an ECDSA P-256 key (given as its PEM), with an empty subject and, when given,
 * the SPIFFE ID the caller believes it has.
 */
export function createCsr(keys: { privateKeyPem: string }, spiffeId?: string): string {
  const privateKey = createPrivateKey(keys.privateKeyPem);
  const subjectPublicKeyInfo = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const attributes = spiffeId === undefined ? Buffer.alloc(0) : uriSanRequest(spiffeId);
  const requestInfo = der.sequence(
    der.smallInteger(0),
    der.sequence(),
    subjectPublicKeyInfo,
    der.contextConstructed(0, attributes),
  );
  // node:crypto signs ECDSA as a DER `Ecdsa-Sig-Value`, the encoding X.509 signatures use.
  const signature = sign('sha256', requestInfo, privateKey);
  const request = der.sequence(
    requestInfo,
    der.sequence(der.objectIdentifier(OID.ecdsaWithSha256)),
    der.bitString(signature),
  );
  return pem('CERTIFICATE REQUEST', request);
}
