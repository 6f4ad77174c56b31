// A TLS serving certificate for a control-plane server (CA, discovery), signed by the mesh CA:
// a fresh key, the control plane's SPIFFE ID plus the DNS names and IPs clients dial.

import type { CaSigner } from './ca-signer.js';
import { signLeafCertificate } from './certificate-templates.js';
import { generateKeyPair } from './key-pair.js';

/** Serving certificates outlive workload SVIDs; the control plane re-issues on restart. */
export const SERVING_CERT_TTL_MS = 365 * 24 * 3600 * 1000;

export interface ServingCertificateOptions {
  spiffeId: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  ttlMs?: number;
  nowMs?: number;
}

export interface ServingCertificate {
  privateKeyPem: string;
  /** Leaf first, then intermediates (not the root). */
  certChainPem: string[];
  trustBundlePem: string[];
  serialNumber: string;
  notAfter: Date;
}

/** Issues a serving certificate; its key is generated here and returned only to the caller. */
export async function issueServingCertificate(
  signer: CaSigner,
  options: ServingCertificateOptions,
): Promise<ServingCertificate> {
  const keys = await generateKeyPair();
  const leaf = await signLeafCertificate({
    signer,
    publicKey: keys.publicKey,
    uris: [options.spiffeId],
    dnsNames: options.dnsNames ?? ['localhost'],
    ipAddresses: options.ipAddresses ?? ['127.0.0.1'],
    ttlMs: options.ttlMs ?? SERVING_CERT_TTL_MS,
    nowMs: options.nowMs ?? Date.now(),
  });
  return {
    privateKeyPem: keys.privateKeyPem,
    certChainPem: [leaf.certPem, ...signer.chainPem],
    trustBundlePem: signer.rootsPem,
    serialNumber: leaf.serialNumber,
    notAfter: leaf.notAfter,
  };
}
