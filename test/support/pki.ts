// A throwaway PKI for proxy tests: an ECDSA P-256 root and SPIFFE leaves made at test time with
// @peculiar/x509, shaped like the mesh CA's (empty subject, one critical URI SAN).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import type { CertificateSource, WorkloadCertificate } from '../../src/proxy/sources.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type KeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export interface TestCa {
  rootPem: string;
  cert: x509.X509Certificate;
  keys: KeyPair;
  trustDomain: string;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

export async function createTestCa(trustDomain = 'cluster.local'): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `O=${trustDomain}`,
    notBefore: new Date(Date.now() - 120_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { rootPem: cert.toString('pem') + '\n', cert, keys, trustDomain };
}

/** A leaf with one URI SAN (any URI, also outside the trust domain), signed by `ca`. */
export async function issueLeaf(
  ca: TestCa,
  uri: string,
  extraUris: string[] = [],
  dnsNames: string[] = [],
): Promise<WorkloadCertificate> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 120_000);
  const notAfter = new Date(Date.now() + 3_600_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: '',
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        [
          ...[uri, ...extraUris].map((value) => ({ type: 'url' as const, value })),
          ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ],
        true,
      ),
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
    ],
  });
  const privateKeyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    privateKeyPem,
    certChainPem: [cert.toString('pem') + '\n'],
    trustBundlePem: [ca.rootPem],
    spiffeId: uri,
    serialNumber: cert.serialNumber,
    notBefore,
    notAfter,
  };
}

export function spiffeId(ns: string, sa: string, trustDomain = 'cluster.local'): string {
  return `spiffe://${trustDomain}/ns/${ns}/sa/${sa}`;
}

/** A CertificateSource holding one certificate until `rotate` replaces it. */
export class FixedCertificateSource implements CertificateSource {
  private readonly listeners = new Set<(cert: WorkloadCertificate) => void>();

  constructor(private cert: WorkloadCertificate) {}

  current(): WorkloadCertificate {
    return this.cert;
  }

  onUpdate(listener: (cert: WorkloadCertificate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  rotate(cert: WorkloadCertificate): void {
    this.cert = cert;
    for (const l of this.listeners) l(cert);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
