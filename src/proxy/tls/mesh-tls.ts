// TLS material for the sidecar: the workload certificate turned into SecureContexts once per
// rotation (never per connection), plus contexts for SIMPLE/MUTUAL upstreams read from files.

import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { SecureContext, SecureContextOptions } from 'node:tls';
import type { UpstreamTls } from '../../api/index.js';
import type { CertificateSource, WorkloadCertificate } from '../sources.js';

export type ReadTextFile = (path: string) => string;

export class MeshTls {
  private certificate: WorkloadCertificate | undefined;
  private meshClient: SecureContext | undefined;
  private readonly fileContexts = new Map<string, SecureContext>();
  private readonly listeners = new Set<(cert: WorkloadCertificate) => void>();
  private readonly unsubscribe: () => void;

  constructor(
    source: CertificateSource,
    private readonly readText: ReadTextFile = (p) => readFileSync(p, 'utf8'),
  ) {
    this.unsubscribe = source.onUpdate((cert) => this.rotate(cert));
    const first = source.current();
    if (first !== undefined) this.rotate(first);
  }

  get current(): WorkloadCertificate | undefined {
    return this.certificate;
  }

  /** Runs on every new certificate (and now, if one is loaded). */
  onRotate(listener: (cert: WorkloadCertificate) => void): () => void {
    this.listeners.add(listener);
    if (this.certificate !== undefined) listener(this.certificate);
    return () => this.listeners.delete(listener);
  }

  /** Options for servers (inbound mTLS) from the current certificate. */
  serverOptions(cert: WorkloadCertificate): SecureContextOptions {
    return {
      key: cert.privateKeyPem,
      cert: cert.certChainPem.join('\n'),
      ca: cert.trustBundlePem,
      minVersion: 'TLSv1.2',
    };
  }

  /** The client context for mesh mTLS; undefined before the first certificate. */
  meshClientContext(): SecureContext | undefined {
    return this.meshClient;
  }

  /** The client context a SIMPLE or MUTUAL upstream needs (files read once, cached by path). */
  fileClientContext(tls: Extract<UpstreamTls, { mode: 'SIMPLE' | 'MUTUAL' }>): SecureContext {
    const key = JSON.stringify([
      tls.caCertificates,
      tls.mode === 'MUTUAL' ? [tls.clientCertificate, tls.privateKey] : [],
    ]);
    let ctx = this.fileContexts.get(key);
    if (ctx === undefined) {
      const options: SecureContextOptions = { minVersion: 'TLSv1.2' };
      if (tls.caCertificates !== undefined) options.ca = this.readText(tls.caCertificates);
      if (tls.mode === 'MUTUAL') {
        options.cert = this.readText(tls.clientCertificate);
        options.key = this.readText(tls.privateKey);
      }
      ctx = createSecureContext(options);
      this.fileContexts.set(key, ctx);
    }
    return ctx;
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private rotate(cert: WorkloadCertificate): void {
    this.meshClient = createSecureContext(this.serverOptions(cert));
    this.certificate = cert;
    for (const listener of this.listeners) listener(cert);
  }
}
