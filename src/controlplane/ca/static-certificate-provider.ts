// A grpc-js CertificateProvider holding the server's key/chain and the roots it trusts for client
// certificates. It exists because grpc-js' plain `createSsl` cannot *request* a client certificate
// without *requiring* one, and the first CA call comes without one. `update()` rotates the serving
// certificate for new connections.

import type { experimental } from '@grpc/grpc-js';

type Provider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

export interface ServerTlsMaterial {
  privateKeyPem: string;
  certChainPem: string[];
  trustBundlePem: string[];
}

export class StaticCertificateProvider implements Provider {
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();

  constructor(private material: ServerTlsMaterial) {}

  update(material: ServerTlsMaterial): void {
    this.material = material;
    for (const l of this.caListeners) l(this.caUpdate());
    for (const l of this.identityListeners) l(this.identityUpdate());
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    // Deferred: grpc-js registers its own watcher only after adding the listener, so a
    // synchronous first update would be lost and the server would never get a secure context.
    queueMicrotask(() => {
      if (this.caListeners.has(listener)) listener(this.caUpdate());
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.identityListeners.has(listener)) listener(this.identityUpdate());
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  private caUpdate(): experimental.CaCertificateUpdate {
    return { caCertificate: Buffer.from(this.material.trustBundlePem.join('')) };
  }

  private identityUpdate(): experimental.IdentityCertificateUpdate {
    return {
      certificate: Buffer.from(this.material.certChainPem.join('')),
      privateKey: Buffer.from(this.material.privateKeyPem),
    };
  }
}
