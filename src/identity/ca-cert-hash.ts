// The pin a joining host checks the control plane's root against, as kubeadm's
// `--discovery-token-ca-cert-hash` spells it: `sha256:` and the hex SHA-256 of the root
// certificate's DER SubjectPublicKeyInfo (so a re-issued root with the same key keeps its pin).

import { X509Certificate, createHash } from 'node:crypto';

export const CA_CERT_HASH_PREFIX = 'sha256:';

/** `sha256:<hex>` of the SubjectPublicKeyInfo of the first certificate in `pem`. */
export function caCertHash(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return `${CA_CERT_HASH_PREFIX}${createHash('sha256').update(spki).digest('hex')}`;
}

/** Whether `hash` is a well-formed pin (`sha256:` and 64 hex digits). */
export function isCaCertHash(hash: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(hash);
}
