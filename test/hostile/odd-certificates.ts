// Client certificates a hostile or broken peer might present: expired, not yet valid, self-signed,
// without a SPIFFE ID or with two. Same shape as test/support/pki.ts leaves otherwise.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import type { TestCa } from '../support/pki.js';
import type { WorkloadCertificate } from '../../src/proxy/index.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const HOUR = 3_600_000;

export interface OddLeaf {
  uris?: string[];
  dnsNames?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Signed by its own key instead of the CA's (the issuer name still claims the CA). */
  selfSigned?: boolean;
}

export async function issueOddLeaf(ca: TestCa, spec: OddLeaf): Promise<WorkloadCertificate> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const notBefore = spec.notBefore ?? new Date(Date.now() - HOUR);
  const notAfter = spec.notAfter ?? new Date(Date.now() + HOUR);
  const names = [
    ...(spec.uris ?? []).map((value) => ({ type: 'url' as const, value })),
    ...(spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: '',
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: spec.selfSigned === true ? keys.privateKey : ca.keys.privateKey,
    extensions: [
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, true)] : []),
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
    ],
  });
  return {
    privateKeyPem: KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString(),
    certChainPem: [cert.toString('pem') + '\n'],
    trustBundlePem: [ca.rootPem],
    spiffeId: spec.uris?.[0] ?? '',
    serialNumber: cert.serialNumber,
    notBefore,
    notAfter,
  };
}
