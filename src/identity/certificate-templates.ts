// X.509 templates: the mesh root and the leaf certificates (SVIDs, serving certificates) it signs.
// Field choices follow the behaviour contract ("Identity").

import { randomBytes } from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import { x509 } from './x509.js';
import type { CaSigner } from './ca-signer.js';
import type { KeyPair } from './key-pair.js';
import { signingAlgorithmFor } from './key-pair.js';
import { IdentityError } from './identity-error.js';
import type { CertificatePodBinding } from './pod-binding.js';
import { podBindingExtension } from './pod-binding.js';

export const ROOT_VALIDITY_YEARS = 10;
/** Leaves start this far in the past so that small clock skew between hosts does not matter. */
export const LEAF_BACKDATE_MS = 2 * 60 * 1000;

/** A random positive 128-bit serial as hex; the top bits are fixed so its DER length is stable. */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** A self-signed root: ECDSA P-256 (or whatever `keys` is), CA=true, `O=<trust domain>`. */
export async function createRootCertificate(
  trustDomain: string,
  keys: KeyPair,
  nowMs: number,
): Promise<x509.X509Certificate> {
  const notBefore = new Date(nowMs - LEAF_BACKDATE_MS);
  const notAfter = new Date(nowMs);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + ROOT_VALIDITY_YEARS);
  const name = new x509.Name([{ O: [trustDomain] }]);
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: name,
    issuer: name,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: signingAlgorithmFor(keys.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
}

export interface LeafRequest {
  signer: CaSigner;
  publicKey: webcrypto.CryptoKey | x509.PublicKey;
  /** URI SANs: for an SVID exactly one spiffe:// ID. */
  uris: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** The pod an SVID is issued to (see `pod-binding.ts`). */
  podBinding?: CertificatePodBinding;
  ttlMs: number;
  nowMs: number;
}

export interface IssuedLeaf {
  cert: x509.X509Certificate;
  certPem: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

async function authorityKeyId(signer: CaSigner): Promise<x509.Extension> {
  const ski = signer.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski !== null) return new x509.AuthorityKeyIdentifierExtension(ski.keyId);
  return x509.AuthorityKeyIdentifierExtension.create(signer.cert.publicKey);
}

/**
 * Signs a leaf with an empty subject and a critical SAN, CA=false, digitalSignature +
 * keyEncipherment, serverAuth + clientAuth, a random serial, back-dated 2 minutes and never
 * valid past the signer. Throws `AUTOMESH_ERR_IDENTITY_CA_EXPIRED` when the signer is expired.
 */
export async function signLeafCertificate(req: LeafRequest): Promise<IssuedLeaf> {
  const signerNotAfter = req.signer.cert.notAfter.getTime();
  if (signerNotAfter <= req.nowMs) {
    throw new IdentityError('AUTOMESH_ERR_IDENTITY_CA_EXPIRED', 'the signing CA certificate has expired');
  }
  const notBefore = new Date(Math.max(req.nowMs - LEAF_BACKDATE_MS, req.signer.cert.notBefore.getTime()));
  const notAfter = new Date(Math.min(req.nowMs + req.ttlMs, signerNotAfter));
  const names: x509.JsonGeneralName[] = [
    ...req.uris.map((value) => ({ type: 'url' as const, value })),
    ...(req.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(req.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const serialNumber = randomSerialNumber();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: '',
    issuer: req.signer.cert.subjectName,
    notBefore,
    notAfter,
    publicKey: req.publicKey,
    signingKey: req.signer.keys.privateKey,
    signingAlgorithm: signingAlgorithmFor(req.signer.keys.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      await authorityKeyId(req.signer),
      new x509.SubjectAlternativeNameExtension(names, true),
      ...(req.podBinding === undefined ? [] : [podBindingExtension(req.podBinding)]),
    ],
  });
  return { cert, certPem: cert.toString('pem') + '\n', serialNumber, notBefore, notAfter };
}
