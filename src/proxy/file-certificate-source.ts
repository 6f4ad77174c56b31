// A CertificateSource from PEM files (standalone mode): read at start, re-read on reload()
// (SIGHUP in the CLI), so a rotated file reaches new connections without a restart.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CertificateSource, Unsubscribe, WorkloadCertificate } from './sources.js';
import { uriSans } from './tls/spiffe-san.js';

export interface CertificateFiles {
  /** Leaf first, then intermediates. */
  certChain: string;
  privateKey: string;
  trustBundle: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function splitPemCertificates(pem: string): string[] {
  return (pem.match(PEM_BLOCK) ?? []).map((b) => `${b}\n`);
}

export function loadCertificateFiles(
  files: CertificateFiles,
  read: (p: string) => string = (p) => readFileSync(p, 'utf8'),
): WorkloadCertificate {
  const certChainPem = splitPemCertificates(read(files.certChain));
  const trustBundlePem = splitPemCertificates(read(files.trustBundle));
  const privateKeyPem = read(files.privateKey);
  if (certChainPem.length === 0) throw codeError(`no certificate in ${files.certChain}`);
  if (trustBundlePem.length === 0) throw codeError(`no certificate in ${files.trustBundle}`);
  const leaf = new X509Certificate(certChainPem[0]!);
  const ids = uriSans(leaf.subjectAltName).filter((u) => u.startsWith('spiffe://'));
  if (ids.length !== 1)
    throw codeError(`${files.certChain}: the leaf must have exactly one spiffe:// URI SAN`);
  return {
    privateKeyPem,
    certChainPem,
    trustBundlePem,
    spiffeId: ids[0]!,
    serialNumber: leaf.serialNumber,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
}

function codeError(message: string): Error {
  return Object.assign(new Error(message), { code: 'AUTOMESH_ERR_PROXY_CERT_FILES' });
}

export class FileCertificateSource implements CertificateSource {
  private cert: WorkloadCertificate;
  private readonly listeners = new Set<(cert: WorkloadCertificate) => void>();

  constructor(private readonly files: CertificateFiles) {
    this.cert = loadCertificateFiles(files);
  }

  current(): WorkloadCertificate {
    return this.cert;
  }

  onUpdate(listener: (cert: WorkloadCertificate) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the files; listeners run only when the serial changed. */
  reload(): WorkloadCertificate {
    const next = loadCertificateFiles(this.files);
    if (next.serialNumber !== this.cert.serialNumber) {
      this.cert = next;
      for (const l of this.listeners) l(next);
    }
    return this.cert;
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }
}
