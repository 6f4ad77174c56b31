// Test PKI for discovery: a mesh root made at test time, the control plane's serving certificate
// and workload SVIDs, plus a CertificateSource that tests can rotate by hand.
import type { CaSigner, CertificatePodBinding } from '../../src/identity/index.js';
import {
  controlPlaneSpiffeId,
  createRootCertificate,
  formatSpiffeId,
  generateKeyPair,
  issueServingCertificate,
  signLeafCertificate,
} from '../../src/identity/index.js';
import type { CertificateSource, RenewalTrouble, WorkloadCertificate } from '../../src/proxy/sources.js';

export const TRUST_DOMAIN = 'cluster.local';

export interface TestPki {
  signer: CaSigner;
  rootPem: string;
  serving: { certChainPem: string[]; privateKeyPem: string; trustBundlePem: string[] };
  /** With `podBinding`, the SVID names its pod as the mesh CA's do. */
  svid(
    namespace: string,
    serviceAccount: string,
    podBinding?: CertificatePodBinding,
  ): Promise<WorkloadCertificate>;
}

export async function createTestPki(trustDomain = TRUST_DOMAIN): Promise<TestPki> {
  const keys = await generateKeyPair();
  const cert = await createRootCertificate(trustDomain, keys, Date.now());
  const rootPem = cert.toString('pem') + '\n';
  const signer: CaSigner = { keys, cert, certPem: rootPem, chainPem: [], rootsPem: [rootPem], trustDomain };
  const serving = await issueServingCertificate(signer, { spiffeId: controlPlaneSpiffeId(trustDomain) });
  return {
    signer,
    rootPem,
    serving: {
      certChainPem: serving.certChainPem,
      privateKeyPem: serving.privateKeyPem,
      trustBundlePem: [rootPem],
    },
    svid: (namespace, serviceAccount, podBinding) =>
      issueSvid(signer, formatSpiffeId({ trustDomain, namespace, serviceAccount }), podBinding),
  };
}

/** An SVID for any URI SAN (also foreign trust domains), signed by `signer`. */
export async function issueSvid(
  signer: CaSigner,
  spiffeId: string,
  podBinding?: CertificatePodBinding,
): Promise<WorkloadCertificate> {
  const keys = await generateKeyPair();
  const leaf = await signLeafCertificate({
    signer,
    publicKey: keys.publicKey,
    uris: [spiffeId],
    ...(podBinding === undefined ? {} : { podBinding }),
    ttlMs: 3600_000,
    nowMs: Date.now(),
  });
  return {
    privateKeyPem: keys.privateKeyPem,
    certChainPem: [leaf.certPem],
    trustBundlePem: signer.rootsPem,
    spiffeId,
    serialNumber: leaf.serialNumber,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
  };
}

/** A CertificateSource holding one certificate until `rotate` replaces it. */
export class StaticCertificateSource implements CertificateSource {
  private cert: WorkloadCertificate | undefined;
  private readonly listeners = new Set<(cert: WorkloadCertificate) => void>();
  private readonly failureListeners = new Set<(trouble: RenewalTrouble) => void>();
  private trouble: RenewalTrouble | undefined;

  constructor(cert?: WorkloadCertificate) {
    this.cert = cert;
  }

  current(): WorkloadCertificate | undefined {
    return this.cert;
  }

  onUpdate(listener: (cert: WorkloadCertificate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  rotate(cert: WorkloadCertificate): void {
    this.cert = cert;
    this.trouble = undefined;
    for (const listener of [...this.listeners]) listener(cert);
  }

  renewalTrouble(): RenewalTrouble | undefined {
    return this.trouble;
  }

  onRenewalFailure(listener: (trouble: RenewalTrouble) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** As a renewing source does when the CA cannot be reached. */
  failRenewal(error: string, since: Date): void {
    this.trouble = { since, failures: (this.trouble?.failures ?? 0) + 1, error };
    for (const listener of [...this.failureListeners]) listener(this.trouble);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
